"""Fast multi-row writes for national-scale loads; the database differences live here.

PostgreSQL takes rows through ``COPY`` (an order of magnitude faster than multi-row
``INSERT`` for hundreds of thousands of rows); SQLite through ``executemany``. Primary
keys are allocated before writing — from the table's sequence on PostgreSQL, after the
current maximum on SQLite, where the loading transaction already holds the only write
lock — so callers know every new row's id without ``RETURNING``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.orm import Session


def allocate_ids(session: Session, model: type[Any], count: int) -> list[int]:
    """``count`` primary keys for new rows of ``model``'s table, in ascending order."""
    table = cast(Table, model.__table__)
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id'))"
                " FROM generate_series(1, :count)"
            ),
            {"table": table.name, "count": count},
        )
        return sorted(row[0] for row in rows)
    highest = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
    return list(range(highest + 1, highest + 1 + count))


def insert_rows(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table."""
    table = cast(Table, model.__table__)
    if not rows:
        return
    session.flush()
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    quoted = ", ".join(f'"{name}"' for name in columns)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name], name in json_columns) for name in columns])


def _copy_value(value: Any, is_json: bool) -> Any:
    if value is None:
        return None
    if is_json:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | str | int | bool | float):
        return value
    return str(value)


def refresh_statistics(session: Session, models: Sequence[type[Any]]) -> None:
    """Let the query planner see tables that a load has just grown.

    Without fresh statistics PostgreSQL plans candidate lookups on a freshly loaded
    ``match_keys`` as whole-table scans (measured: the lookups of a 100,000-row file
    took most of its load time); ``ANALYZE`` inside the load's own transaction counts
    the rows it has added.
    """
    session.flush()
    for model in models:
        table = cast(Table, model.__table__)
        session.execute(text(f'ANALYZE "{table.name}"'))
