"""parents and carers in matching; children joined by a feed run

Feed runs count the pairs of indexed children a row showed to be one (and merged).
Match records gain the names of the parents and carers named with the child, for the
matcher's parents rule (docs/matching.md). Records filed before have none, and the rule
simply does not apply to them. Models of the earlier format are deactivated: the next
match installs the model shipped with this version, and `contactpoint match train`
trains one on the index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("match_records") as batch_op:
        batch_op.add_column(sa.Column("carer_names", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("carer_given", sa.Text(), nullable=True))
    with op.batch_alter_table("feed_runs") as batch_op:
        batch_op.add_column(
            sa.Column("children_joined", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(sa.text("UPDATE match_models SET active = false"))


def downgrade() -> None:
    with op.batch_alter_table("feed_runs") as batch_op:
        batch_op.drop_column("children_joined")
    with op.batch_alter_table("match_records") as batch_op:
        batch_op.drop_column("carer_given")
        batch_op.drop_column("carer_names")
    op.execute(sa.text("UPDATE match_models SET active = false"))
