"""the child index and its feeds

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:44:54.588165
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cp_id", sa.String(length=14), nullable=False),
        sa.Column("given_names", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=False),
        sa.Column("date_of_death", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "deceased",
                "archived",
                "destroyed",
                name="child_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("incomplete", sa.Boolean(), nullable=False),
        sa.Column("address_line", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("responsible_la_code", sa.String(length=9), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
        sa.UniqueConstraint("cp_id", name=op.f("uq_children_cp_id")),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_children_responsible_la_code"), ["responsible_la_code"], unique=False
        )
        batch_op.create_index("ix_children_status", ["status"], unique=False)

    op.create_table(
        "feed_control_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_control_events")),
    )
    with op.batch_alter_table("feed_control_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_control_events_source"), ["source"], unique=False)

    op.create_table(
        "feed_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "loaded",
                "loaded_with_exceptions",
                name="feed_run_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "finished_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("loaded_by", sa.String(length=100), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("new_children", sa.Integer(), nullable=False),
        sa.Column("linked", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_runs")),
        sa.UniqueConstraint("source", "file_sha256", name=op.f("uq_feed_runs_source_file_sha256")),
    )
    with op.batch_alter_table("feed_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_runs_source"), ["source"], unique=False)

    op.create_table(
        "feed_source_states",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_feed_source_states")),
    )
    op.create_table(
        "feed_run_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_run_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=True),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_run_id"],
            ["feed_runs.id"],
            name=op.f("fk_feed_run_exceptions_feed_run_id_feed_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_run_exceptions")),
    )
    with op.batch_alter_table("feed_run_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feed_run_exceptions_feed_run_id"), ["feed_run_id"], unique=False
        )

    op.create_table(
        "source_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("feed_run_id", sa.Integer(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_source_records_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["feed_run_id"], ["feed_runs.id"], name=op.f("fk_source_records_feed_run_id_feed_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_records")),
        sa.UniqueConstraint("source", "record_id", name=op.f("uq_source_records_source_record_id")),
    )
    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_records_child_id"), ["child_id"], unique=False)

    op.create_table(
        "addresses",
        sa.Column(
            "kind",
            sa.Enum(
                "residential",
                "no_known_address",
                "abroad",
                name="address_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("address_line", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("la_code", sa.String(length=9), nullable=True),
        sa.Column("intends_to_return", sa.Boolean(), nullable=True),
        sa.Column("known_from", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_addresses_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_addresses_source_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addresses_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_addresses_postcode"), ["postcode"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_addresses_source_record_id"), ["source_record_id"], unique=False
        )

    op.create_table(
        "carers",
        sa.Column("given_names", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("relationship", sa.String(length=40), nullable=True),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=True),
        sa.Column("address_line", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_carers_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_carers_source_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carers")),
    )
    with op.batch_alter_table("carers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carers_child_id"), ["child_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_carers_source_record_id"), ["source_record_id"], unique=False
        )

    op.create_table(
        "child_identifiers",
        sa.Column(
            "scheme",
            sa.Enum(
                "nhs_number",
                "upn",
                "gro_birth_entry",
                "child_benefit_ref",
                "la_child_id",
                name="identifier_scheme",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_child_identifiers_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_child_identifiers_source_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_identifiers")),
    )
    with op.batch_alter_table("child_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_identifiers_child_id"), ["child_id"], unique=False
        )
        batch_op.create_index(
            "ix_child_identifiers_scheme_value", ["scheme", "value"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_child_identifiers_source_record_id"), ["source_record_id"], unique=False
        )

    op.create_table(
        "child_names",
        sa.Column("given_names", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_child_names_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_child_names_source_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_names")),
    )
    with op.batch_alter_table("child_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_names_child_id"), ["child_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_child_names_source_record_id"), ["source_record_id"], unique=False
        )

    op.create_table(
        "service_registrations",
        sa.Column(
            "kind",
            sa.Enum(
                "school",
                "gp",
                name="registration_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("organisation_code", sa.String(length=12), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("la_code", sa.String(length=9), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_service_registrations_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_records.id"],
            name=op.f("fk_service_registrations_source_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_registrations")),
    )
    with op.batch_alter_table("service_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_registrations_child_id"), ["child_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_registrations_source_record_id"),
            ["source_record_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("service_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_registrations_source_record_id"))
        batch_op.drop_index(batch_op.f("ix_service_registrations_child_id"))

    op.drop_table("service_registrations")
    with op.batch_alter_table("child_names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_names_source_record_id"))
        batch_op.drop_index(batch_op.f("ix_child_names_child_id"))

    op.drop_table("child_names")
    with op.batch_alter_table("child_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_identifiers_source_record_id"))
        batch_op.drop_index("ix_child_identifiers_scheme_value")
        batch_op.drop_index(batch_op.f("ix_child_identifiers_child_id"))

    op.drop_table("child_identifiers")
    with op.batch_alter_table("carers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carers_source_record_id"))
        batch_op.drop_index(batch_op.f("ix_carers_child_id"))

    op.drop_table("carers")
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addresses_source_record_id"))
        batch_op.drop_index(batch_op.f("ix_addresses_postcode"))
        batch_op.drop_index(batch_op.f("ix_addresses_child_id"))

    op.drop_table("addresses")
    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_records_child_id"))

    op.drop_table("source_records")
    with op.batch_alter_table("feed_run_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_run_exceptions_feed_run_id"))

    op.drop_table("feed_run_exceptions")
    op.drop_table("feed_source_states")
    with op.batch_alter_table("feed_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_runs_source"))

    op.drop_table("feed_runs")
    with op.batch_alter_table("feed_control_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_control_events_source"))

    op.drop_table("feed_control_events")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index("ix_children_status")
        batch_op.drop_index(batch_op.f("ix_children_responsible_la_code"))

    op.drop_table("children")
