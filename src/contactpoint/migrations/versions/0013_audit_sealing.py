"""audit entries sealed into the chain after their commit

An entry is now written in its action's transaction without a place in the chain, taking
no lock, and sealed just after: ``position`` (its place in the chain), ``previous_hash``
and ``hash`` are set then, once. The triggers allow exactly that UPDATE and no other.
Existing entries keep their hashes; their position is their id, the order they were
chained in. The chain head counts positions. A downgrade is possible only while every
entry's place is still its id (on a live PostgreSQL trail it soon is not).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEALS = (
    "OLD.position IS NULL AND NEW.position > 0"
    " AND NEW.previous_hash IS NOT NULL AND NEW.hash IS NOT NULL"
)
_UNCHANGED = ("id", "at", "user_id", "actor", "action", "outcome", "child_id", "reason")
PG_SEALING_ONLY = " AND ".join(
    [
        _SEALS,
        *(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _UNCHANGED),
        "NEW.details::text IS NOT DISTINCT FROM OLD.details::text",  # json has no "="
    ]
)
PG_GUARD = f"""
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF {PG_SEALING_ONLY} THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END;
$$
"""
PG_GUARD_BEFORE = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END;
$$
"""
SQLITE_SEALING_ONLY = " AND ".join(
    [_SEALS, *(f"NEW.{c} IS OLD.{c}" for c in (*_UNCHANGED, "details"))]
)
REFUSE = "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"


def _sqlite_triggers(update_when: str | None) -> None:
    when = f" WHEN NOT ({update_when})" if update_when else ""
    op.execute(
        sa.text(f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log{when} {REFUSE}")
    )
    op.execute(sa.text(f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log {REFUSE}"))


def _drop_sqlite_triggers() -> None:
    op.execute(sa.text("DROP TRIGGER audit_log_no_update"))
    op.execute(sa.text("DROP TRIGGER audit_log_no_delete"))


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        _drop_sqlite_triggers()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_position"), ["position"])
    op.execute(sa.text("UPDATE audit_log SET position = id"))
    op.create_index(
        "ix_audit_log_unsealed",
        "audit_log",
        ["id"],
        unique=False,
        postgresql_where=sa.text("position IS NULL"),
        sqlite_where=sa.text("position IS NULL"),
    )
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.alter_column("last_id", new_column_name="last_position")
    if postgresql:
        # Ids now come from the table's sequence, never used while the head gave them.
        op.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('audit_log', 'id'),"
                " COALESCE((SELECT max(id) FROM audit_log), 0) + 1, false)"
            )
        )
        op.execute(sa.text(PG_GUARD))
        op.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    else:
        _sqlite_triggers(SQLITE_SEALING_ONLY)


def downgrade() -> None:
    bind = op.get_bind()
    out_of_order = bind.execute(
        sa.text("SELECT count(*) FROM audit_log WHERE position IS NULL OR position != id")
    ).scalar_one()
    if out_of_order:
        raise RuntimeError(
            "cannot downgrade: the chain's places are no longer the entries' ids (entries"
            " wait unsealed, or ids were skipped by rolled-back transactions or committed"
            " out of order), and the old format chains by id"
        )
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        op.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        _drop_sqlite_triggers()
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.alter_column("last_position", new_column_name="last_id")
    op.drop_index("ix_audit_log_unsealed", table_name="audit_log")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_position"), type_="unique")
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("position")
    if postgresql:
        op.execute(sa.text(PG_GUARD_BEFORE))
        op.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    else:
        _sqlite_triggers(None)
