"""What ``bench/signposting.py`` builds on the loaded index: organisations, practitioners
and key professionals, involvements and flags, and a children's-services file of changes.

Every name, e-mail address and telephone number comes from the synthetic generator
(``contactpoint.synth``); nothing is real.
"""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from contactpoint.access import accounts
from contactpoint.access.policy import Principal
from contactpoint.audit.service import Actor
from contactpoint.children.record import sensitive_category
from contactpoint.identifiers import normalise_phone
from contactpoint.kinds.access import OrganisationKind, Role, UserStatus
from contactpoint.kinds.children import ChildStatus
from contactpoint.signposting import feed, signals
from contactpoint.synth.geography import LocalAuthority, lay_out_streets, load_geography
from contactpoint.synth.names import NameBook, strip_accents
from contactpoint.synth.services import set_up_services, uk_phone_number
from contactpoint.tables.access import User, UserRole
from contactpoint.tables.children import Child
from contactpoint.tables.feeds import FeedRun
from contactpoint.tables.signposting import FlagKind, Involvement, Origin, VulnerabilityFlag

SOURCE = "la-childrens-services"
SETUP = Actor("bench setup")
KEY_ROLES = ("Social Worker", "Senior Social Worker", "Designated Safeguarding Lead")


@dataclass(frozen=True, slots=True)
class Practitioner:
    gss: str
    service: str
    name: str
    role: str
    organisation: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class Known:
    """A child of the index as a source would describe it."""

    id: int
    cp_id: str
    la_code: str
    given_names: str
    family_name: str
    date_of_birth: date
    gender: str
    address: str
    postcode: str


@dataclass
class World:
    today: date
    authorities: dict[str, LocalAuthority]
    practitioners: dict[tuple[str, str], list[Practitioner]]
    key_professionals: list[Principal] = field(default_factory=list)
    flagged: list[Known] = field(default_factory=list)
    others: list[Known] = field(default_factory=list)
    involved: set[int] = field(default_factory=set)
    timings: dict[str, float] = field(default_factory=dict)


def practitioners(seed: int, children: int) -> tuple[dict[str, LocalAuthority], list[Practitioner]]:
    """The generator's practitioners (the same as in its children's-services file for
    this seed and size), and a designated safeguarding lead for every school."""
    names = NameBook()
    geography = load_geography()
    lay_out_streets(random.Random(f"{seed}:streets"), geography, children)
    services = set_up_services(random.Random(f"{seed}:services"), geography, names, children)
    found = [
        Practitioner(gss, service, p.name, p.role, p.organisation, p.email, p.phone)
        for (gss, service), pool in services.practitioners.items()
        for p in pool
    ]
    rng = random.Random(f"{seed}:bench-signposting-staff")
    for (gss, _phase), schools in services.schools.items():
        authority = next(a for a in geography.authorities if a.gss == gss)
        for school in schools:
            given = names.parent_given(rng, "white_british", "F" if rng.random() < 0.75 else "M")
            family = names.family(rng, "white_british")
            local = re.sub(r"[^a-z.]", "", strip_accents(f"{given}.{family}").lower())
            found.append(
                Practitioner(
                    gss,
                    "education",
                    f"{given} {family}",
                    "Designated Safeguarding Lead",
                    school.name,
                    f"{local}@{school.urn}.schools.{authority.domain}",
                    uk_phone_number(rng, authority.phone_area),
                )
            )
    return {a.gss: a for a in geography.authorities}, found


