"""decommission: the one row recording the switch-off, its approvals, progress and
certificate

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 17:20:05.396565
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decommission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "requested",
                "approved",
                "destroying",
                "done",
                name="decommission_stage",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("approved_by", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed", sa.JSON(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("certificate", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decommission")),
    )


def downgrade() -> None:
    op.drop_table("decommission")
