"""matching, review and merges

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:32:58.441761
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


STATUSES = "'active', 'deceased', 'archived', 'destroyed'"
MERGED_STATUSES = STATUSES + ", 'merged'"
CHILD_STATUS_CHECK = "status IN ({})"


def upgrade() -> None:
    op.create_table(
        "match_models",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("training_records", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_match_models")),
    )
    op.create_table(
        "kept_apart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_a_id", sa.Integer(), nullable=False),
        sa.Column("child_b_id", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_a_id"], ["children.id"], name=op.f("fk_kept_apart_child_a_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["child_b_id"], ["children.id"], name=op.f("fk_kept_apart_child_b_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_apart")),
        sa.UniqueConstraint(
            "child_a_id", "child_b_id", name=op.f("uq_kept_apart_child_a_id_child_b_id")
        ),
    )
    with op.batch_alter_table("kept_apart", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kept_apart_child_b_id"), ["child_b_id"], unique=False)

    op.create_table(
        "merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("merged_status", sa.String(length=24), nullable=False),
        sa.Column("source_record_ids", sa.JSON(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("undone_by", sa.String(length=100), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["children.id"], name=op.f("fk_merges_merged_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["children.id"], name=op.f("fk_merges_survivor_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merges")),
    )
    with op.batch_alter_table("merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merges_merged_id"), ["merged_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_merges_survivor_id"), ["survivor_id"], unique=False)

    op.create_table(
        "link_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.Column("from_child_id", sa.Integer(), nullable=True),
        sa.Column("to_child_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["from_child_id"], ["children.id"], name=op.f("fk_link_events_from_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_link_events_source_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_child_id"], ["children.id"], name=op.f("fk_link_events_to_child_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_events")),
    )
    with op.batch_alter_table("link_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_events_source_record_id"), ["source_record_id"], unique=False
        )

    op.create_table(
        "match_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_match_keys_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_match_keys_source_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_keys")),
    )
    with op.batch_alter_table("match_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_keys_child_id"), ["child_id"], unique=False)
        batch_op.create_index("ix_match_keys_key_child", ["key", "child_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_keys_source_record_id"), ["source_record_id"], unique=False
        )

    op.create_table(
        "match_records",
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("given_first", sa.String(length=100), nullable=True),
        sa.Column("given_tokens", sa.String(length=200), nullable=True),
        sa.Column("given_variants", sa.Text(), nullable=True),
        sa.Column("given_phonetic", sa.String(length=40), nullable=True),
        sa.Column("family", sa.String(length=200), nullable=True),
        sa.Column("family_tokens", sa.String(length=200), nullable=True),
        sa.Column("family_phonetic", sa.String(length=40), nullable=True),
        sa.Column("dob", sa.String(length=10), nullable=True),
        sa.Column("dob_swapped", sa.String(length=10), nullable=True),
        sa.Column("dob_days", sa.Integer(), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("postcode_sector", sa.String(length=6), nullable=True),
        sa.Column("postcode_district", sa.String(length=4), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("upn", sa.String(length=13), nullable=True),
        sa.Column("benefit_line", sa.String(length=20), nullable=True),
        sa.Column("registered_birth", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_match_records_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_match_records_source_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_record_id", name=op.f("pk_match_records")),
    )
    with op.batch_alter_table("match_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_records_child_id"), ["child_id"], unique=False)

    op.create_table(
        "review_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "possible_match",
                "possible_duplicate",
                "rule_stopped",
                name="review_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "linked",
                "kept_apart",
                name="review_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("candidate_child_id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_child_id"],
            ["children.id"],
            name=op.f("fk_review_tasks_candidate_child_id_children"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_review_tasks_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_review_tasks_source_record_id_source_records"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_tasks")),
    )
    with op.batch_alter_table("review_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_tasks_candidate_child_id"), ["candidate_child_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_tasks_child_id"), ["child_id"], unique=False)

    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_children_merged_into_id_children"),
            "children",
            ["merged_into_id"],
            ["id"],
        )
        # A child merged into another keeps its row, with the new status 'merged'.
        batch_op.drop_constraint(op.f("ck_children_child_status"), type_="check")
        batch_op.create_check_constraint("child_status", CHILD_STATUS_CHECK.format(MERGED_STATUSES))

    with op.batch_alter_table("feed_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("for_review", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "link_kind",
                sa.Enum(
                    "automatic",
                    "manual",
                    name="link_kind",
                    native_enum=False,
                    create_constraint=True,
                    length=24,
                ),
                server_default="automatic",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("match_weight", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("match_levels", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("model_version", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_runs", schema=None) as batch_op:
        batch_op.drop_column("for_review")

    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.drop_column("model_version")
        batch_op.drop_column("match_levels")
        batch_op.drop_column("match_weight")
        batch_op.drop_column("link_kind")

    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_children_merged_into_id_children"), type_="foreignkey"
        )
        batch_op.drop_column("merged_into_id")
        batch_op.drop_constraint(op.f("ck_children_child_status"), type_="check")
        batch_op.create_check_constraint("child_status", CHILD_STATUS_CHECK.format(STATUSES))

    with op.batch_alter_table("review_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_tasks_child_id"))
        batch_op.drop_index(batch_op.f("ix_review_tasks_candidate_child_id"))

    op.drop_table("review_tasks")
    with op.batch_alter_table("match_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_records_child_id"))

    op.drop_table("match_records")
    with op.batch_alter_table("match_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_keys_source_record_id"))
        batch_op.drop_index("ix_match_keys_key_child")
        batch_op.drop_index(batch_op.f("ix_match_keys_child_id"))

    op.drop_table("match_keys")
    with op.batch_alter_table("link_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_events_source_record_id"))

    op.drop_table("link_events")
    with op.batch_alter_table("merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merges_survivor_id"))
        batch_op.drop_index(batch_op.f("ix_merges_merged_id"))

    op.drop_table("merges")
    with op.batch_alter_table("kept_apart", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kept_apart_child_b_id"))

    op.drop_table("kept_apart")
    op.drop_table("match_models")
