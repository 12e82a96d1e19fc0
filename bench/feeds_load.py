"""Benchmark: generate a synthetic population and load every source's file.

Runs the real commands as an operator would (`contactpoint synth`, `contactpoint feed
load`) in child processes, timing each and reading its peak resident memory, then
reloads a file to check nothing changes. Prints a Markdown table for docs/benchmarks.md.

    .venv/bin/python bench/feeds_load.py --children 100000 --database postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from contactpoint.synth import SOURCES

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CLI = str(Path(sys.executable).with_name("contactpoint"))


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds, peak RSS in MiB, and output of one command (fails loudly on error)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if child.returncode not in (0, 3):
        sys.exit(f"{' '.join(args)} failed ({child.returncode}):\n{output}\n{errors}")
    # Each step as it ends, on standard error: a long run shows where it is.
    print(f"{time.strftime('%H:%M:%S')} {seconds:8.1f} s  {' '.join(args[1:4])}", file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, output.strip()


def database_url(kind: str, work: Path, name: str) -> str:
    if kind == "sqlite":
        (work / "bench.db").unlink(missing_ok=True)
        return f"sqlite:///{work / 'bench.db'}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--work", type=Path, default=Path("var/bench"))
    parser.add_argument(
        "--database-name",
        default="contactpoint_bench",
        help="the PostgreSQL database, dropped and made afresh (another run may use another)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="load the population already written in --work by these options, if any",
    )
    options = parser.parse_args()
    options.work.mkdir(parents=True, exist_ok=True)
    files = options.work / f"synth-{options.children}"
    url = database_url(options.database, options.work, options.database_name)
    env = {**os.environ, "CONTACTPOINT_DATABASE_URL": url}
    env["CONTACTPOINT_VAR_DIR"] = str(options.work / "var")

    synth = [CLI, "synth", "--children", str(options.children), "--seed", str(options.seed)]
    synth += ["--as-of", options.as_of, "--out", str(files)]
    if options.reuse and (files / "truth.csv").exists():
        rows = [("synth (reused: written before with the same options)", 0.0, 0.0)]
    else:
        rows = [("synth", *run(synth, env)[:2])]
    run([CLI, "db", "upgrade"], env)
    total = 0.0
    for source in SOURCES:
        seconds, peak, _ = run(
            [CLI, "feed", "load", source, str(files / f"{source}.csv"), "--today", options.as_of],
            env,
        )
        total += seconds
        rows.append((f"load {source}", seconds, peak))
    rows.append(("load, all six files", total, max(r[2] for r in rows[1:])))
    stats_before = run([CLI, "stats", "--json"], env)[2]
    seconds, peak, _ = run(
        [CLI, "feed", "load", "nhs-demographics", str(files / "nhs-demographics.csv")], env
    )
    rows.append(("reload nhs-demographics (already loaded)", seconds, peak))
    unchanged = run([CLI, "stats", "--json"], env)[2] == stats_before
    links = options.work / "links.csv"
    run([CLI, "match", "export", "--out", str(links)], env)
    accuracy = run(
        [
            sys.executable,
            str(Path(__file__).with_name("accuracy.py")),
            str(links),
            str(files / "truth.csv"),
            "--population",
            str(files),
        ],
        env,
    )[2]
    # A daily delta: a local partner's file of 5,000 children of the same population.
    delta = options.work / "delta"
    local_args = [
        sys.executable,
        "-c",
        "import sys; from datetime import date; from pathlib import Path;"
        " from contactpoint.synth import generate_local;"
        " generate_local(Path(sys.argv[1]), children=int(sys.argv[2]), seed=int(sys.argv[3]),"
        " as_of=date.fromisoformat(sys.argv[4]), rows=5000)",
        str(delta),
        str(options.children),
        str(options.seed),
        options.as_of,
    ]
    run(local_args, env)
    seconds, peak, _ = run(
        [CLI, "feed", "load", "local", str(delta / "local.csv"), "--today", options.as_of], env
    )
    rows.append(("daily delta: local file of 5,000 rows", seconds, peak))

    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, database {options.database}"
    )
    print(f"children: {options.children}, seed {options.seed}, as of {options.as_of}")
    print("| step | seconds | peak RSS (MiB) |\n|---|---:|---:|")
    for step, seconds, peak in rows:
        print(f"| {step} | {seconds:.1f} | {peak:.0f} |")
    print(f"\nstats unchanged after reload: {unchanged}")
    print(json.dumps(json.loads(stats_before), indent=1))
    print("accuracy of the six files against truth.csv (before the delta file):")
    print(accuracy)


if __name__ == "__main__":
    main()
