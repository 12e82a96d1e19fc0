"""relink: re-deciding the index with the active model, resumable and undoable

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "relink_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("examined", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Integer(), nullable=False),
        sa.Column("founded", sa.Integer(), nullable=False),
        sa.Column("left", sa.Integer(), nullable=False),
        sa.Column("undone_by", sa.String(length=100), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relink_runs")),
    )
    op.create_table(
        "relink_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=True),
        sa.Column("from_child_id", sa.Integer(), nullable=False),
        sa.Column("to_child_id", sa.Integer(), nullable=False),
        sa.Column("source_record_ids", sa.JSON(), nullable=False),
        sa.Column("founded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["relink_runs.id"], name=op.f("fk_relink_changes_run_id_relink_runs")
        ),
        sa.ForeignKeyConstraint(
            ["merge_id"], ["merges.id"], name=op.f("fk_relink_changes_merge_id_merges")
        ),
        sa.ForeignKeyConstraint(
            ["from_child_id"],
            ["children.id"],
            name=op.f("fk_relink_changes_from_child_id_children"),
        ),
        sa.ForeignKeyConstraint(
            ["to_child_id"], ["children.id"], name=op.f("fk_relink_changes_to_child_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relink_changes")),
    )
    op.create_index(op.f("ix_relink_changes_run_id"), "relink_changes", ["run_id"], unique=False)
    op.create_index(
        op.f("ix_relink_changes_from_child_id"), "relink_changes", ["from_child_id"], unique=False
    )
    op.create_index(
        op.f("ix_relink_changes_to_child_id"), "relink_changes", ["to_child_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("relink_changes")
    op.drop_table("relink_runs")
