"""Nothing leaks (issue 14): a shielded child and a child closed for a new identity,
looked for by a user of every role in another authority through every page and API
route, by searches naming what they know, and in every e-mail the service writes.

Leeds owns both children. Ben is shielded at a refuge, where Leeds records the refuge
worker; his sister Ava is flagged, and a Hull practitioner works with her — the family
signal of security review S1. Keira's birth record is closed for a new identity (a new
name, NHS number and home). Each Hull user then walks every GET route of the service,
with each child's ContactPoint ID and every id the database holds in the path, and
searches for Ben by name, birthday and the refuge's postcode, and for Keira under her
birth name. No answer and no e-mail may hold the refuge, its worker, Keira's old or new
home or new name, or the new record's ID; Ben's and Keira's IDs only where the asker
gave them (a shielded child's stub says whom to contact, and no more)."""

from __future__ import annotations

import csv
import importlib
import pkgutil
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from random import Random
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIRouter
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.identifiers import new_cp_id
from contactpoint.kinds.access import Role
from contactpoint.records.identity import close_for_new_identity
from contactpoint.records.shielding import set_shield
from contactpoint.signposting import flags, involvement
from contactpoint.signposting.involvement import InvolvementCreate
from contactpoint.tables.access import Organisation, User
from contactpoint.tables.children import Child, ChildIdentifier
from contactpoint.tables.notify import OutboxEmail
from contactpoint.tables.signposting import FlagKind
from contactpoint.web import routes
from contactpoint.web.app import create_app
from tests.builders import birth, local_row, nhs_number, nhs_record, write_feed
from tests.people import HULL, LEEDS, active_user, principal_of, sign_in

TODAY = date(2026, 11, 1)
REFUGE = {"address": "41 Haven Close, Leeds", "postcode": "LS9 7HQ"}
REFUGE_WORKER = {
    "service_type": "refuge support",
    "organisation": "Leeds Women's Refuge",
    "practitioner_name": "Rhiannon Okonedo",
    "practitioner_role": "Refuge Support Worker",
    "email": "refuge.duty@leedsrefuge.example",
    "phone": "0113 496 0777",
}
KEIRA_BORN = {"given_names": "Keira", "family_name": "Blackwood"}
KEIRA_NOW = {"given_names": "Keira", "family_name": "Ashworth-Lyle"}
OLD_HOME = {"address": "3 Old Mill Yard, Leeds", "postcode": "LS12 4AB"}
NEW_HOME = {"address": "9 Park Lane, Leeds", "postcode": "LS8 2QB"}
# Every role a user of another authority may hold (the national administrators are
# the national team, who may trace a closed record: not another authority).
HULL_ROLES = (
    Role.PRACTITIONER,
    Role.KEY_PROFESSIONAL,
    Role.DATA_MANAGER,
    Role.USER_ADMIN,
    Role.AUDITOR,
)


@dataclass(frozen=True)
class World:
    ben: str  # shielded, at the refuge
    ava: str  # his sister, flagged; a Hull practitioner works with her
    keira: str  # the record closed for a new identity
    new_keira: str  # the new identity

    def never(self) -> tuple[str, ...]:
        """What no answer to anyone in Hull may hold."""
        return (
            "Haven Close", "LS9 7HQ", "LS9 7", "Leeds Women's Refuge", "Rhiannon", "Okonedo",
            "refuge.duty", "0113 496 0777", "Old Mill Yard", "LS12 4AB", "Ashworth",
            "Park Lane", "LS8 2QB", self.new_keira,
        )  # fmt: skip


def cp_id_of(session: Session, n: int) -> str:
    child_id = session.scalar(
        select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(n))
    )
    cp_id = session.scalar(select(Child.cp_id).where(Child.id == child_id))
    assert cp_id is not None
    return cp_id


