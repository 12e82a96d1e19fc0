"""feed warnings: a row with one invalid value loads without it, and the run says so

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed_runs") as batch:
        batch.add_column(
            sa.Column("rows_with_warnings", sa.Integer(), server_default="0", nullable=False)
        )
    # Every exception recorded before this revision refused its row.
    with op.batch_alter_table("feed_run_exceptions") as batch:
        batch.add_column(
            sa.Column("refused", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("feed_run_exceptions") as batch:
        batch.drop_column("refused")
    with op.batch_alter_table("feed_runs") as batch:
        batch.drop_column("rows_with_warnings")
