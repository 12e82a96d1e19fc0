"""The queries a search makes, each an indexed lookup: the children filed under keys
(``match_keys.key``, joined to ``children`` in the same statement), children by primary
key or ContactPoint ID, and the match records of children (``match_records.child_id``).
Read only.

Lists of values are sent as one expanding parameter per statement, so a statement's
text does not depend on the values and SQLAlchemy compiles it once per list length; on
PostgreSQL the keys go as one array, joined to the key index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from contactpoint import bulk, db, dialects
from contactpoint.kinds.children import ChildStatus
from contactpoint.matching.record import LIST_COLUMNS, MATCH_COLUMNS, MatchRecord
from contactpoint.tables.children import Child
from contactpoint.tables.linkage import MatchKey, MatchRecordRow

_RECORD_COLUMNS = tuple(c for c in MATCH_COLUMNS if c != "uid")
_CHILD_COLUMNS = (
    Child.id,
    Child.cp_id,
    Child.status,
    Child.responsible_la_code,
    Child.merged_into_id,
)
_CHILDREN_UNDER_KEYS = select(*_CHILD_COLUMNS).where(
    Child.id.in_(
        select(MatchKey.child_id).where(MatchKey.key.in_(bindparam("keys", expanding=True)))
    )
)
_KEY_ARRAY = (
    func.unnest(bindparam("keys", type_=postgresql.ARRAY(String)))
    .table_valued("key")
    .render_derived(name="wanted")
)
_CHILDREN_UNDER_KEY_ARRAY = select(*_CHILD_COLUMNS).where(
    Child.id.in_(select(MatchKey.child_id).join(_KEY_ARRAY, MatchKey.key == _KEY_ARRAY.c.key))
)
_CHILDREN_BY_ID = select(*_CHILD_COLUMNS).where(Child.id.in_(bindparam("ids", expanding=True)))
_CHILD_BY_CP_ID = select(*_CHILD_COLUMNS).where(Child.cp_id == bindparam("cp_id"))
_RECORDS = select(
    MatchRecordRow.source_record_id,
    MatchRecordRow.child_id,
    *(getattr(MatchRecordRow, column) for column in _RECORD_COLUMNS),
).where(MatchRecordRow.child_id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True, slots=True)
class ChildRow:
    """What a search needs of a child: who it is, where its record stands, whose it is."""

    id: int
    cp_id: str
    status: ChildStatus
    responsible_la_code: str | None
    merged_into_id: int | None


def children_under_keys(session: Session, keys: Iterable[str]) -> dict[int, ChildRow]:
    """The children filed under any of ``keys``, found and read in one statement."""
    wanted = sorted(set(keys))
    connection = db.read_connection(session)
    if dialects.postgresql(connection):
        # One array parameter joined to the index: planned once, not value by value
        # (a year's days are 366 keys), and one statement however many keys.
        rows = connection.execute(_CHILDREN_UNDER_KEY_ARRAY, {"keys": wanted})
        return {row.id: ChildRow(*row) for row in rows}
    found: dict[int, ChildRow] = {}
    for part in bulk.parts(session, wanted):
        for row in connection.execute(_CHILDREN_UNDER_KEYS, {"keys": list(part)}):
            found[row.id] = ChildRow(*row)
    return found


def children(session: Session, child_ids: Iterable[int]) -> dict[int, ChildRow]:
    found: dict[int, ChildRow] = {}
    for part in bulk.parts(session, sorted(set(child_ids))):
        for row in db.read_connection(session).execute(_CHILDREN_BY_ID, {"ids": list(part)}):
            found[row.id] = ChildRow(*row)
    return found


def child_by_cp_id(session: Session, cp_id: str) -> ChildRow | None:
    row = db.read_connection(session).execute(_CHILD_BY_CP_ID, {"cp_id": cp_id}).first()
    return ChildRow(*row) if row is not None else None


def records_of_children(session: Session, child_ids: Iterable[int]) -> dict[int, list[MatchRecord]]:
    """Each child's match records, in source record order."""
    found: dict[int, list[MatchRecord]] = defaultdict(list)
    for part in bulk.parts(session, sorted(set(child_ids))):
        rows = db.read_connection(session).execute(_RECORDS, {"ids": list(part)}).all()
        for row in sorted(rows, key=lambda r: r.source_record_id):
            found[row.child_id].append(_record(row))
    return found


def _record(row: Any) -> MatchRecord:
    """A match record from a row of ``_RECORDS`` (its values by position: this runs for
    every candidate record of every search)."""
    values = list(row[2:])
    for at in _LIST_AT:
        if values[at] is not None:
            values[at] = tuple(values[at].split("|"))
    return MatchRecord(row[0], *values)


# MatchRecord's fields are uid and then _RECORD_COLUMNS, in this order.
assert MATCH_COLUMNS.index("uid") == 0
_LIST_AT = tuple(at for at, column in enumerate(_RECORD_COLUMNS) if column in LIST_COLUMNS)
