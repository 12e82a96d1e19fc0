"""the matcher compares a house only when an address's first line has a house number
(``standardise.house_key``: "Sheffield", "no fixed abode" and a street without a number
are shared by strangers), and the place an address names last where a postcode is
missing (``match_records.locality``, ``standardise.locality_key``); and a house key
(``fh``) that holds the given name's first sound, not the whole of it: add the column,
work out both for the records already indexed from the address each source record gave,
file the house keys again, and stand down the active model (its comparisons are the last
version's; the shipped model is installed in its place the next time one is asked for,
as in 0003 — a model trained here since must be trained again)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 03:30:00.000000
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from contactpoint.matching.standardise import address_key, house_key, locality_key

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5_000

match_records = sa.table(
    "match_records", sa.column("source_record_id"), sa.column("address"), sa.column("locality")
)
source_records = sa.table("source_records", sa.column("id"), sa.column("facts", sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table("match_records") as batch_op:
        batch_op.add_column(sa.Column("locality", sa.String(length=100), nullable=True))
    _rewrite(
        lambda line: {"address": house_key(line) or None, "locality": locality_key(line) or None}
    )
    _house_keys(
        "family_phonetic || ':' || substr(given_phonetic, 1, 1) || ':' || address",
        "family_phonetic IS NOT NULL AND given_phonetic IS NOT NULL",
    )
    op.execute(sa.text("UPDATE match_models SET active = false"))


def downgrade() -> None:
    _rewrite(lambda line: {"address": address_key(line) or None})
    _house_keys(
        "family_phonetic || ':' || given_phonetic || ':' || address",
        "family_phonetic IS NOT NULL AND given_phonetic IS NOT NULL",
    )
    with op.batch_alter_table("match_records") as batch_op:
        batch_op.drop_column("locality")
    op.execute(sa.text("UPDATE match_models SET active = false"))


def _rewrite(columns: Callable[[str | None], dict[str, str | None]]) -> None:
    """Set ``columns(address line)`` on every indexed record, a batch at a time."""
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.select(source_records.c.id, source_records.c.facts)
            .join(match_records, match_records.c.source_record_id == source_records.c.id)
            .where(source_records.c.id > after)
            .order_by(source_records.c.id)
            .limit(_BATCH)
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


def _house_keys(key: str, known: str) -> None:
    """File every numbered house's key again as ``fh:`` + ``key``."""
    numbered = (
        "address ~ '[0-9]'"
        if op.get_bind().dialect.name == "postgresql"
        else ("address GLOB '*[0-9]*'")
    )
    op.execute("DELETE FROM match_keys WHERE key LIKE 'fh:%'")
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        f" SELECT substr('fh:' || {key}, 1, 80), source_record_id, child_id"
        f" FROM match_records WHERE {known} AND {numbered}"
    )


def _line(facts: dict[str, Any] | None) -> str | None:
    address = (facts or {}).get("address") or {}
    return address.get("address_line")
