"""How close a clustering of rows is to the truth: pairwise and B-cubed scores, impurity.

Pure: a clustering is a mapping from each row to the label of its cluster, the truth a
mapping from each row to the entity (child) it describes. Both cover the same rows.

* **Pairwise**: over every pair of rows, a pair is *predicted* when both rows are in one
  cluster and *true* when both describe one entity. Precision is correct predicted pairs
  over predicted pairs, recall correct pairs over true pairs (1.0 when there are none).
* **B-cubed**: for each row, the share of its cluster that is its entity (precision) and
  the share of its entity that is in its cluster (recall), averaged over the rows. A
  false merge of two large groups costs pairwise precision a great deal and B-cubed
  less; B-cubed counts every row once.
* **Impure clusters**: clusters holding rows of more than one entity — each one a false
  merge, the error ContactPoint must not make — and the largest of them, by rows and by
  the number of entities it holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

Row = TypeVar("Row", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Scores:
    """The scores of one clustering against the truth."""

    rows: int
    entities: int
    clusters: int
    pairs_true: int
    pairs_predicted: int
    pairs_correct: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    impure_clusters: int
    largest_impure_rows: int
    largest_impure_entities: int


def pairs(n: int) -> int:
    """The number of unordered pairs among ``n`` rows."""
    return n * (n - 1) // 2


def f1(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall (0.0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def with_singletons(predicted: Mapping[Row, Hashable], rows: Iterable[Row]) -> dict[Row, Hashable]:
    """``predicted`` extended to every row of ``rows``: a row it does not place (one the
    loader refused) is a cluster of its own."""
    placed: dict[Row, Hashable] = {}
    for row in rows:
        placed[row] = ("unplaced", row) if row not in predicted else ("cluster", predicted[row])
    return placed


def score(predicted: Mapping[Row, Hashable], truth: Mapping[Row, Hashable]) -> Scores:
    """Score the clustering ``predicted`` against ``truth``; both must cover the same rows."""
    if predicted.keys() != truth.keys():
        missing = len(truth.keys() - predicted.keys())
        extra = len(predicted.keys() - truth.keys())
        raise ValueError(
            f"the clustering and the truth cover different rows ({missing} rows have no"
            f" cluster, {extra} rows have no true entity)"
        )
    cluster_sizes = Counter(predicted.values())
    entity_sizes = Counter(truth.values())
    # Rows of one entity in one cluster: every score is a sum over these cells.
    cells = Counter((predicted[row], truth[row]) for row in truth)
    pairs_true = sum(pairs(n) for n in entity_sizes.values())
    pairs_predicted = sum(pairs(n) for n in cluster_sizes.values())
    pairs_correct = sum(pairs(n) for n in cells.values())
    precision = pairs_correct / pairs_predicted if pairs_predicted else 1.0
    recall = pairs_correct / pairs_true if pairs_true else 1.0
    rows = len(truth)
    # A row in cell (c, e) has B-cubed precision n/|c| and recall n/|e|; n rows share it.
    b_precision = (
        sum(n * n / cluster_sizes[c] for (c, _), n in cells.items()) / rows if rows else 1.0
    )
    b_recall = sum(n * n / entity_sizes[e] for (_, e), n in cells.items()) / rows if rows else 1.0
    entities_in = Counter(c for c, _ in cells)
    impure = [c for c, entities in entities_in.items() if entities > 1]
    largest = max(impure, key=lambda c: (cluster_sizes[c], entities_in[c]), default=None)
    return Scores(
        rows=rows,
        entities=len(entity_sizes),
        clusters=len(cluster_sizes),
        pairs_true=pairs_true,
        pairs_predicted=pairs_predicted,
        pairs_correct=pairs_correct,
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=f1(precision, recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=f1(b_precision, b_recall),
        impure_clusters=len(impure),
        largest_impure_rows=cluster_sizes[largest] if largest is not None else 0,
        largest_impure_entities=entities_in[largest] if largest is not None else 0,
    )
