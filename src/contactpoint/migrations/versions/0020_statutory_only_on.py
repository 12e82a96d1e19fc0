"""the day a retention run found a record a year in the archive

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:00:00.000000

Before, whether a record had been more than a year in the archive was decided at each
look by the real clock; now the retention run for a day decides it, and the record holds
the day. Records already a year in the archive when this migration runs are given that
day (the last time the clock decided).
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def upgrade() -> None:
    with op.batch_alter_table("children") as batch:
        batch.add_column(sa.Column("statutory_only_on", sa.Date(), nullable=True))
    bind = op.get_bind()
    children = sa.table(
        "children",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("archived_on", sa.Date),
        sa.column("statutory_only_on", sa.Date),
    )
    archived = bind.execute(
        sa.select(children.c.id, children.c.archived_on).where(
            children.c.status == "archived", children.c.archived_on.is_not(None)
        )
    ).all()
    today = date.today()
    for child_id, archived_on in archived:
        on = _a_year_after(archived_on)
        if on <= today:
            bind.execute(
                sa.update(children).where(children.c.id == child_id).values(statutory_only_on=on)
            )


def downgrade() -> None:
    with op.batch_alter_table("children") as batch:
        batch.drop_column("statutory_only_on")
