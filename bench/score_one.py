"""Benchmark: matching one record against the whole index (what search and trace do).

    CONTACTPOINT_DATABASE_URL=... .venv/bin/python bench/score_one.py LOCAL.csv [--n 500]

For each of the first N rows of a `local` file: candidates from the blocking-key index,
scores with the active model and the decision — one record at a time, each in its own
read-only transaction — and prints the median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from contactpoint import db
from contactpoint.feeds.pipeline import configured_thresholds, standardise_rows
from contactpoint.feeds.sources import get_source
from contactpoint.linkage import registry
from contactpoint.linkage.service import plan_links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--n", type=int, default=500)
    options = parser.parse_args()
    rows = standardise_rows(
        get_source("local"), options.file.read_bytes(), file_name="local", today=date.today()
    ).rows
    thresholds = configured_thresholds()
    timings = []
    factory = db.session_factory()
    with factory() as session:
        registry.active_model(session)  # load the model once, as a running server has
        session.rollback()
    for row in rows[: options.n]:
        with factory() as session:
            started = time.perf_counter()
            plan_links(session, [row.facts], thresholds=thresholds)
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()
    timings.sort()
    print(
        f"{len(timings)} records: median {statistics.median(timings):.1f} ms,"
        f" 95th percentile {timings[int(len(timings) * 0.95) - 1]:.1f} ms,"
        f" max {timings[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
