"""Benchmark: how the blocking keys grow with the index (issue 17, "cost that does not
grow with the index").

Reads a loaded index (``CONTACTPOINT_DATABASE_URL``, as ``bench/feeds_load.py`` leaves
it) and prints, for each kind of blocking key (``matching.keys``): how many keys, how
many records carry one, the largest block and the 99th percentile of blocks in
children, and — over a sample of records — how many distinct candidate children a
record's search keys find when it is looked up again (what the online matcher scores
per incoming row). Run it after
loads of several sizes to see which blocks grow with the population.

    CONTACTPOINT_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/contactpoint_bench \\
        .venv/bin/python bench/blocks.py --sample 2000
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections import defaultdict

from sqlalchemy import func, select

from contactpoint import db
from contactpoint.linkage import store as linkage_store
from contactpoint.matching.keys import search_keys
from contactpoint.search import store
from contactpoint.tables.linkage import MatchKey


def kind_of(key: str) -> str:
    return key.split(":", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=2000, help="records sampled for candidates")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    with db.unit_of_work(read_only=True) as session:
        # Children under each key (a block), and the records carrying keys of each kind.
        blocks: dict[str, list[int]] = defaultdict(list)
        rows = session.execute(
            select(MatchKey.key, func.count(func.distinct(MatchKey.child_id))).group_by(
                MatchKey.key
            )
        )
        size_of: dict[str, int] = {}
        for key, children in rows:
            blocks[kind_of(key)].append(children)
            size_of[key] = children
        records = session.scalar(select(func.count(func.distinct(MatchKey.source_record_id))))
        # Candidates as the online matcher finds them: a sampled child's records, each
        # looked up again by its search keys (``matching.keys.search_keys``).
        children = list(session.scalars(select(func.distinct(MatchKey.child_id))))
        random.Random(options.seed).shuffle(children)
        sampled = store.records_of_children(session, children[: options.sample])
        candidates: list[int] = []
        for child_records in sampled.values():
            record = child_records[0]
            under = linkage_store.children_for_keys(session, search_keys(record))
            candidates.append(len(set().union(*under.values())) if under else 0)
    print(f"records with keys: {records:,}; records looked up again: {len(candidates):,}")
    print("| key | keys | largest block (children) | p99 block | mean block |")
    print("|---|---:|---:|---:|---:|")
    for kind, sizes in sorted(blocks.items()):
        sizes.sort()
        p99 = sizes[min(len(sizes) - 1, int(len(sizes) * 0.99))]
        print(
            f"| {kind} | {len(sizes):,} | {sizes[-1]:,} | {p99:,} | {statistics.fmean(sizes):.2f} |"
        )
    if candidates:
        candidates.sort()
        print(
            f"\ncandidate children per record: median {statistics.median(candidates):.0f},"
            f" p95 {candidates[int(len(candidates) * 0.95)]}, max {candidates[-1]}"
        )


if __name__ == "__main__":
    main()
