"""a record's given-name relations include its first two given names run together ("Abdul
Rahman" → ``abdulrahman``), so the name written with a space inside it meets the name
written without: recompute them for the records already indexed

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:55:00.000000
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from contactpoint.matching.standardise import name_variants

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5_000

match_records = sa.table(
    "match_records",
    sa.column("source_record_id"),
    sa.column("given_first"),
    sa.column("given_tokens"),
    sa.column("given_variants"),
)


def upgrade() -> None:
    _revary(lambda first, tokens: {*name_variants(first), tokens[0] + tokens[1]})


def downgrade() -> None:
    _revary(lambda first, _tokens: set(name_variants(first)))


def _revary(variants: Callable[[str, list[str]], set[str]]) -> None:
    """Recompute the relations of every record with two given names or more (lists are
    stored joined by ``|``, as ``linkage.store`` writes them)."""
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.select(
                match_records.c.source_record_id,
                match_records.c.given_first,
                match_records.c.given_tokens,
            )
            .where(
                match_records.c.source_record_id > after,
                match_records.c.given_first.is_not(None),
                match_records.c.given_tokens.like("%|%"),
            )
            .order_by(match_records.c.source_record_id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            sa.update(match_records)
            .where(match_records.c.source_record_id == sa.bindparam("record"))
            .values(given_variants=sa.bindparam("variants")),
            [
                {
                    "record": record,
                    "variants": "|".join(sorted(variants(first, tokens.split("|")))),
                }
                for record, first, tokens in rows
            ],
        )
        after = rows[-1][0]
