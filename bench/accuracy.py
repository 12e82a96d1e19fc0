"""Linkage accuracy against the synthetic ground truth.

    .venv/bin/python bench/accuracy.py LINKS.csv TRUTH.csv [--population DIR]

LINKS.csv is `contactpoint match export`; TRUTH.csv is the synthetic population's
truth. Pairwise precision and recall over all pairs of source rows (a pair is predicted
when both rows are linked to one child, true when both describe one child), the same
restricted to pairs involving each source, and multiple births wrongly merged.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("links", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("--population", type=Path, help="the synthetic files, for twins")
    options = parser.parse_args()
    with options.truth.open(encoding="utf-8") as handle:
        truth = {(r["source"], r["record_id"]): r["child_key"] for r in csv.DictReader(handle)}
    with options.links.open(encoding="utf-8") as handle:
        linked = {(r["source"], r["record_id"]): r["cp_id"] for r in csv.DictReader(handle)}
    rows = sorted(set(linked) & set(truth))
    predicted: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        predicted[linked[row]].append(row)
    true_sizes = Counter(truth[row] for row in rows)
    both = Counter((linked[row], truth[row]) for row in rows)
    tp = sum(pairs(n) for n in both.values())
    pred = sum(pairs(len(members)) for members in predicted.values())
    real = sum(pairs(n) for n in true_sizes.values())
    result: dict[str, object] = {
        "rows": len(rows),
        "children_true": len(true_sizes),
        "children_predicted": len(predicted),
        "pairs_predicted": pred,
        "pairs_true": real,
        "pairs_correct": tp,
        "precision": tp / pred if pred else 1.0,
        "recall": tp / real if real else 1.0,
    }
    # Per source: pairs with at least one row from the source.
    per_source: dict[str, dict[str, float]] = {}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for members in predicted.values():
        for a, b in combinations(members, 2):
            same = truth[a] == truth[b]
            for source in {a[0], b[0]}:
                counts[source]["predicted"] += 1
                counts[source]["correct"] += same
    by_child: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_child[truth[row]].append(row)
    for members in by_child.values():
        for a, b in combinations(members, 2):
            for source in {a[0], b[0]}:
                counts[source]["true"] += 1
    for source, c in sorted(counts.items()):
        per_source[source] = {
            "precision": c["correct"] / c["predicted"] if c["predicted"] else 1.0,
            "recall": c["correct"] / c["true"] if c["true"] else 1.0,
            "pairs_true": c["true"],
        }
    result["per_source"] = per_source
    # Multiple births merged: a predicted child holding rows of two true children who
    # share a date of birth and a family name in the GRO birth rows.
    result["children_merged_with_another"] = sum(
        1 for members in predicted.values() if len({truth[r] for r in members}) > 1
    )
    if options.population:
        result["multiple_births_merged"] = multiple_births_merged(
            options.population, truth, predicted
        )
    print(json.dumps(result, indent=1))


def multiple_births_merged(
    population: Path,
    truth: dict[tuple[str, str], str],
    predicted: dict[str, list[tuple[str, str]]],
) -> dict[str, int]:
    """Twins and triplets (born the same day to the same mother, from the GRO births
    file) and how many predicted children hold more than one of a set."""
    sets: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    with (population / "gro-births.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["date_of_birth"], row["mother_given_names"], row["mother_family_name"])
            child = truth.get(("gro-births", row["record_id"]))
            if child and row["mother_family_name"]:
                sets[key].add(child)
    sibling_sets = [children for children in sets.values() if len(children) > 1]
    set_of = {child: i for i, children in enumerate(sibling_sets) for child in children}
    merged = 0
    for members in predicted.values():
        seen = Counter(set_of[c] for c in {truth[r] for r in members} if c in set_of)
        merged += sum(1 for n in seen.values() if n > 1)
    return {"sets_of_multiple_births": len(sibling_sets), "merged": merged}


if __name__ == "__main__":
    main()
