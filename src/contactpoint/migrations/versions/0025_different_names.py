"""names the nicknames package relates from older usage but that are different given
names of children now (Amelia and Emily, ``standardise.DIFFERENT_NAMES``) are no longer
one name's relations: recompute the relations of the records bearing one

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 00:45:00.000000
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from nicknames import NickNamer

from contactpoint.matching.record import given_relations
from contactpoint.matching.standardise import DIFFERENT_NAMES

revision: str = "0025"
down_revision: str | None = "0024"
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
    _revary(lambda first, tokens: set(given_relations(first, tokens) or ()))


def downgrade() -> None:
    package = NickNamer()
    _revary(
        lambda first, tokens: {
            *(given_relations(first, tokens) or ()),
            *package.nicknames_of(first),
            *package.canonicals_of(first),
        }
    )


def _revary(variants: Callable[[str, tuple[str, ...]], set[str]]) -> None:
    """Recompute the relations of every record whose first given name is one of a pair
    of different names (lists are stored joined by ``|``, as ``linkage.store`` writes
    them)."""
    bind = op.get_bind()
    names = sorted({name for pair in DIFFERENT_NAMES for name in pair})
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
                match_records.c.given_first.in_(names),
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
                    "variants": "|".join(sorted(variants(first, tuple(tokens.split("|"))))),
                }
                for record, first, tokens in rows
            ],
        )
        after = rows[-1][0]
