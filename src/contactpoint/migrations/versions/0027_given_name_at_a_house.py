"""a key for the given name's sound and the family name's first at a numbered house
(``gh``: the family name mistyped and the date of birth with it, "Annabelle Conzens" for
Couzens born a year out): file it for the records already indexed

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 03:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

from contactpoint.migrations.addresses import numbered

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        " SELECT substr('gh:' || given_phonetic || ':' || substr(family_phonetic, 1, 1)"
        " || ':' || address, 1, 80), source_record_id, child_id FROM match_records"
        f" WHERE given_phonetic IS NOT NULL AND family_phonetic IS NOT NULL AND {numbered()}"
    )


def downgrade() -> None:
    op.execute("DELETE FROM match_keys WHERE key LIKE 'gh:%'")
