"""Benchmark: searches per second through HTTP, with concurrent signed-in clients.

    CONTACTPOINT_DATABASE_URL=postgresql+psycopg://... \\
      .venv/bin/python bench/search_http.py POPULATION_DIR [--clients 16] [--seconds 30]

Against a loaded index (as bench/search.py): makes one practitioner account per client,
starts `contactpoint serve` (``--workers``, default 2) on a free port, signs each client
in through the real forms (password, then TOTP code), and has every client send
`GET /api/v1/children` with realistic queries (bench/search.py's) back to back for the
given time. Prints searches per second, errors, and client-side latency percentiles.

The load comes from wrk (``--load wrk``, the default; Debian's package ``wrk``), one
thread and one connection per signed-in client (bench/search_http.lua), so the load
generator takes little of the two cores the server and PostgreSQL share with it; or
from Python threads with httpx (``--load python``), which cost the machine about as
much CPU per request as PostgreSQL does.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from contactpoint import db
from contactpoint.access import accounts, credentials
from contactpoint.access.demo import ready_user
from contactpoint.audit.service import Actor
from contactpoint.errors import InvalidValue, NotFound
from contactpoint.kinds.access import OrganisationKind, Role

HERE = Path(__file__).parent
CLI = str(Path(sys.executable).with_name("contactpoint"))
PASSWORD = "bench-" + credentials.new_token()[:16]
FIELDS = ("given_names", "family_name", "date_of_birth", "born_from", "born_to", "postcode")


def _queries_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_search", HERE / "search.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def make_users(count: int) -> list[tuple[str, str]]:
    """(username, TOTP secret) of ``count`` practitioners of a bench organisation."""
    actor = Actor("bench setup")
    made = []
    stamp = int(time.time())
    with db.unit_of_work() as session:
        try:
            accounts.organisation(session, "BENCH")
        except NotFound:
            accounts.create_organisation(
                session, actor, code="BENCH", name="Benchmark authority",
                kind=OrganisationKind.LOCAL_AUTHORITY, la_code="E99999999",
            )  # fmt: skip
        accounts.set_onboarding(session, actor, open_=True, reason="benchmark")
        for i in range(count):
            username = f"bench.{stamp}.{i}"
            user = ready_user(
                session, actor, username=username, display_name=f"Bench {i}",
                email=f"{username}@bench.example", organisation_code="BENCH",
                roles=[Role.PRACTITIONER], password=PASSWORD,
            )  # fmt: skip
            assert user.totp_secret
            made.append((username, user.totp_secret))
    return made


def sign_in(base: str, username: str, secret: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
    assert token
    client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    page = client.get("/sign-in/code").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    code = credentials.current_totp(secret, time.time() + 30)
    answer = client.post("/sign-in/code", data={"code": code, "csrf_token": token.group(1)})
    assert answer.status_code in (200, 303), answer.text[:300]
    return client


Result = tuple[int, dict[int, int], float, float, float]  # requests, statuses, s, p50, p95


def python_load(
    clients: list[httpx.Client], queries: list[dict[str, str]], seconds: float
) -> Result:
    """Each client a thread sending searches back to back."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def work(client: httpx.Client, offset: int) -> None:
        mine = []
        i = offset
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status = client.get("/api/v1/children", params=queries[i % len(queries)]).status_code
            mine.append((status, (time.perf_counter() - started) * 1000))
            i += len(clients)
        with lock:
            results.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=work, args=(client, n)) for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    statuses: dict[int, int] = {}
    for status, _ms in results:
        statuses[status] = statuses.get(status, 0) + 1
    timings = sorted(ms for _status, ms in results)
    p95 = timings[int(len(timings) * 0.95) - 1]
    return len(results), statuses, elapsed, statistics.median(timings), p95


def wrk_load(
    base: str, clients: list[httpx.Client], queries: list[dict[str, str]], seconds: float
) -> Result:
    """wrk, one thread and one connection per client, each with its client's cookie."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed: apt-get install wrk (or use --load python)")
    with tempfile.TemporaryDirectory() as work:
        cookies, paths = Path(work, "cookies"), Path(work, "paths")
        cookies.write_text("".join(f"cp_session={c.cookies['cp_session']}\n" for c in clients))
        paths.write_text("".join(f"/api/v1/children?{urlencode(q)}\n" for q in queries))
        n = str(len(clients))
        shown = subprocess.run(
            [wrk, "-t", n, "-c", n, "-d", f"{seconds:.0f}s", "--timeout", "30s",
             "-s", str(HERE / "search_http.lua"), base, "--", str(cookies), str(paths)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    statuses: dict[int, int] = {}
    figures: dict[str, float] = {}
    for line in shown.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "status":
            statuses[int(words[1])] = int(words[2])
        elif len(words) == 2 and words[0] in (
            "requests",
            "seconds",
            "socket_errors",
            "p50_ms",
            "p95_ms",
        ):
            figures[words[0]] = float(words[1])
    if figures.get("socket_errors"):
        statuses[0] = int(figures["socket_errors"])  # status 0: a connection-level error
    return (
        int(figures["requests"]),
        statuses,
        figures["seconds"],
        figures["p50_ms"],
        figures["p95_ms"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("population", type=Path)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load", choices=("wrk", "python"), default="wrk")
    parser.add_argument("--seed", type=int, default=11)
    options = parser.parse_args()
    search_bench = _queries_module()
    known, _truth = search_bench.read_rows(options.population)
    rng = random.Random(options.seed)
    shapes, weights = zip(*search_bench.SHAPES, strict=True)
    queries: list[dict[str, str]] = []
    while len(queries) < 5000:
        try:
            query = search_bench.make_query(rng.choice(known), rng.choices(shapes, weights)[0], rng)
        except InvalidValue:
            continue
        if query is None or query.identifier:
            continue
        params = {name: getattr(query, name) for name in FIELDS if getattr(query, name)}
        queries.append(params | {"reason": "identity"})

    users = make_users(options.clients)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--workers", str(options.workers)],
        # Throughput is measured here, not the per-user limit (tests cover that).
        env={**os.environ, "CONTACTPOINT_SEARCHES_PER_MINUTE": "1000000000"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        # One time step per batch of sign-ins, so no code is used twice.
        clients = [sign_in(base, username, secret) for username, secret in users]
        if options.load == "wrk":
            result = wrk_load(base, clients, queries, options.seconds)
        else:
            result = python_load(clients, queries, options.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    count, statuses, elapsed, p50, p95 = result
    errors = sum(n for status, n in statuses.items() if status != 200)
    print(
        f"{count} searches in {elapsed:.1f} s with {options.clients} clients ({options.load})"
        f" and {options.workers} server workers: {count / elapsed:.0f} per second;"
        f" errors {errors} (statuses {statuses}); client-side median {p50:.1f} ms,"
        f" 95th percentile {p95:.1f} ms"
    )


if __name__ == "__main__":
    main()
