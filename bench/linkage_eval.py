"""Benchmark: ContactPoint's matcher beside a Splink 5 baseline on every labelled dataset.

Runs `contactpoint match evaluate`'s service for FEBRL 1–4, the synthetic set with two
seeds no test, demo or benchmark uses, and the messy set (when its generator is
present), each into a fresh database, and prints and writes a Markdown table with the
machine and the command. See docs/benchmarks.md.

    .venv/bin/python bench/linkage_eval.py [--database sqlite|postgresql] [--out FILE]
                                           [--retrain]

``--retrain`` adds, for each dataset, the index retrained on itself and relinked
(``match train --activate`` then ``match relink``), scored as a row of its own.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psycopg

from contactpoint.evaluation.datasets import DatasetName, DatasetRequest
from contactpoint.evaluation.report import markdown
from contactpoint.evaluation.service import Evaluation, evaluate_dataset

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "contactpoint_linkage_eval"
SYNTHETIC_SEEDS = (90210, 31337)


def requests() -> list[DatasetRequest]:
    """Every dataset the benchmark runs, in order."""
    chosen = [
        DatasetRequest(name)
        for name in (
            DatasetName.FEBRL1,
            DatasetName.FEBRL2,
            DatasetName.FEBRL3,
            DatasetName.FEBRL4,
        )
    ]
    chosen += [DatasetRequest(DatasetName.SYNTHETIC, seed=seed) for seed in SYNTHETIC_SEEDS]
    if importlib.util.find_spec("contactpoint.synth.messy") is not None:
        chosen.append(DatasetRequest(DatasetName.MESSY))
    return chosen


def fresh_postgresql() -> str:
    """A new, empty PostgreSQL database for one dataset."""
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"


def commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def machine() -> str:
    return (
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores (nproc),"
        f" Python {platform.python_version()}, splink {version('splink')},"
        f" duckdb {version('duckdb')}, recordlinkage {version('recordlinkage')},"
        f" SQLAlchemy {version('sqlalchemy')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=Path("var/bench/linkage-eval.md"))
    parser.add_argument("--retrain", action="store_true", help="Also train + relink.")
    options = parser.parse_args()
    started = time.perf_counter()
    evaluations: list[Evaluation] = []
    with tempfile.TemporaryDirectory(prefix="linkage-eval-") as temporary:
        for request in requests():
            label = f"{request.name}" + (
                f" seed {request.seed}" if request.name == DatasetName.SYNTHETIC else ""
            )
            print(f"evaluating {label} ...", file=sys.stderr, flush=True)
            url = fresh_postgresql() if options.database == "postgresql" else None
            work = Path(temporary) / f"{request.name}-{request.seed}"
            evaluations.append(
                evaluate_dataset(request, work=work, database_url=url, retrain=options.retrain)
            )
    command = shlex.join([Path(sys.executable).name, *sys.argv])
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit()} (working tree),"
        f" database {options.database}, {time.perf_counter() - started:.0f} s in all.",
        "",
        f"Machine: {machine()}.",
        "",
        f"Command: `.venv/bin/{command}`",
        "",
        "| dataset | what |",
        "|---|---|",
        *(f"| {e.dataset} | {e.description}; loaded as of {e.today} |" for e in evaluations),
        "",
        markdown(evaluations),
        *(
            f"\nNo Splink baseline for {e.dataset}: {e.baseline_failure}"
            for e in evaluations
            if e.baseline_failure
        ),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(text, encoding="utf-8")
    print(f"Wrote {options.out}.", file=sys.stderr)


if __name__ == "__main__":
    main()
