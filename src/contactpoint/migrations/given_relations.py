"""Recomputing the given-name relations (``match_records.given_variants``) of records
already indexed, a batch at a time: for migrations that change what a name is related to."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

BATCH = 5_000

match_records = sa.table(
    "match_records",
    sa.column("source_record_id"),
    sa.column("given_first"),
    sa.column("given_tokens"),
    sa.column("given_variants"),
)


def recompute(
    where: sa.ColumnElement[bool], relations: Callable[[str, tuple[str, ...]], set[str]]
) -> None:
    """Set the relations of every record matching ``where`` to ``relations(first given
    name, given-name words)`` (lists are stored joined by ``|``, as ``linkage.store``
    writes them)."""
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.select(
                match_records.c.source_record_id,
                match_records.c.given_first,
                match_records.c.given_tokens,
            )
            .where(match_records.c.source_record_id > after, where)
            .order_by(match_records.c.source_record_id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            sa.update(match_records)
            .where(match_records.c.source_record_id == sa.bindparam("record"))
            .values(given_variants=sa.bindparam("variants")),
            [
                {
                    "record": record,
                    "variants": "|".join(sorted(relations(first, tuple(tokens.split("|"))))),
                }
                for record, first, tokens in rows
            ],
        )
        after = rows[-1][0]
