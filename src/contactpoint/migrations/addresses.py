"""Working the matcher's address columns out again, a batch at a time, from the address
each source record gave: for migrations that change how an address is keyed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

BATCH = 5_000

match_records = sa.table(
    "match_records", sa.column("source_record_id"), sa.column("address"), sa.column("locality")
)
source_records = sa.table("source_records", sa.column("id"), sa.column("facts", sa.JSON))


def rewrite(columns: Callable[[str | None], dict[str, str | None]]) -> None:
    """Set ``columns(address line)`` on every indexed record."""
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.select(source_records.c.id, source_records.c.facts)
            .join(match_records, match_records.c.source_record_id == source_records.c.id)
            .where(source_records.c.id > after)
            .order_by(source_records.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        values = [columns(_line(facts)) for _record, facts in rows]
        bind.execute(
            sa.update(match_records)
            .where(match_records.c.source_record_id == sa.bindparam("record"))
            .values({name: sa.bindparam(f"new_{name}") for name in values[0]}),
            [
                {"record": record, **{f"new_{name}": v for name, v in written.items()}}
                for (record, _facts), written in zip(rows, values, strict=True)
            ],
        )
        after = rows[-1][0]


def numbered() -> str:
    """SQL: a house number, a digit somewhere in the address's first line."""
    if op.get_bind().dialect.name == "postgresql":
        return "address ~ '[0-9]'"
    return "address GLOB '*[0-9]*'"


def _line(facts: dict[str, Any] | None) -> str | None:
    address = (facts or {}).get("address") or {}
    return address.get("address_line")
