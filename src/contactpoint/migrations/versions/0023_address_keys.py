"""the matcher's address key is written without spaces and with street types in full
("57 Bedford S treet" and "57 Bedford St" are both ``57bedfordstreet``): recompute it for
the records already indexed, from the address each source record gave, and refile the
keys that hold it — both names at one house (``fh``) and, new, the date of birth at one
house (``da``)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 23:20:00.000000
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from contactpoint.matching.standardise import STREET_ABBREVIATIONS, address_key, address_words

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5_000
_NAMES = "family_phonetic IS NOT NULL AND given_phonetic IS NOT NULL"

match_records = sa.table("match_records", sa.column("source_record_id"), sa.column("address"))
source_records = sa.table("source_records", sa.column("id"), sa.column("facts", sa.JSON))


def upgrade() -> None:
    _rekey(address_key)
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        " SELECT substr('da:' || dob || ':' || address, 1, 80), source_record_id, child_id"
        f" FROM match_records WHERE dob IS NOT NULL AND {_numbered()}"
    )


def downgrade() -> None:
    _rekey(_former_key)


def _former_key(line: str | None) -> str:
    """The key before this revision: words apart, street types abbreviated."""
    words = (STREET_ABBREVIATIONS.get(word, word) for word in address_words(line))
    return " ".join(words)[:200]


def _rekey(key: Callable[[str | None], str]) -> None:
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
        bind.execute(
            sa.update(match_records)
            .where(match_records.c.source_record_id == sa.bindparam("record"))
            .values(address=sa.bindparam("key")),
            [{"record": record, "key": key(_line(facts)) or None} for record, facts in rows],
        )
        after = rows[-1][0]
    op.execute("DELETE FROM match_keys WHERE key LIKE 'fh:%' OR key LIKE 'da:%'")
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        " SELECT substr('fh:' || family_phonetic || ':' || given_phonetic || ':' || address,"
        " 1, 80), source_record_id, child_id"
        f" FROM match_records WHERE {_NAMES} AND {_numbered()}"
    )


def _numbered() -> str:
    """A house number: a digit somewhere in the address's first line."""
    if op.get_bind().dialect.name == "postgresql":
        return "address ~ '[0-9]'"
    return "address GLOB '*[0-9]*'"


def _line(facts: dict[str, Any] | None) -> str | None:
    address = (facts or {}).get("address") or {}
    return address.get("address_line")
