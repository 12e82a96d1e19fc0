"""Loads and relinks into one index take turns.

Each decides its rows against the children already indexed and then writes: two at once
would each decide against an index without the other's children, and make a child twice
(two feeds about the same 400 children, loaded at once on PostgreSQL, made 803 children
where one after the other made 410). So each takes the index's turn first, inside its
own transaction, and keeps it until that transaction ends:

* on PostgreSQL, a transaction-level advisory lock (released by the commit or rollback,
  and by the server if the process dies);
* on SQLite, the database's one write lock, which a writing transaction takes when it
  begins (``db.make_engine``): a load waiting longer than the busy timeout begins again.

A load that has to wait is told once (``waiting``) and then waits as long as it takes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from contactpoint.dialects import postgresql, try_turn, wait_turn

# The advisory lock that gives a load or relink the index's turn.
INDEX_LOCK = 0x4C69_6E6B  # "Link"


def take(session: Session, waiting: Callable[[], None] | None = None) -> None:
    """Wait for the index's turn, held until ``session``'s transaction ends."""
    if postgresql(session):
        if try_turn(session, INDEX_LOCK):
            return
        if waiting is not None:
            waiting()
        wait_turn(session, INDEX_LOCK)
        return
    told = False
    while True:
        try:
            session.execute(text("SELECT 1"))  # begins the transaction: BEGIN IMMEDIATE
            return
        except OperationalError as error:
            if "locked" not in str(error.orig):
                raise
            session.rollback()
            if waiting is not None and not told:
                waiting()
                told = True
