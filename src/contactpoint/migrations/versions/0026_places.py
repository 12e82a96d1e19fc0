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

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from contactpoint.matching.standardise import address_key, house_key, locality_key
from contactpoint.migrations.addresses import numbered, rewrite

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("match_records") as batch_op:
        batch_op.add_column(sa.Column("locality", sa.String(length=100), nullable=True))
    rewrite(
        lambda line: {"address": house_key(line) or None, "locality": locality_key(line) or None}
    )
    _house_keys(
        "family_phonetic || ':' || substr(given_phonetic, 1, 1) || ':' || address",
        "family_phonetic IS NOT NULL AND given_phonetic IS NOT NULL",
    )
    op.execute(sa.text("UPDATE match_models SET active = false"))


def downgrade() -> None:
    rewrite(lambda line: {"address": address_key(line) or None})
    _house_keys(
        "family_phonetic || ':' || given_phonetic || ':' || address",
        "family_phonetic IS NOT NULL AND given_phonetic IS NOT NULL",
    )
    with op.batch_alter_table("match_records") as batch_op:
        batch_op.drop_column("locality")
    op.execute(sa.text("UPDATE match_models SET active = false"))


def _house_keys(key: str, known: str) -> None:
    """File every numbered house's key again as ``fh:`` + ``key``."""
    op.execute("DELETE FROM match_keys WHERE key LIKE 'fh:%'")
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        f" SELECT substr('fh:' || {key}, 1, 80), source_record_id, child_id"
        f" FROM match_records WHERE {known} AND {numbered()}"
    )
