"""retention: each child's archive age, archive and destruction days, and the runs of
the retention job

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:16:23.922106
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived", sa.Integer(), nullable=False),
        sa.Column("purged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
        sa.UniqueConstraint("run_on", name=op.f("uq_retention_runs_run_on")),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archive_age", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("archived_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("destroyed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_column("destroyed_on")
        batch_op.drop_column("archived_on")
        batch_op.drop_column("archive_age")

    op.drop_table("retention_runs")
