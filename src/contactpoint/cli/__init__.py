"""The ``contactpoint`` command: each command parses, calls one service, prints.

Exit codes (``cli.console``): 0 done; 1 a file or request refused (nothing changed);
2 usage error; 3 loaded, but some rows were rejected or loaded with a value left out
(exception report); 4 the database is unavailable; 5 an internal error.
"""

from __future__ import annotations

import gc
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TaskID
from rich.table import Table
from typer.core import TyperGroup

from contactpoint import db, migrate
from contactpoint.cli.access import (
    audit_app,
    demo_code,
    demo_users,
    org_app,
    policy_app,
    token_app,
    user_app,
)
from contactpoint.cli.audit_analysis import audit_analyse
from contactpoint.cli.console import (
    EXIT_CODES,
    EXIT_REFUSED,
    EXIT_ROWS_REJECTED,
    EXIT_USAGE,
    out,
    parse_date,
    progress_bars,
    refuse_if_decommissioned,
    run,
    unit_of_work,
)
from contactpoint.cli.feeds import feed_app
from contactpoint.cli.key_professionals import key_professional_app, org_cap
from contactpoint.cli.lifecycle import (
    decommission_app,
    departure_app,
    identity_app,
    report_app,
    retention_app,
    shield_app,
)
from contactpoint.cli.matching import match_app, trace_file
from contactpoint.cli.notify import notify_app
from contactpoint.cli.review import list_merges, merge_children, review_app, unmerge_children
from contactpoint.cli.signposting import flag_app, signposting_app
from contactpoint.logs import log_config
from contactpoint.settings import get_settings
from contactpoint.stats import index_counts, take_snapshot
from contactpoint.synth import generate, generate_messy


class _ByName(TyperGroup):
    """The top-level commands listed by name in ``--help``, not in the order written."""

    def list_commands(self, ctx: Any) -> list[str]:  # typer's own click.Context
        return sorted(super().list_commands(ctx))


app = typer.Typer(
    help="ContactPoint: the national index of children.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_ByName,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(feed_app, name="feed")
app.add_typer(match_app, name="match")
app.add_typer(review_app, name="review")
app.command("trace")(trace_file)
app.command("merge")(merge_children)
app.command("unmerge")(unmerge_children)
app.command("merges")(list_merges)
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(policy_app, name="policy")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
audit_app.command("analyse")(audit_analyse)
app.add_typer(notify_app, name="notify")
app.add_typer(signposting_app, name="signposting")
app.add_typer(flag_app, name="flag")
app.add_typer(key_professional_app, name="key-professional")
app.add_typer(retention_app, name="retention")
app.add_typer(report_app, name="report")
app.add_typer(decommission_app, name="decommission")
app.add_typer(identity_app, name="identity")
app.add_typer(departure_app, name="departure")
app.add_typer(shield_app, name="shield")
org_app.command("cap")(org_cap)
demo_app = typer.Typer(help="Demo accounts (not in production).", no_args_is_help=True)
demo_app.command("users")(demo_users)
demo_app.command("code")(demo_code)
app.add_typer(demo_app, name="demo")

__all__ = ["EXIT_CODES", "EXIT_REFUSED", "EXIT_ROWS_REJECTED", "EXIT_USAGE", "app", "main"]


# What still runs once the service is decommissioned: the record of the decommissioning
# (its commands, and the audit trail's verification, each group deciding for itself),
# the schema, the server (which answers 410 to everything) and the synthetic generator.
STILL_RUN = frozenset({"decommission", "audit", "db", "serve", "synth"})


@app.callback()
def _closed_for_good(ctx: typer.Context) -> None:
    """Refuse every command of a decommissioned service but ``STILL_RUN`` (issue 19:
    `feed resume` then `feed load` filled a decommissioned index again)."""
    if ctx.invoked_subcommand not in STILL_RUN:
        refuse_if_decommissioned()


@audit_app.callback()
def _audit_closed_for_good(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand != "verify":
        refuse_if_decommissioned()


# Collect the youngest generation of cyclic garbage after 100,000 new objects, not 700:
# a load builds and keeps hundreds of thousands of small records, none in cycles, and
# collections kept walking them (reading 76,000 records' facts: 3.6 s, 1.5 s with no
# collection; a 5,000-row delta into 30,000 children, three runs each: 20.5-25.1 s
# with the default, 20.1-23.0 s with this).
COLLECT_AFTER = 100_000


def main() -> None:
    """The ``contactpoint`` command (``cli.console.run``: one exit code per kind of
    failure, no traceback unless ``--debug``)."""
    gc.set_threshold(COLLECT_AFTER, *gc.get_threshold()[1:])
    sys.exit(run(app, sys.argv[1:]))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest version."""
    engine = db.get_engine()
    migrate.upgrade(engine)
    out.print(f"Database at revision {migrate.head_revision(engine)}.")


@app.command()
def synth(
    children: Annotated[
        int, typer.Option("--children", "--people", min=1, help="How many children.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the files.")] = Path(
        "var/synth"
    ),
    as_of: Annotated[
        str | None,
        typer.Option(help="Date the population is drawn at (YYYY-MM-DD); default today."),
    ] = None,
    messy: Annotated[
        bool,
        typer.Option(
            "--messy",
            help="Instead, one messy local.csv with many records per child (for measuring "
            "the matcher, never for training it).",
        ),
    ] = False,
    records_per_person: Annotated[
        float, typer.Option(min=1, help="With --messy: mean records per child.")
    ] = 10.0,
) -> None:
    """Generate a synthetic population and one file per source, with its ground truth."""

    when = parse_date(as_of, "--as-of") if as_of else date.today()
    if messy:
        local = generate_messy(
            out_dir, people=children, seed=seed, as_of=when, records_per_person=records_per_person
        )
        out.print(f"Wrote {local.path} ({local.rows} records) and {local.truth}")
        out.print(json.dumps(dict(local.errors)))
        return
    with progress_bars() as bars:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        summary = generate(out_dir, children=children, seed=seed, as_of=when, progress=report)
    out.print(f"Wrote {out_dir}: {json.dumps(dict(summary.rows))}")


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False,
    snapshot: Annotated[
        bool, typer.Option(help="Also keep today's counts for the console's charts.")
    ] = False,
) -> None:
    """Counts of what the index holds (the server keeps a snapshot daily; --snapshot
    keeps one where no server runs its daily jobs)."""
    with unit_of_work() as session:
        counts = index_counts(session)
        if snapshot:
            take_snapshot(session, date.today())
    if as_json:
        print(json.dumps(counts, indent=2))
        return
    for section, values in counts.items():
        table = Table(section.replace("_", " "), "count")
        for key, value in values.items():
            table.add_row(key, f"{value:,}")
        out.print(table)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the web application. Requests are logged by route, never with their query
    strings (uvicorn's access log, which prints whole URLs, is off); as JSON lines with
    CONTACTPOINT_LOG_FORMAT=json. Metrics at /metrics are per worker process."""
    import logging.config

    import uvicorn

    # Uvicorn applies the same configuration in each worker process.
    logging_config = log_config(get_settings().log_format)
    logging.config.dictConfig(logging_config)
    out.print(f"ContactPoint is at http://{host}:{port}/ (health: /healthz). Ctrl-C stops it.")
    uvicorn.run(
        "contactpoint.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=logging_config,
    )
