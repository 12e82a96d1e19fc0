"""notifications of one group are one message (contact alerts per outsider per day)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("group_key", sa.String(length=120), nullable=True))
        batch.create_index("ix_notifications_user_id_group_key", ["user_id", "group_key"])


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_user_id_group_key")
        batch.drop_column("group_key")
