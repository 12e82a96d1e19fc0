"""audit entries name the children they concern; their personal part is kept apart

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:30:00.000000

``audit_children``: each child an entry concerns besides its ``child_id`` (the children
a search listed), for subject access; filled here from the ContactPoint IDs earlier
search entries hold in their details. ``audit_personal``: an entry's personal part (a
search's criteria), apart from the chain so a purge can erase it. Entries written before
this migration keep their criteria in the chained entry: changing them would break the
chain (docs/lifecycle.md says so).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_children",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["audit_log.id"], name=op.f("fk_audit_children_entry_id_audit_log")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_audit_children_child_id_children")
        ),
        sa.PrimaryKeyConstraint("entry_id", "child_id", name=op.f("pk_audit_children")),
    )
    op.create_index(
        op.f("ix_audit_children_child_id"), "audit_children", ["child_id"], unique=False
    )
    op.create_table(
        "audit_personal",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["audit_log.id"], name=op.f("fk_audit_personal_entry_id_audit_log")
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_audit_personal")),
    )
    bind = op.get_bind()
    log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("action", sa.String),
                   sa.column("details", sa.JSON))  # fmt: skip
    children = sa.table("children", sa.column("id", sa.Integer), sa.column("cp_id", sa.String))
    listed = sa.table("audit_children", sa.column("entry_id", sa.Integer),
                      sa.column("child_id", sa.Integer))  # fmt: skip
    last = 0
    while True:
        rows = bind.execute(
            sa.select(log.c.id, log.c.details)
            .where(log.c.action == "search", log.c.id > last)
            .order_by(log.c.id)
            .limit(5000)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        wanted = {cp for _, details in rows for cp in (details or {}).get("cp_ids", [])}
        ids = dict(
            bind.execute(
                sa.select(children.c.cp_id, children.c.id).where(children.c.cp_id.in_(wanted))
            ).all()
        ) if wanted else {}  # fmt: skip
        pairs = {
            (entry_id, ids[cp])
            for entry_id, details in rows
            for cp in (details or {}).get("cp_ids", [])
            if cp in ids
        }
        if pairs:
            bind.execute(
                sa.insert(listed), [{"entry_id": e, "child_id": c} for e, c in sorted(pairs)]
            )


def downgrade() -> None:
    op.drop_table("audit_personal")
    op.drop_index(op.f("ix_audit_children_child_id"), table_name="audit_children")
    op.drop_table("audit_children")
