"""a record's given-name relations include its first two given names run together ("Abdul
Rahman" → ``abdulrahman``), so the name written with a space inside it meets the name
written without: recompute them for the records already indexed

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from contactpoint.matching.standardise import name_variants
from contactpoint.migrations.given_relations import match_records, recompute

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _several_given_names() -> sa.ColumnElement[bool]:
    return sa.and_(
        match_records.c.given_first.is_not(None), match_records.c.given_tokens.like("%|%")
    )


def upgrade() -> None:
    recompute(
        _several_given_names(),
        lambda first, tokens: {*name_variants(first), tokens[0] + tokens[1]},
    )


def downgrade() -> None:
    recompute(_several_given_names(), lambda first, _tokens: set(name_variants(first)))
