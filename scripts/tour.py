"""A short tour for new users: each demo role's start page, screenshotted at 1280 and
320 CSS pixels wide into docs/tour/, and docs/tour.md listing them.

    .venv/bin/python scripts/tour.py [--children 2000]

Builds a SQLite index of a synthetic population in a temporary folder, makes the demo
users, serves it with `contactpoint serve`, signs each one in through the real forms in
Debian's Chromium and photographs the page they land on. No real personal data: the
population is synthetic.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from contactpoint import db
from contactpoint.access import accounts, credentials
from contactpoint.access.demo import DEMO_USERS, create_demo_users
from contactpoint.synth import SOURCES

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("contactpoint"))
OUT = ROOT / "docs" / "tour"
PASSWORD = "tour-demo-password-2026"
WIDTHS = (1280, 320)
ABOUT = {
    "practitioner": "searches for a child and opens their record",
    "key_professional": "asks who else is involved with a child",
    "data_manager": "decides the pairs matching could not, and reads the authority's reports",
    "user_admin": "adds and looks after their organisation's accounts",
    "national_admin": "runs the feeds and reads the national figures",
    "auditor": "reads the audit trail and its analytics",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([CLI, *args], env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=2000)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="contactpoint-tour-"))
    url = f"sqlite:///{work / 'tour.db'}"
    env = dict(os.environ, CONTACTPOINT_DATABASE_URL=url, CONTACTPOINT_VAR_DIR=str(work / "var"))
    os.environ.update(env)
    run(["db", "upgrade"], env)
    run(["synth", "--children", str(options.children), "--seed", "2010", "--out", str(work)], env)
    for source in SOURCES:
        subprocess.run([CLI, "feed", "load", source, str(work / f"{source}.csv")], env=env,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    engine = db.make_engine(url)
    with db.unit_of_work(engine) as session:
        create_demo_users(session, PASSWORD)
        secrets = {u: accounts.user(session, u).totp_secret for u, _name in DEMO_USERS.values()}
    port = free_port()
    server = subprocess.Popen([CLI, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        OUT.mkdir(parents=True, exist_ok=True)
        shots = photograph(base, secrets)
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_tour(shots)


def photograph(base: str, secrets: dict[str, str | None]) -> list[tuple[str, str, str]]:
    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for role, (username, _name) in DEMO_USERS.items():
            secret = secrets[username]
            assert secret is not None
            page = browser.new_page(base_url=base, viewport={"width": 1280, "height": 900})
            page.goto("/sign-in")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Continue").click()
            code = credentials.current_totp(secret, time.time() + 30)
            page.get_by_label("Enter the code from your authenticator app").fill(code)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state("networkidle")
            title = page.title().removesuffix(" – ContactPoint")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(path=str(OUT / f"{role.value}-{width}.png"))
            shots.append((role.value, title, page.url.removeprefix(base)))
            page.close()
        browser.close()
    return shots


def write_tour(shots: list[tuple[str, str, str]]) -> None:
    lines = [
        "# A short tour: each role's start page",
        "",
        "Each demo user (`make demo` makes one per role) lands on their own page after",
        "signing in. Photographed by `scripts/tour.py` on a synthetic population, at 1280",
        "and at 320 CSS pixels wide (every page reflows at 320: WCAG 1.4.10).",
        "",
    ]
    for role, title, path in shots:
        words = role.replace("_", " ")
        lines += [
            f"## {words[:1].upper()}{words[1:]}: {title} (`{path}`)",
            "",
            f"A {words} {ABOUT[role]}.",
            "",
            f"![{title}, 1280 px wide](tour/{role}-1280.png)",
            f"![{title}, 320 px wide](tour/{role}-320.png)",
            "",
        ]
    (ROOT / "docs" / "tour.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
