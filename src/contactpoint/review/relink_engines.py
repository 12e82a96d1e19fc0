"""A relink's candidates found set-based: every record of the index blocked and scored at
once by Splink, on DuckDB (this machine) or Spark (a cluster), instead of each chunk
looking its records' keys up in the index.

The blocking rules are the online matcher's keys written in SQL (``keys.BULK_BLOCKING``),
so both find the very same pairs, and every pair is kept: a candidate far below the
review threshold still counts in the rules (the twin of the child the record matches,
born the same day, is a candidate however little the record resembles her), so pruning
by weight would change decisions. The decisions stay ``decide``'s, record by record: both
paths reach the same children (``tests/service/test_relink_engines.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from contactpoint.linkage import store
from contactpoint.matching.engines import ENGINES, scored_pairs
from contactpoint.matching.keys import BULK_BLOCKING
from contactpoint.matching.model import MatchModel

if TYPE_CHECKING:
    import numpy as np

ONLINE = "online"  # candidates through the index's keys, a chunk at a time
RELINK_ENGINES = (ONLINE, *ENGINES)


class Partners(Mapping[int, list[int]]):
    """Each record and the records it was paired with, in order: held as two sorted
    arrays, since a national index pairs tens of millions of records (as Python sets they
    would take several times the memory)."""

    def __init__(self, left: np.ndarray[Any, Any], right: np.ndarray[Any, Any]) -> None:
        import numpy as np

        ends, others = np.concatenate([left, right]), np.concatenate([right, left])
        order = np.lexsort((others, ends))
        self._ends, self._others = ends[order], others[order]
        self._records = np.unique(self._ends)

    def __getitem__(self, uid: int) -> list[int]:
        first = int(self._ends.searchsorted(uid, side="left"))
        last = int(self._ends.searchsorted(uid, side="right"))
        if first == last:
            raise KeyError(uid)
        return [int(other) for other in self._others[first:last]]

    def __iter__(self) -> Iterator[int]:
        return iter(self._records.tolist())

    def __len__(self) -> int:
        return len(self._records)

    @property
    def pairs(self) -> int:
        return len(self._ends) // 2


def partners(session: Session, model: MatchModel, *, engine: str, spark: Any = None) -> Partners:
    """Every record of the index and the records it pairs with, set-based on ``engine``
    with ``model`` (``relink.model_for``: its term frequencies the index's own, so the
    weights are the online scorer's)."""
    document = {
        **model.document,
        "term_frequencies": {
            column: dict(table) for column, table in model.term_frequencies.items()
        },
    }
    scored = scored_pairs(
        document, store.all_records(session), engine=engine, spark=spark, blocking=BULK_BLOCKING
    )
    return Partners(scored["uid_l"], scored["uid_r"])
