"""names the nicknames package relates from older usage but that are different given
names of children now (Amelia and Emily, ``standardise.DIFFERENT_NAMES``) are no longer
one name's relations: recompute the relations of the records bearing one

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from nicknames import NickNamer

from contactpoint.matching.record import given_relations
from contactpoint.matching.standardise import DIFFERENT_NAMES
from contactpoint.migrations.given_relations import match_records, recompute

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _bearing_one() -> sa.ColumnElement[bool]:
    """Records whose first given name is one of a pair of different names."""
    names = sorted({name for pair in DIFFERENT_NAMES for name in pair})
    return match_records.c.given_first.in_(names)


def upgrade() -> None:
    recompute(_bearing_one(), lambda first, tokens: set(given_relations(first, tokens) or ()))


def downgrade() -> None:
    package = NickNamer()
    recompute(
        _bearing_one(),
        lambda first, tokens: {
            *(given_relations(first, tokens) or ()),
            *package.nicknames_of(first),
            *package.canonicals_of(first),
        },
    )