def build_world(
    session: Session,
    today: date,
    *,
    involvements: int,
    flagged_share: float,
    seed: int,
    children: int,
) -> World:
    """Accounts, involvements, flags and signals on the loaded index."""
    rng = random.Random(f"{seed}:bench-signposting")
    authorities, staff = practitioners(seed, children)
    pools: dict[tuple[str, str], list[Practitioner]] = defaultdict(list)
    for person in staff:
        pools[(person.gss, person.service)].append(person)
    world = World(today, authorities, dict(pools))
    user_ids = _accounts(session, world, staff)

    started = time.perf_counter()
    runs = session.scalars(select(FeedRun.id).where(FeedRun.source == SOURCE)).all()
    for run_id in runs:
        feed.apply(session, run_id, today)
    world.timings["feed.apply on the children's-services file already loaded"] = (
        time.perf_counter() - started
    )

    everyone = _children(session)
    by_id = {c.id: c for c in everyone}
    held = session.scalars(select(Involvement.child_id)).all()
    flagged_ids = set(
        session.scalars(
            select(VulnerabilityFlag.child_id).where(VulnerabilityFlag.child_id.is_not(None))
        )
    )
    want = round(len(everyone) * flagged_share)
    unflagged = [c for c in everyone if c.id not in flagged_ids]
    rng.shuffle(unflagged)
    newly = unflagged[: max(0, want - len(flagged_ids))]
    _flags(session, world, newly, rng)
    flagged_ids |= {c.id for c in newly}
    world.flagged = [by_id[i] for i in sorted(flagged_ids) if i in by_id]
    world.others = [c for c in unflagged[len(newly) :]]

    # Flagged children have more practitioners around them than others.
    weights = accumulate(3.0 if c.id in flagged_ids else 0.08 for c in everyone)
    _involvements(session, world, everyone, list(weights), involvements - len(held), user_ids, rng)
    world.involved = set(session.scalars(select(Involvement.child_id).distinct()))

    started = time.perf_counter()
    signals.raise_signals(session, sorted(world.involved), today)
    world.timings["raise_signals over every involved child"] = time.perf_counter() - started
    return world


def _accounts(session: Session, world: World, staff: list[Practitioner]) -> dict[str, int]:
    """An organisation per authority; an account per practitioner, key professionals
    up to the cap; a data manager. Returns user ids by e-mail address."""
    for authority in world.authorities.values():
        accounts.create_organisation(
            session,
            SETUP,
            code=f"LA-{authority.gss}",
            name=authority.council,
            kind=OrganisationKind.LOCAL_AUTHORITY,
            la_code=authority.gss,
            team_email=f"contactpoint@{authority.domain}",
            team_phone=f"{authority.phone_area} 496 0000",
        )
    organisations = {
        o.la_code: o
        for o in accounts.organisations_for(
            session, Principal(0, "bench", frozenset({Role.NATIONAL_ADMIN}), None)
        )
    }
    cap = 10
    named: dict[str, int] = defaultdict(int)
    users: list[User] = []
    keys: list[bool] = []
    taken: set[str] = set()
    ordered = sorted(staff, key=lambda p: (p.role not in KEY_ROLES, p.gss, p.email))
    for person in ordered:
        username = person.email.split("@")[0]
        while username in taken:
            username += "1"
        taken.add(username)
        key = person.role in KEY_ROLES and named[person.gss] < cap
        named[person.gss] += key
        users.append(
            _user(
                username,
                person.name,
                person.email,
                organisations[person.gss].id,
                person.role,
                world.today,
            )
        )
        keys.append(key)
    for gss, organisation in organisations.items():
        assert gss is not None
        users.append(
            _user(
                f"dm.{gss.lower()}",
                "Data Manager",
                f"dm@{gss.lower()}.example",
                organisation.id,
                "ContactPoint data manager",
                world.today,
            )
        )
        keys.append(False)
    session.add_all(users)
    session.flush()
    roles = []
    for user, key in zip(users, keys, strict=True):
        role = Role.DATA_MANAGER if user.username.startswith("dm.") else Role.PRACTITIONER
        roles.append({"user_id": user.id, "role": role, "granted_by": SETUP.name})
        if key:
            roles.append(
                {"user_id": user.id, "role": Role.KEY_PROFESSIONAL, "granted_by": SETUP.name}
            )
            la_code = next(
                o.la_code for o in organisations.values() if o.id == user.organisation_id
            )
            world.key_professionals.append(
                Principal(
                    user.id,
                    user.username,
                    frozenset({Role.PRACTITIONER, Role.KEY_PROFESSIONAL}),
                    la_code,
                )
            )
    session.execute(insert(UserRole), roles)
    return {u.email: u.id for u in users}


