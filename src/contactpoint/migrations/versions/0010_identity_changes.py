"""identity changes: a record closed for a new identity (adoption, protection), the status
'closed', and the link to the new record that only the national team can trace

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 18:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'active', 'deceased', 'archived', 'destroyed', 'merged'"
CLOSED_STATUSES = STATUSES + ", 'closed'"
CHILD_STATUS_CHECK = "status IN ({})"


def upgrade() -> None:
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_children_child_status"), type_="check")
        batch_op.create_check_constraint("child_status", CHILD_STATUS_CHECK.format(CLOSED_STATUSES))
    op.create_table(
        "identity_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_child_id", sa.Integer(), nullable=False),
        sa.Column("new_child_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["new_child_id"],
            ["children.id"],
            name=op.f("fk_identity_changes_new_child_id_children"),
        ),
        sa.ForeignKeyConstraint(
            ["old_child_id"],
            ["children.id"],
            name=op.f("fk_identity_changes_old_child_id_children"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_changes")),
        sa.UniqueConstraint("old_child_id", name=op.f("uq_identity_changes_old_child_id")),
    )


def downgrade() -> None:
    op.drop_table("identity_changes")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_children_child_status"), type_="check")
        batch_op.create_check_constraint("child_status", CHILD_STATUS_CHECK.format(STATUSES))
