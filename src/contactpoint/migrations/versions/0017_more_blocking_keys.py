"""two more blocking keys, filed for the records already indexed: both names' sounds of
a record with a birth year (``fn``), so a record with no date of birth finds its child;
both names' sounds at one numbered house (``fh``), so a date of birth mistyped years out
still meets its child (``matching.keys``)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 04:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAMES = "family_phonetic IS NOT NULL AND given_phonetic IS NOT NULL"


def upgrade() -> None:
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        " SELECT 'fn:' || family_phonetic || ':' || given_phonetic, source_record_id, child_id"
        f" FROM match_records WHERE birth_year IS NOT NULL AND {_NAMES}"
    )
    # A house number: a digit somewhere in the address's first line.
    digit = (
        "address ~ '[0-9]'"
        if op.get_bind().dialect.name == "postgresql"
        else "address GLOB '*[0-9]*'"
    )
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        " SELECT substr('fh:' || family_phonetic || ':' || given_phonetic || ':' || address,"
        " 1, 80), source_record_id, child_id"
        f" FROM match_records WHERE {_NAMES} AND {digit}"
    )


def downgrade() -> None:
    op.execute("DELETE FROM match_keys WHERE key LIKE 'fn:%' OR key LIKE 'fh:%'")
