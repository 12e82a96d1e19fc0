"""A relink's candidates found set-based: every record of the index blocked and scored at
once by Splink, on DuckDB (this machine) or Spark (a cluster), instead of each chunk
looking its records' keys up in the index.

The blocking rules are the online matcher's keys written in SQL (``keys.BULK_BLOCKING``),
so both find the very same pairs; the weights are the run's model with the index's live
term frequencies (the online scorer's); pairs weighing less than a margin below the
review threshold are dropped in SQL — such a record could never be linked to, or asked
about, the other — so only likely pairs reach Python. The decisions stay ``decide``'s,
record by record: both paths reach the same children
(``tests/service/test_relink_engines.py``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from contactpoint.linkage import store
from contactpoint.matching.decide import Thresholds
from contactpoint.matching.engines import ENGINES, bulk_scores
from contactpoint.matching.keys import BULK_BLOCKING
from contactpoint.matching.model import MatchModel

ONLINE = "online"  # candidates through the index's keys, a chunk at a time
RELINK_ENGINES = (ONLINE, *ENGINES)


def floor(thresholds: Thresholds) -> float:
    """The least weight a pair needs to be a candidate at all."""
    return thresholds.review - thresholds.margin


def partners(
    session: Session,
    model: MatchModel,
    thresholds: Thresholds,
    *,
    engine: str,
    spark: Any = None,
) -> dict[int, set[int]]:
    """Each record of the index and the records it pairs with, set-based on ``engine``
    with ``model`` (``relink.model_for``: its term frequencies the index's own)."""
    document = {
        **model.document,
        "term_frequencies": {
            column: dict(table) for column, table in model.term_frequencies.items()
        },
    }
    scored = bulk_scores(
        document,
        store.all_records(session),
        engine=engine,
        spark=spark,
        blocking=BULK_BLOCKING,
        floor=floor(thresholds),
    )
    found: dict[int, set[int]] = defaultdict(set)
    for left, right, _weight in scored:
        found[left].add(right)
        found[right].add(left)
    return found
