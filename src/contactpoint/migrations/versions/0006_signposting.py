"""signposting: involvements, vulnerability flags, signals, contact events, brokered
contact requests, and each organisation's cap on key professionals

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 17:03:49.830719
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vulnerability_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "child_protection_plan",
                "looked_after",
                "pre_birth_plan",
                name="flag_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("la_code", sa.String(length=9), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "practitioner",
                "feed",
                name="flag_origin",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("feed_key", sa.String(length=140), nullable=True),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("mother_given_names", sa.String(length=200), nullable=True),
        sa.Column("mother_family_name", sa.String(length=200), nullable=True),
        sa.Column("mother_postcode", sa.String(length=10), nullable=True),
        sa.Column("expected_on", sa.Date(), nullable=True),
        sa.Column("carried_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_vulnerability_flags_child_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vulnerability_flags")),
        sa.UniqueConstraint("feed_key", name=op.f("uq_vulnerability_flags_feed_key")),
    )
    with op.batch_alter_table("vulnerability_flags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vulnerability_flags_child_id"), ["child_id"], unique=False
        )

    op.create_table(
        "contact_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_contact_events_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_contact_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_events")),
    )
    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_events_child_id"), ["child_id"], unique=False)

    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("la_code", sa.String(length=9), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("passed_on_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("passed_on_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_contact_requests_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_contact_requests_requester_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
    )
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_requests_child_id"), ["child_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contact_requests_la_code"), ["la_code"], unique=False)

    op.create_table(
        "involvements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "origin",
            sa.Enum(
                "practitioner",
                "feed",
                name="involvement_origin",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("feed_key", sa.String(length=140), nullable=True),
        sa.Column("service_type", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("la_code", sa.String(length=9), nullable=True),
        sa.Column("practitioner_name", sa.String(length=200), nullable=False),
        sa.Column("practitioner_role", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("lead_professional", sa.Boolean(), nullable=False),
        sa.Column("early_help_assessment", sa.Boolean(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("consent_evidence", sa.Text(), nullable=True),
        sa.Column("active_until", sa.Date(), nullable=False),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.Column("visible_until", sa.Date(), nullable=True),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_involvements_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_involvements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_involvements")),
        sa.UniqueConstraint("feed_key", name=op.f("uq_involvements_feed_key")),
    )
    with op.batch_alter_table("involvements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_involvements_child_id_ended_on", ["child_id", "ended_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_involvements_user_id"), ["user_id"], unique=False)

    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "child",
                "family",
                name="signal_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("coordinated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("coordinated_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_signals_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["involvements.id"],
            name=op.f("fk_signals_coordinator_id_involvements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signals_child_id"), ["child_id"], unique=False)

    op.create_table(
        "signal_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("involvement_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["involvement_id"],
            ["involvements.id"],
            name=op.f("fk_signal_members_involvement_id_involvements"),
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_signal_members_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_members")),
        sa.UniqueConstraint(
            "signal_id", "involvement_id", name=op.f("uq_signal_members_signal_id_involvement_id")
        ),
    )
    with op.batch_alter_table("signal_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signal_members_involvement_id"), ["involvement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signal_members_signal_id"), ["signal_id"], unique=False
        )

    op.create_table(
        "signalled_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["high_id"], ["involvements.id"], name=op.f("fk_signalled_pairs_high_id_involvements")
        ),
        sa.ForeignKeyConstraint(
            ["low_id"], ["involvements.id"], name=op.f("fk_signalled_pairs_low_id_involvements")
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_signalled_pairs_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signalled_pairs")),
        sa.UniqueConstraint("low_id", "high_id", name=op.f("uq_signalled_pairs_low_id_high_id")),
    )
    with op.batch_alter_table("signalled_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signalled_pairs_high_id"), ["high_id"], unique=False)

    with op.batch_alter_table("carers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_carers_family_name_postcode", ["family_name", "postcode"], unique=False
        )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_professional_cap", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("carers", schema=None) as batch_op:
        batch_op.drop_index("ix_carers_family_name_postcode")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("key_professional_cap")

    with op.batch_alter_table("signalled_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signalled_pairs_high_id"))

    op.drop_table("signalled_pairs")
    with op.batch_alter_table("signal_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_members_signal_id"))
        batch_op.drop_index(batch_op.f("ix_signal_members_involvement_id"))

    op.drop_table("signal_members")
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signals_child_id"))

    op.drop_table("signals")
    with op.batch_alter_table("involvements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_involvements_user_id"))
        batch_op.drop_index("ix_involvements_child_id_ended_on")

    op.drop_table("involvements")
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_requests_la_code"))
        batch_op.drop_index(batch_op.f("ix_contact_requests_child_id"))

    op.drop_table("contact_requests")
    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_events_child_id"))

    op.drop_table("contact_events")
    with op.batch_alter_table("vulnerability_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vulnerability_flags_child_id"))

    op.drop_table("vulnerability_flags")