def _user(
    username: str, name: str, email: str, organisation_id: int, title: str, today: date
) -> User:
    return User(
        username=username,
        display_name=name,
        email=email,
        job_title=title,
        organisation_id=organisation_id,
        status=UserStatus.ACTIVE,
        training_completed_on=today,
        vetting_checked_on=today,
        agreement_signed_on=today,
        certified_until=today + timedelta(days=365),
        created_by=SETUP.name,
    )


def _children(session: Session) -> list[Known]:
    rows = session.execute(
        select(
            Child.id,
            Child.cp_id,
            Child.responsible_la_code,
            Child.given_names,
            Child.family_name,
            Child.date_of_birth,
            Child.gender,
            Child.address_line,
            Child.postcode,
        )
        .where(
            Child.status == ChildStatus.ACTIVE,
            Child.shielded.is_(False),
            Child.date_of_birth.is_not(None),
            Child.responsible_la_code.is_not(None),
            Child.given_names.is_not(None),
            Child.family_name.is_not(None),
        )
        .order_by(Child.id)
    )
    return [Known(*(value if value is not None else "" for value in row)) for row in rows]


def _flags(session: Session, world: World, children: list[Known], rng: random.Random) -> None:
    """Child protection plans and looked-after periods set by each authority's data manager."""
    rows = []
    for child in children:
        started = world.today - timedelta(days=rng.randint(7, 900))
        ended = None
        if rng.random() < 0.1:
            ended = started + timedelta(days=rng.randint(1, (world.today - started).days))
        rows.append(
            {
                "child_id": child.id,
                "kind": rng.choice((FlagKind.CHILD_PROTECTION_PLAN, FlagKind.LOOKED_AFTER)),
                "started_on": started,
                "ended_on": ended,
                "la_code": child.la_code,
                "origin": Origin.PRACTITIONER,
                "set_by": f"dm.{child.la_code.lower()}",
            }
        )
    if rows:
        session.execute(insert(VulnerabilityFlag), rows)


def _involvements(
    session: Session,
    world: World,
    children: list[Known],
    cumulative_weights: list[float],
    count: int,
    user_ids: dict[str, int],
    rng: random.Random,
) -> None:
    """``count`` involvements, each registered by a practitioner of the child's
    authority, on children drawn by weight."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    services = sorted({service for _gss, service in world.practitioners})
    while len(rows) < count:
        [child] = rng.choices(children, cum_weights=cumulative_weights)
        service = rng.choice(services)
        pool = (
            world.practitioners.get((child.la_code, service))
            or world.practitioners[(child.la_code, "social care")]
        )
        person = rng.choice(pool)
        if (child.id, person.email) in seen:
            continue
        seen.add((child.id, person.email))
        registered = world.today - timedelta(days=rng.randint(0, 700))
        started = registered - timedelta(days=rng.randint(0, 60))
        ended = (
            registered + timedelta(days=rng.randint(0, (world.today - registered).days))
            if rng.random() < 0.08
            else None
        )
        sensitive = sensitive_category(person.service) is not None
        rows.append(
            {
                "child_id": child.id,
                "user_id": user_ids[person.email],
                "origin": Origin.PRACTITIONER,
                "service_type": person.service,
                "organisation": person.organisation,
                "la_code": person.gss,
                "practitioner_name": person.name,
                "practitioner_role": person.role,
                "email": person.email,
                "phone": normalise_phone(person.phone),
                "started_on": started,
                "lead_professional": rng.random() < 0.2,
                "early_help_assessment": person.service == "early help" and rng.random() < 0.5,
                "sensitive": sensitive,
                "consent_evidence": "The young person agreed at assessment" if sensitive else None,
                "active_until": registered + timedelta(days=730),
                "ended_on": ended,
                "end_reason": "case closed" if ended else None,
                "visible_until": ended + timedelta(days=1826) if ended else None,
                "registered_by": person.email.split("@")[0],
            }
        )
    session.execute(insert(Involvement), rows)
