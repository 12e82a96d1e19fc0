"""Soak: loads killed with SIGKILL at random moments, then run again, many times.

The quick version runs in `make test` (tests/service/test_load_faults.py, three files,
one trial). This one loads all six files of a synthetic population cleanly once, then
for each trial into a new database loads every file as a real `contactpoint feed load`
process, kills it at a random moment between start-up and the end, runs it again to the
end, and compares the index with the clean one (who is one child: each child's source
records). Prints a Markdown table for docs/benchmarks.md.

    .venv/bin/python bench/load_faults.py --database postgresql --trials 5
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from feeds_load import database_url  # bench/, beside this script
from sqlalchemy import select

from contactpoint import db
from contactpoint.synth import SOURCES, generate
from contactpoint.tables.children import SourceRecord

AS_OF = date(2026, 6, 1)
CLI = [sys.executable, "-m", "contactpoint"]


def command(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def fresh(kind: str, work: Path) -> dict[str, str]:
    env = os.environ | {
        "CONTACTPOINT_DATABASE_URL": database_url(kind, work),
        "CONTACTPOINT_VAR_DIR": str(work / "var"),
    }
    if command(["db", "upgrade"], env).wait() != 0:
        sys.exit("db upgrade failed")
    return env


def load(source: str, population: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    path = population / f"{source}.csv"
    return command(["feed", "load", source, str(path), "--today", AS_OF.isoformat()], env)


def children(url: str) -> frozenset[frozenset[tuple[str, str]]]:
    engine = db.make_engine(url)
    with db.unit_of_work(engine, read_only=True) as session:
        rows = session.execute(
            select(SourceRecord.child_id, SourceRecord.source, SourceRecord.record_id)
        )
        grouped: dict[int, set[tuple[str, str]]] = {}
        for child_id, source, record_id in rows:
            grouped.setdefault(child_id, set()).add((source, record_id))
    engine.dispose()
    return frozenset(frozenset(records) for records in grouped.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        population = work / "population"
        generate(population, children=args.children, seed=args.seed, as_of=AS_OF)
        env = fresh(args.database, work)
        started = time.perf_counter()
        # A small population's deaths file can have no rows: refused, and left out.
        sources = [s for s in SOURCES if load(s, population, env).wait() in (0, 3)]
        clean_seconds = time.perf_counter() - started
        if not sources:
            sys.exit("no file loaded cleanly")
        clean = children(env["CONTACTPOINT_DATABASE_URL"])
        kills = same = 0
        for _trial in range(args.trials):
            env = fresh(args.database, work)
            for source in sources:
                process = load(source, population, env)
                time.sleep(chance.uniform(0.3, clean_seconds / len(sources) + 1.0))
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    kills += 1
                process.wait()
                if load(source, population, env).wait() not in (0, 3):
                    sys.exit(f"the re-run of {source} failed")
            same += children(env["CONTACTPOINT_DATABASE_URL"]) == clean
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("| database | children | trials | loads killed | loads run | index as clean loads make |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.database} | {args.children:,} | {args.trials} | {kills} |"
        f" {args.trials * len(sources)} | {same} of {args.trials} |"
    )


if __name__ == "__main__":
    main()