def load(session: Session, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_feed(tmp_path / f"{source}-{len(list(tmp_path.iterdir()))}.csv", source, rows)
    pipeline.load_file(session, source_name=source, path=path, loaded_by="test", today=TODAY)


@pytest.fixture
def world(committed_engine: Engine, tmp_path: Path) -> World:
    with db.unit_of_work() as session:
        keira = birth(5, **KEIRA_BORN, **OLD_HOME, mother_family_name="Blackwood")
        load(session, tmp_path, "gro-births", [birth(1), birth(2), keira])
        # Ben's NHS record, now at the refuge; Keira's new record after adoption.
        load(session, tmp_path, "nhs-demographics", [nhs_record(2, **REFUGE)])
        load(session, tmp_path, "nhs-demographics", [nhs_record(6, **KEIRA_NOW, **NEW_HOME)])
        for username, roles, la_code in (
            ("dee.manager", (Role.DATA_MANAGER,), LEEDS),
            ("nat.admin", (Role.NATIONAL_ADMIN,), LEEDS),
            ("kim.key", (Role.KEY_PROFESSIONAL,), LEEDS),
            ("hal.practitioner", (Role.PRACTITIONER, Role.KEY_PROFESSIONAL), HULL),
        ):
            active_user(session, username, *roles, la_code=la_code)
        here = World(
            ben=cp_id_of(session, 2),
            ava=cp_id_of(session, 1),
            keira=cp_id_of(session, 5),
            new_keira=cp_id_of(session, 6),
        )
        leeds = principal_of(session, "dee.manager")
        set_shield(session, leeds, here.ben, True, "fled domestic abuse: at a refuge")
        involve(session, "dee.manager", here.ben, **REFUGE_WORKER, started_on=date(2026, 10, 1))
        flags.set_flag(
            session, leeds, here.ava, FlagKind.CHILD_PROTECTION_PLAN, date(2026, 9, 1),
            today=TODAY,
        )  # fmt: skip
        close_for_new_identity(
            session, principal_of(session, "nat.admin"), here.keira, "adoption order",
            here.new_keira,
        )  # fmt: skip
        # Security review S1's scenario: a Hull practitioner takes up Ava's case, which
        # a Leeds key professional already works on (so Hull is told of Leeds's work).
        involve(session, "kim.key", here.ava, service_type="health visiting",
                organisation="Leeds Community Health", practitioner_name="Kim Key",
                practitioner_role="Health Visitor", email="kim@leeds.example",
                phone="0113 496 0200", started_on=date(2026, 10, 5))  # fmt: skip
        involve(session, "hal.practitioner", here.ava, service_type="youth offending",
                organisation="Hull Youth Justice", practitioner_name="Hal Practitioner",
                practitioner_role="Case Worker", email="hal@hull.example",
                phone="01482 300 300", started_on=date(2026, 10, 20))  # fmt: skip
    return here


def involve(session: Session, username: str, cp_id: str, **details: Any) -> None:
    involvement.register(
        session, principal_of(session, username), cp_id, InvolvementCreate(**details), today=TODAY
    )


def _routes(method: str) -> list[str]:
    found = set()
    for module in pkgutil.iter_modules(routes.__path__):
        loaded = importlib.import_module(f"{routes.__name__}.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, APIRouter):
                found.update(
                    r.path for r in value.routes if isinstance(r, APIRoute) and method in r.methods
                )
    return sorted(found)


def _ids(table: str) -> list[str]:
    with db.unit_of_work(read_only=True) as session:
        model = next(m for m in db.Base.registry.mappers if m.persist_selectable.name == table)
        return [str(i) for i in session.scalars(select(model.class_.id))]


def addresses(world: World, method: str = "GET", *, besides: str = "") -> list[str]:
    """Every page and API address to ask for: each route taking ``method``, with each
    child's ID and every id of the kind the route takes in its path (every username but
    ``besides``: a user suspending themselves would end the walk)."""
    with db.unit_of_work(read_only=True) as session:
        usernames = [u for u in session.scalars(select(User.username)) if u != besides]
    values = {
        "cp_id": [world.ben, world.keira, world.ava],
        "involvement_id": _ids("involvements"),
        "request_id": _ids("contact_requests"),
        "task_id": _ids("review_tasks"),
        "notification_id": _ids("notifications"),
        "signal_id": _ids("signals"),
        "flag_id": _ids("vulnerability_flags"),
        "merge_id": _ids("merges") or ["1"],
        "username": usernames,
        "decision": ["link", "keep-apart"],
        "source": ["local"],
    }
    asked = []
    for path in _routes(method):
        names = re.findall(r"{(\w+)}", path)
        fillings: list[str] = [path]
        for name in names:
            fillings = [
                filled.replace(f"{{{name}}}", value)
                for filled in fillings
                for value in values.get(name, ["1"])
            ]
        asked += [f"{filled}?reason=safeguarding" for filled in fillings]
    return asked


def searches(world: World) -> list[tuple[dict[str, str], tuple[str, ...]]]:
    """Searches naming what someone may know, each with the IDs its answer must not
    hold: Ben's stub answers a search by his name, never one naming where he lives."""
    ben = {"given_names": "Ben", "family_name": "Hussain", "date_of_birth": "2015-03-03"}
    born = {"born_from": "2015-01-01", "born_to": "2015-12-31"}
    keira_born = {**KEIRA_BORN, "date_of_birth": "2015-03-06"}
    return [
        ({**ben, "postcode": REFUGE["postcode"]}, (world.ben,)),
        ({"family_name": "Hussain", "postcode": REFUGE["postcode"], **born}, (world.ben,)),
        ({"postcode": REFUGE["postcode"], **born}, (world.ben,)),
        ({"address": REFUGE["address"], **born}, (world.ben,)),
        ({"family_name": "Hussain", "postcode": "LS9", **born}, (world.ben,)),
        (keira_born, (world.keira,)),
        ({**keira_born, **OLD_HOME}, (world.keira,)),
        ({"family_name": "Blackwood", **born}, (world.keira,)),
        ({"identifier": world.keira}, ()),
    ]


def as_hull(client: TestClient, username: str, role: Role) -> None:
    with db.unit_of_work() as session:
        secret = active_user(session, username, role, la_code=HULL).totp_secret
    assert secret
    sign_in(client, username, secret)


def _leaks(text: str, forbidden: tuple[str, ...]) -> list[str]:
    return [value for value in forbidden if value.lower() in text.lower()]


@pytest.mark.parametrize("role", HULL_ROLES, ids=[r.value for r in HULL_ROLES])
def test_no_page_api_answer_or_search_from_another_authority_discloses_either_child(
    world: World, role: Role
) -> None:
    leaks: dict[str, list[str]] = {}
    with TestClient(create_app()) as client:
        as_hull(client, f"hull.{role.value.replace('_', '')}", role)
        for address in addresses(world):
            given = tuple(cp for cp in (world.ben, world.keira) if cp in address)
            hidden = tuple(cp for cp in (world.ben, world.keira) if cp not in given)
            answer = client.get(address)
            assert answer.status_code < 500, address
            if found := _leaks(answer.text, world.never() + hidden):
                leaks[address] = found
        for fields, hidden in searches(world):
            query = {**fields, "reason": "safeguarding"}
            # The searcher's own words may be shown back to them; nothing else may.
            typed = " ".join(fields.values()).lower()
            forbidden = tuple(v for v in world.never() + hidden if v.lower() not in typed)
            for answer in (
                client.get("/api/v1/children", params=query),
                client.post(
                    "/search",
                    data={**query, "csrf_token": _csrf(client)},
                ),
            ):
                assert answer.status_code < 500, fields
                if found := _leaks(answer.text, forbidden):
                    leaks[f"search {sorted(fields.items())}"] = found
    assert leaks == {}


# Every field a form or an API body of the service takes, filled as someone in Hull
# might: each POST is a real attempt, answered by the route's own checks.
FORM = {
    "reason": "safeguarding", "reason_detail": "a referral about the family",
    "service_type": "youth offending", "organisation": "Hull Youth Justice",
    "practitioner_name": "Hal Practitioner", "practitioner_role": "Case Worker",
    "email": "hal@hull.example", "phone": "01482 300 300", "started_on": "2026-10-20",
    "kind": "child_protection_plan", "since": "2026-09-01", "message": "please call me",
    "shielded": "true", "given_names": "Ben", "family_name": "Hussain",
    "date_of_birth": "2015-03-03", "postcode": "LS9 7HQ", "coordinator_involvement_id": "1",
}  # fmt: skip
SIGNING = ("/sign-in", "/sign-in/code", "/sign-out")
UNKNOWN_CP_ID = new_cp_id(Random(20261206))


@pytest.mark.parametrize("role", HULL_ROLES, ids=[r.value for r in HULL_ROLES])
def test_no_form_or_api_post_from_another_authority_discloses_either_child(
    world: World, role: Role
) -> None:
    # Every POST and PUT route of the pages and the API with each child's ID and every
    # id the database holds: registering an involvement on Ben, shielding or unshielding
    # him, asking for contact, deciding a review, passing on a request, coordinating a
    # signal. Not overriding the shield: a key professional may break the glass, and
    # then sees the record, as the policy allows (flagged for investigation).
    username = f"hull.{role.value.replace('_', '')}"
    leaks: dict[str, list[str]] = {}
    unlike_unknown: list[str] = []
    with TestClient(create_app()) as client:
        as_hull(client, username, role)
        token = _csrf(client, "/inbox")

        def ask(method: str, address: str) -> Response:
            if address.startswith("/api/"):
                return client.request(
                    method, address, json=_body(address, method), headers={"X-CSRF-Token": token}
                )
            return client.request(
                method, address, data={**FORM, "csrf_token": token}, follow_redirects=True
            )

        for method in ("POST", "PUT"):
            for address in addresses(world, method, besides=username):
                if address.split("?")[0] in SIGNING or "/override?" in address:
                    continue
                answer = ask(method, address)
                assert answer.status_code < 500, address
                if world.keira in address:
                    # Security review S9: a closed ID answers exactly as one never issued.
                    unknown = ask(method, address.replace(world.keira, UNKNOWN_CP_ID))
                    if _gist(answer, world.keira) != _gist(unknown, UNKNOWN_CP_ID):
                        unlike_unknown.append(f"{method} {address}")
                given = tuple(cp for cp in (world.ben, world.keira) if cp in address)
                hidden = tuple(cp for cp in (world.ben, world.keira) if cp not in given)
                typed = " ".join(FORM.values()).lower()
                forbidden = tuple(v for v in world.never() + hidden if v.lower() not in typed)
                if found := _leaks(answer.text, forbidden):
                    leaks[f"{method} {address}"] = found
    assert leaks == {}
    assert unlike_unknown == []
    # Whatever those attempts set going, no e-mail to Hull tells more than before.
    test_no_e_mail_to_anyone_in_another_authority_discloses_either_child(world)


def _gist(answer: Response, cp_id: str) -> tuple[int, str]:
    """What an answer tells, the asked ID aside: its status, and an API answer's words or
    a page's title and error summary (a page also carries tokens that differ by request)."""
    text = answer.text.replace(cp_id, "ID")
    if answer.headers.get("content-type", "").startswith("application/json"):
        return answer.status_code, text
    parts = re.findall(r"<title>(.*?)</title>|<h1[^>]*>(.*?)</h1>", text, re.S)
    return answer.status_code, " ".join(" ".join(p) for p in parts)


def _body(address: str, method: str) -> dict[str, str]:
    """The fields of ``FORM`` the API route at ``address`` takes in its JSON body (it
    refuses any other)."""
    path = address.split("?")[0]
    for route in _api_routes():
        if method in route.methods and route.path_regex.match(path):
            fields: set[str] = set()
            for param in route.dependant.body_params:
                model = param.field_info.annotation
                fields |= set(getattr(model, "model_fields", {}))
            return {name: value for name, value in FORM.items() if name in fields}
    raise AssertionError(f"no API route for {method} {path}")


def _api_routes() -> list[APIRoute]:
    found = []
    for module in pkgutil.iter_modules(routes.__path__):
        loaded = importlib.import_module(f"{routes.__name__}.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, APIRouter):
                found += [r for r in value.routes if isinstance(r, APIRoute)]
    return found


def test_no_e_mail_to_anyone_in_another_authority_discloses_either_child(world: World) -> None:
    with db.unit_of_work(read_only=True) as session:
        hull = {
            u.email
            for u in session.scalars(select(User))
            if (org := session.get(Organisation, u.organisation_id)) and org.la_code == HULL
        }
        emails = [e for e in session.scalars(select(OutboxEmail)) if e.to_address in hull]
    assert emails, "the Hull practitioner was told of Ava's other practitioners"
    for email in emails:
        text = f"{email.subject}\n{email.body}"
        assert _leaks(text, (*world.never(), world.ben, world.keira)) == [], email.subject


def _csrf(client: TestClient, page: str = "/search") -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', client.get(page).text)
    assert found
    return found.group(1)


def test_no_report_for_another_authority_lists_either_child(world: World) -> None:
    from typer.testing import CliRunner

    from contactpoint.cli import app

    with db.unit_of_work() as session:
        active_user(session, "hull.reports", Role.DATA_MANAGER, la_code=HULL)
    runner = CliRunner()
    for report in (["missing-education", "--today", "2026-11-01"], ["no-gp"]):
        answer = runner.invoke(app, ["report", *report, "--as", "hull.reports"])
        assert answer.exit_code == 0, answer.output
        assert _leaks(answer.output, (*world.never(), world.ben, world.keira, "Hussain")) == []
    # The owning authority's data managers do see the shielded child in theirs.
    answer = runner.invoke(
        app, ["report", "missing-education", "--today", "2026-11-01", "--as", "dee.manager"]
    )
    assert answer.exit_code == 0 and world.ben in answer.output


def test_a_trace_of_a_list_naming_them_gives_neither_childs_id(
    world: World, tmp_path: Path
) -> None:
    # Batch tracing answers a list of names with ContactPoint IDs: Ben's row (by name,
    # and at the refuge) is a shielded record's stub, Keira's birth name is no match.
    from typer.testing import CliRunner

    from contactpoint.cli import app

    rows = [
        local_row(1, record_id="T-BEN", given_names="Ben", family_name="Hussain",
                  date_of_birth="2015-03-03", gender="M", **REFUGE),
        local_row(2, record_id="T-KEIRA", **KEIRA_BORN, date_of_birth="2015-03-06", gender="F",
                  **OLD_HOME),
        local_row(3, record_id="T-KEIRA-NEW", **KEIRA_BORN, date_of_birth="2015-03-06",
                  gender="F", **NEW_HOME),
    ]  # fmt: skip
    traced = write_feed(tmp_path / "trace.csv", "local", rows)
    answer = CliRunner().invoke(app, ["trace", str(traced), "--out", str(tmp_path / "out.csv")])
    assert answer.exit_code == 0, answer.output
    written = (tmp_path / "out.csv").read_text()
    assert _leaks(written, (world.ben, world.keira, world.new_keira)) == []
    decisions = {r["record_id"]: r["decision"] for r in csv.DictReader(written.splitlines())}
    assert decisions["T-BEN"].startswith("matched: a shielded record")
    assert decisions["T-KEIRA"] == "no match" and decisions["T-KEIRA-NEW"] == "no match"


def _commands(cp_id: str, username: str) -> list[list[str]]:
    """Every command that acts on a child on someone's behalf (``--as``)."""
    acting = ["--as", username]
    return [
        ["shield", "set", cp_id, "--reason", "safeguarding", *acting],
        ["shield", "lift", cp_id, "--reason", "safeguarding", *acting],
        ["retention", "archive-age", cp_id, "21", "--evidence", "asked", *acting],
        ["departure", "record", cp_id, "--on", "2026-10-01", "--reason", "school", *acting],
        ["identity", "trace", cp_id, *acting],
        ["identity", "close", cp_id, "--reason", "adoption order", *acting],
        ["flag", "set", cp_id, "--kind", "looked_after", "--start", "2026-10-01", *acting],
    ]


@pytest.mark.parametrize("role", HULL_ROLES, ids=[r.value for r in HULL_ROLES])
def test_no_command_run_for_someone_in_another_authority_discloses_either_child(
    world: World, role: Role
) -> None:
    from typer.testing import CliRunner

    from contactpoint.cli import app

    username = f"hull.cli{role.value.replace('_', '')}"
    with db.unit_of_work() as session:
        active_user(session, username, role, la_code=HULL)
    runner = CliRunner()

    def run(command: list[str], cp_id: str) -> tuple[int, str]:
        answer = runner.invoke(app, command)
        return answer.exit_code, answer.output.replace(cp_id, "ID")

    for ben, keira, unknown in zip(
        _commands(world.ben, username),
        _commands(world.keira, username),
        _commands(UNKNOWN_CP_ID, username),
        strict=True,
    ):
        code, output = run(ben, world.ben)
        assert code != 0 and _leaks(output, (*world.never(), world.keira)) == [], ben
        # A closed ID answers exactly as one never issued (security review S9).
        assert run(keira, world.keira) == run(unknown, UNKNOWN_CP_ID), keira
    with db.unit_of_work(read_only=True) as session:
        ben_now = session.scalar(select(Child).where(Child.cp_id == world.ben))
        keira_now = session.scalar(select(Child).where(Child.cp_id == world.keira))
        assert ben_now is not None and ben_now.shielded
        assert keira_now is not None and keira_now.status.value == "closed"
