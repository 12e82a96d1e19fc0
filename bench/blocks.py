"""Benchmark: how the blocking keys grow with the index (issue 17, "cost that does not
grow with the index").

Reads a loaded index (``CONTACTPOINT_DATABASE_URL``, as ``bench/feeds_load.py`` leaves
it) and prints, for each kind of blocking key (``matching.keys``): how many keys, how
many records carry one, the largest block and the 99th percentile of blocks in
children, and — over a sample of records — how many distinct candidate children a
record's keys find (what the online matcher scores per incoming row). Run it after
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
        ids = list(session.scalars(select(func.distinct(MatchKey.source_record_id))))
        random.Random(options.seed).shuffle(ids)
        sample = sorted(ids[: options.sample])
        keys_of: dict[int, list[str]] = defaultdict(list)
        for part in range(0, len(sample), 500):
            chunk = sample[part : part + 500]
            for record_id, key in session.execute(
                select(MatchKey.source_record_id, MatchKey.key).where(
                    MatchKey.source_record_id.in_(chunk)
                )
            ):
                keys_of[record_id].append(key)
        candidates: list[int] = []
        for record_keys in keys_of.values():
            found = session.scalar(
                select(func.count(func.distinct(MatchKey.child_id))).where(
                    MatchKey.key.in_(record_keys)
                )
            )
            candidates.append(found or 0)
    print(f"records with keys: {records:,}; sampled for candidates: {len(candidates):,}")
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
