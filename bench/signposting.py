"""Benchmark: signposting on the 100,000-children index (PostgreSQL).

    .venv/bin/python bench/signposting.py [--queries 1000] [--changes 10000] [--profile]

Starts from ``contactpoint_bench`` (built by ``bench/feeds_load.py --children 100000
--database postgresql``), brought to the newest schema and copied into a scratch
database, so every run starts alike. On the copy it builds what signposting would hold
(``bench/signposting_world.py``): an organisation per authority with its practitioners'
accounts and up to the cap of them key professionals; the involvements and flags of the
children's-services file already loaded (``signposting.feed.apply`` on that run); more
involvements registered by practitioners and flags set by data managers, bulk inserted,
until there are ``--involvements`` and ``--flagged`` of the children are flagged; then
the signals all of them call for.

Then it times ``--queries`` signposting questions by random key professionals, half
about flagged children and half about others: each ``query.signpost`` — policy, answer
and audit entry — in its own committed transaction, and the answer alone
(``query.answer_for``) for the same questions in one read-only transaction. Last it
writes a ``la-childrens-services`` file of ``--changes`` rows (two in five rows already
held, changed; the rest new rows for children of the index:
``bench/signposting_changes.py``) and times ``contactpoint feed load`` on it as a child
process, counting the signals raised. ``--profile`` runs that load under cProfile and
prints where its time goes. Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import pstats
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
from signposting_changes import changes_file
from signposting_world import World, build_world
from sqlalchemy import func, select

from contactpoint import db
from contactpoint.access.reasons import reason
from contactpoint.settings import get_settings
from contactpoint.signposting.query import answer_for, signpost
from contactpoint.tables.children import Child
from contactpoint.tables.signposting import Involvement, Signal, VulnerabilityFlag

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CLI = str(Path(sys.executable).with_name("contactpoint"))


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 3):
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout.strip()


def scratch_copy(template: str, scratch: str) -> str:
    """The template at the newest schema, copied to ``scratch``; its URL."""
    env = {**os.environ, "CONTACTPOINT_DATABASE_URL": f"{SERVER}/{template}"}
    print(run([CLI, "db", "upgrade"], env)[1], file=sys.stderr)
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{template}"')
    return f"{SERVER}/{scratch}"


def percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)]


def time_queries(world: World, n: int, seed: int) -> dict[str, list[float]]:
    """Milliseconds per question: signpost with its audit entry, committed; the answer."""
    rng = random.Random(f"{seed}:bench-signposting-queries")
    asked = [
        (rng.choice(world.key_professionals), rng.choice(world.flagged if i % 2 else world.others))
        for i in range(n)
    ]
    why = reason("safeguarding")
    whole: list[float] = []
    for principal, child in asked:
        started = time.perf_counter()
        with db.unit_of_work() as session:
            signpost(session, principal, child.cp_id, why, today=world.today)
        whole.append((time.perf_counter() - started) * 1000)
    alone: list[float] = []
    shown = 0
    with db.unit_of_work() as session:
        for principal, child in asked:
            started = time.perf_counter()
            found = session.get(Child, child.id)
            assert found is not None
            answer = answer_for(session, principal, found, world.today)
            alone.append((time.perf_counter() - started) * 1000)
            shown += bool(answer.current or answer.past)
    print(f"{shown} of {n} answers named someone to contact", file=sys.stderr)
    return {"signpost (policy, answer, audit, commit)": whole, "answer_for alone": alone}


def counts() -> dict[str, int]:
    with db.unit_of_work() as session:
        return {
            "involvements": session.scalar(select(func.count()).select_from(Involvement)) or 0,
            "flags": session.scalar(select(func.count()).select_from(VulnerabilityFlag)) or 0,
            "signals": session.scalar(select(func.count()).select_from(Signal)) or 0,
            "children flagged": session.scalar(
                select(func.count(func.distinct(VulnerabilityFlag.child_id)))
            )
            or 0,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--template", default="contactpoint_bench")
    parser.add_argument("--scratch", default="contactpoint_bench_signposting")
    parser.add_argument("--children", type=int, default=100_000, help="as the template was built")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument("--involvements", type=int, default=20_000)
    parser.add_argument("--flagged", type=float, default=0.05, help="share of children flagged")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("var/bench/signposting"))
    options = parser.parse_args()
    today = date.fromisoformat(options.as_of)
    options.work.mkdir(parents=True, exist_ok=True)
    url = scratch_copy(options.template, options.scratch)
    os.environ["CONTACTPOINT_DATABASE_URL"] = url
    os.environ["CONTACTPOINT_VAR_DIR"] = str(options.work / "var")
    get_settings.cache_clear()
    db.get_engine.cache_clear()

    started = time.perf_counter()
    with db.unit_of_work() as session:
        world = build_world(
            session,
            today,
            involvements=options.involvements,
            flagged_share=options.flagged,
            seed=options.seed,
            children=options.children,
        )
    setup = time.perf_counter() - started
    before = counts()
    print(f"set up in {setup:.1f} s: {before}", file=sys.stderr)

    timings = time_queries(world, options.queries, options.seed)

    path = options.work / "la-childrens-services-changes.csv"
    with db.unit_of_work() as session:
        kinds = changes_file(session, world, path, options.changes, options.seed)
    env = {**os.environ}
    profile = options.work / "feed-load.prof"
    command = [CLI, "feed", "load", "la-childrens-services", str(path), "--today", options.as_of]
    if options.profile:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), *command]
    seconds, output = run(command, env)
    after = counts()

    print(f"## Signposting on {options.children:,} children ({platform.node()})\n")
    print(f"Set up in {setup:.1f} s: {before}.")
    for name, value in world.timings.items():
        print(f"- {name}: {value:.1f} s")
    print(f"\nChanges file: {sum(kinds.values()):,} rows: {kinds}")
    print(f"Load: {next((line for line in output.splitlines() if line.startswith('Run ')), '')}")
    print(f"After the load: {after}\n")
    print("| measure | p50 (ms) | p95 (ms) | max (ms) |\n|---|---:|---:|---:|")
    for name, values in timings.items():
        print(
            f"| {name}, {len(values):,} questions | {percentile(values, 0.5):.1f}"
            f" | {percentile(values, 0.95):.1f} | {max(values):.1f} |"
        )
    raised = after["signals"] - before["signals"]
    print(
        f"\n| feed load of {sum(kinds.values()):,} changes | {seconds:.1f} s | {raised:,} signals |"
    )
    if options.profile:
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
