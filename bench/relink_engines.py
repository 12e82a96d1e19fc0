"""Benchmark: a relink of the whole index online and with its candidates found set-based
(issue 17, the bulk path), and whether they reach the same children.

Reads a loaded index (``CONTACTPOINT_DATABASE_URL``, as ``bench/feeds_load.py`` leaves
it) and relinks it with the active model and the configured thresholds on each path in
turn — ``online`` (the index's keys looked up a chunk at a time) and the set-based
engines asked for — each in one transaction that is rolled back, as ``match relink
--try`` does: the index is left exactly as it was. Prints each path's seconds (and the
blocking and scoring within them), the pairs scored, the changes and whether they are the
online path's, and the process's peak memory.

    CONTACTPOINT_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/contactpoint_bench \\
        .venv/bin/python bench/relink_engines.py --engine duckdb
"""

from __future__ import annotations

import argparse
import resource
import time

from sqlalchemy import select

from contactpoint import db
from contactpoint.feeds.pipeline import configured_thresholds
from contactpoint.matching.engines import ENGINES
from contactpoint.review import relink, relink_engines
from contactpoint.tables.linkage import RelinkChange


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=ENGINES, action="append", default=[])
    parser.add_argument("--chunk", type=int, default=relink.CHUNK)
    options = parser.parse_args()
    thresholds = configured_thresholds()
    factory = db.session_factory()
    found = {}
    print(
        "| path | pairs | blocking and scoring (s) | whole relink (s) | changes | same as online |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for path in (relink_engines.ONLINE, *(options.engine or ["duckdb"])):
        with factory() as session:
            run = relink.start(session, actor="bench")
            model = relink.model_for(session, run.id)
            started = time.perf_counter()
            partners = (
                None
                if path == relink_engines.ONLINE
                else relink_engines.partners(session, model, engine=path)
            )
            scored = time.perf_counter() - started
            while not relink.step(
                session, run.id, thresholds=thresholds, chunk=options.chunk, model=model,
                partners=partners,
            ):  # fmt: skip
                pass
            seconds = time.perf_counter() - started
            changes = session.execute(
                select(
                    RelinkChange.from_child_id, RelinkChange.to_child_id,
                    RelinkChange.source_record_ids, RelinkChange.founded,
                ).where(RelinkChange.run_id == run.id)
            ).all()  # fmt: skip
            # A child a relink founds gets a new id on each path: compare where records go.
            found[path] = {
                (before, None if founded else after, tuple(records))
                for before, after, records, founded in changes
            }
            session.rollback()
        same = "—" if path == relink_engines.ONLINE else found[path] == found["online"]
        pairs = f"{partners.pairs:,}" if partners is not None else "—"
        scoring = f"{scored:.1f}" if partners is not None else "—"
        print(f"| {path} | {pairs} | {scoring} | {seconds:.1f} | {len(changes)} | {same} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of this process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
