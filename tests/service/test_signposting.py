"""Signposting on both databases: involvement, flags, match signals (child and family),
the signposting question, contact alerts, brokered contact, housekeeping, the cap on key
professionals and the children's-services feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from contactpoint.access import accounts, key_professionals
from contactpoint.access.caps import CapReached
from contactpoint.access.policy import Principal
from contactpoint.access.reasons import reason
from contactpoint.errors import AccessRefused, InvalidValue, NotFound
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.signposting import alerts, brokered, flags, involvement, query, signals
from contactpoint.signposting.guard import person
from contactpoint.signposting.involvement import InvolvementCreate, InvolvementRefused
from contactpoint.tables.access import Organisation
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child, ChildIdentifier, SensitiveConsent
from contactpoint.tables.notify import Notification, OutboxEmail
from contactpoint.tables.signposting import (
    ContactEvent,
    FlagKind,
    Involvement,
    Signal,
    SignalKind,
    VulnerabilityFlag,
)
from tests.builders import birth, nhs_number, snapshot, write_feed
from tests.people import HULL, LEEDS, SETUP, active_user

TODAY = date(2026, 11, 1)
WHY = reason("safeguarding")


@dataclass
class World:
    session: Session
    ava: str  # flagged: child protection plan
    ben: str  # Ava's brother (same mother and home), not flagged
    cara: str  # no flag, another family

    def principal(self, username: str) -> Principal:
        user = accounts.user(self.session, username)
        org = self.session.get(Organisation, user.organisation_id)
        assert org is not None
        return Principal(
            user.id, user.username, accounts.roles_of(self.session, user.id), org.la_code
        )

    def child(self, cp_id: str) -> Child:
        found = self.session.scalar(select(Child).where(Child.cp_id == cp_id))
        assert found is not None
        return found


def _load(session: Session, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_feed(
        tmp_path / f"{source}-{len(rows)}-{rows[0]['record_id'][-3:]}.csv", source, rows
    )
    pipeline.load_file(session, source_name=source, path=path, loaded_by="test", today=TODAY)


def _cp_id(session: Session, n: int) -> str:
    child_id = session.scalar(
        select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(n))
    )
    cp_id = session.scalar(select(Child.cp_id).where(Child.id == child_id))
    assert cp_id is not None
    return cp_id


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    other_family = {"mother_given_names": "Jo", "mother_family_name": "Reid", "postcode": "LS8 2QB"}
    _load(session, tmp_path, "gro-births", [birth(1), birth(2), birth(3, **other_family)])
    for username, roles, la_code in (
        ("kim.key", (Role.KEY_PROFESSIONAL,), LEEDS),
        ("lee.key", (Role.KEY_PROFESSIONAL,), LEEDS),
        ("pat.practitioner", (Role.PRACTITIONER,), LEEDS),
        ("hal.key", (Role.KEY_PROFESSIONAL,), HULL),
        ("dee.manager", (Role.DATA_MANAGER,), LEEDS),
        ("ula.admin", (Role.USER_ADMIN,), LEEDS),
    ):
        active_user(session, username, *roles, la_code=la_code)
    here = World(session, _cp_id(session, 1), _cp_id(session, 2), _cp_id(session, 3))
    flags.set_flag(
        session,
        here.principal("dee.manager"),
        here.ava,
        FlagKind.CHILD_PROTECTION_PLAN,
        date(2026, 9, 1),
        today=TODAY,
    )
    return here


def details(name: str, **changes: Any) -> InvolvementCreate:
    values: dict[str, Any] = {
        "service_type": "social care",
        "organisation": "Leeds Children's Social Care",
        "practitioner_name": name,
        "practitioner_role": "Social Worker",
        "email": f"{name.split()[0].lower()}@leeds.example",
        "phone": "0113 496 0123",
        "started_on": date(2026, 10, 1),
    } | changes
    return InvolvementCreate(**values)


def register(world: World, username: str, cp_id: str, **changes: Any) -> Involvement:
    return involvement.register(
        world.session,
        world.principal(username),
        cp_id,
        details(username.split(".")[0].title(), **changes),
        today=TODAY,
    )


def inbox_of(session: Session, username: str, kind: str = "match_signal") -> list[Notification]:
    user = accounts.user(session, username)
    return list(
        session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def test_a_second_practitioner_on_a_flagged_child_signals_both_once(world: World) -> None:
    register(world, "kim.key", world.ava)
    assert inbox_of(world.session, "kim.key") == []
    register(world, "lee.key", world.ava, service_type="health visiting")
    kim, lee = inbox_of(world.session, "kim.key"), inbox_of(world.session, "lee.key")
    assert len(kim) == 1 and len(lee) == 1
    assert "Lee" in kim[0].body and "lee@leeds.example" in kim[0].body
    assert "Kim" in lee[0].body
    assert world.session.scalar(select(func.count()).select_from(OutboxEmail)) == 2
    # A third practitioner: only the new pairings are signalled; Kim and Lee are not
    # told of each other again.
    register(world, "pat.practitioner", world.ava, service_type="early help")
    assert len(inbox_of(world.session, "kim.key")) == 2
    assert "lee@leeds.example" not in inbox_of(world.session, "kim.key")[-1].body
    assert len(inbox_of(world.session, "pat.practitioner")) == 1


def test_no_signal_for_a_child_without_a_flag_until_one_is_set(world: World) -> None:
    register(world, "kim.key", world.cara)
    register(world, "lee.key", world.cara, service_type="health visiting")
    assert world.session.scalar(select(func.count()).select_from(Signal)) == 0
    flags.set_flag(
        world.session,
        world.principal("dee.manager"),
        world.cara,
        FlagKind.LOOKED_AFTER,
        date(2026, 10, 20),
        today=TODAY,
    )
    assert len(inbox_of(world.session, "kim.key")) == 1
    assert len(inbox_of(world.session, "lee.key")) == 1


def test_practitioners_of_a_flagged_childs_brother_form_a_family_match(world: World) -> None:
    register(world, "kim.key", world.ava)
    register(world, "lee.key", world.ben, service_type="health visiting")
    found = world.session.scalars(select(Signal)).all()
    assert [s.kind for s in found] == [SignalKind.FAMILY]
    assert "brother or sister" in inbox_of(world.session, "kim.key")[0].body


def test_a_duplicate_registration_is_refused_and_nothing_changes(world: World) -> None:
    register(world, "kim.key", world.ava)
    before = snapshot(world.session)
    with pytest.raises(InvolvementRefused, match="already registered"):
        register(world, "kim.key", world.ava)
    assert snapshot(world.session) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-address", "phone": None}, "email"),
        ({"email": None, "phone": None}, "email"),
        ({"phone": "12"}, "telephone number"),
        ({"started_on": TODAY + timedelta(days=1)}, "started_on"),
        ({"practitioner_name": "  "}, "practitioner_name"),
        ({"service_type": "CAMHS"}, "consent_evidence"),
    ],
)
def test_bad_involvement_details_are_refused_naming_the_field(
    world: World, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        register(world, "kim.key", world.ava, **changes)
    assert refused.value.field == field
    assert world.session.scalar(select(func.count()).select_from(Involvement)) == 0


def test_registering_with_a_child_who_does_not_exist_or_may_not_be_seen_is_refused(
    world: World,
) -> None:
    with pytest.raises(NotFound):
        register(world, "kim.key", "CP-000-000-000")
    world.child(world.cara).shielded = True
    with pytest.raises(AccessRefused):
        register(world, "pat.practitioner", world.cara)
    world.child(world.cara).shielded = False
    world.child(world.cara).status = ChildStatus.ARCHIVED
    with pytest.raises(AccessRefused):
        register(world, "pat.practitioner", world.cara)
    assert world.session.scalar(select(func.count()).select_from(Involvement)) == 0


def test_a_practitioner_ends_only_their_own_involvement(world: World) -> None:
    kims = register(world, "kim.key", world.ava)
    with pytest.raises(AccessRefused):
        involvement.end(world.session, world.principal("lee.key"), kims.id, "moved on", today=TODAY)
    assert kims.ended_on is None
    involvement.end(world.session, world.principal("kim.key"), kims.id, "case closed", today=TODAY)
    assert kims.ended_on == TODAY
    assert kims.visible_until == TODAY + timedelta(days=1826)
    other = register(world, "lee.key", world.ava)
    involvement.end(world.session, world.principal("dee.manager"), other.id, "left", today=TODAY)
    assert other.ended_on == TODAY


def test_signposting_shows_key_and_lead_professionals_and_nothing_more(world: World) -> None:
    register(world, "kim.key", world.ava)
    register(world, "pat.practitioner", world.ava, service_type="early help")
    register(world, "hal.key", world.ava, service_type="youth justice", organisation="Hull YJS")
    lead = register(
        world, "lee.key", world.cara, lead_professional=True
    )  # another child: never shown for Ava
    answer = query.signpost(world.session, world.principal("kim.key"), world.ava, WHY, today=TODAY)
    assert answer.flagged
    assert [f.kind for f in answer.flags] == ["Child protection plan"]
    assert [c.name for c in answer.current] == ["Hal"]  # not Kim herself, not Pat
    assert lead.id not in {c.involvement_id for c in answer.current}
    # Pat is counted, not named (issue 16: the answer said no one else was involved).
    assert answer.others == 1
    entry = world.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "signposting.query"
    with pytest.raises(AccessRefused, match="key professionals"):
        query.signpost(world.session, world.principal("pat.practitioner"), world.ava, WHY)


def test_a_past_involvement_stays_visible_then_is_purged(world: World) -> None:
    hals = register(world, "hal.key", world.ava, organisation="Hull YJS")
    involvement.end(world.session, world.principal("hal.key"), hals.id, "closed", today=TODAY)
    answer = query.signpost(world.session, world.principal("kim.key"), world.ava, WHY, today=TODAY)
    assert [c.name for c in answer.past] == ["Hal"] and answer.current == ()
    later = TODAY + timedelta(days=1827)
    done = involvement.housekeeping(world.session, later)
    assert done.purged == 1
    assert world.session.get(Involvement, hals.id) is None
    assert involvement.housekeeping(world.session, later).purged == 0


def test_an_involvement_is_reminded_a_month_before_it_lapses_then_lapses(world: World) -> None:
    kims = register(world, "kim.key", world.ava)
    assert kims.active_until == TODAY + timedelta(days=730)
    done = involvement.housekeeping(world.session, kims.active_until - timedelta(days=30))
    assert done.reminded == 1
    assert len(inbox_of(world.session, "kim.key", "reminder")) == 1
    assert (
        involvement.housekeeping(world.session, kims.active_until - timedelta(days=29)).reminded
        == 0
    )
    involvement.renew(world.session, world.principal("kim.key"), kims.id, today=kims.active_until)
    assert kims.reminded_on is None
    done = involvement.housekeeping(world.session, kims.active_until + timedelta(days=1))
    assert done.lapsed == 1
    assert kims.end_reason == "lapsed: not renewed"


def test_a_view_from_outside_the_responsible_authority_alerts_the_social_worker(
    world: World,
) -> None:
    register(world, "kim.key", world.ava)  # Leeds social care: Ava's social worker
    hull = world.principal("hal.key")
    me = person(world.session, hull)
    alerts.contact(world.session, me, world.child(world.ava), alerts.VIEWED, "GP visit", TODAY)
    told = inbox_of(world.session, "kim.key", "contact_alert")
    assert len(told) == 1 and "Hal Key" in told[0].body and "GP visit" in told[0].body
    # Someone from the responsible authority is no contact to alert about.
    leeds = person(world.session, world.principal("lee.key"))
    assert (
        alerts.contact(world.session, leeds, world.child(world.ava), alerts.VIEWED, None, TODAY)
        is None
    )
    shown = alerts.recent_contacts(world.session, world.principal("kim.key"), world.ava)
    assert [(c.who, c.organisation) for c in shown] == [("Hal Key", "Council E06000010")]
    with pytest.raises(AccessRefused):
        alerts.recent_contacts(world.session, world.principal("pat.practitioner"), world.ava)


def test_without_a_social_worker_the_duty_inbox_is_told(world: World) -> None:
    me = person(world.session, world.principal("hal.key"))
    alerts.contact(world.session, me, world.child(world.ava), alerts.REGISTERED, None, TODAY)
    email = world.session.scalars(select(OutboxEmail)).one()
    assert email.to_address == f"contactpoint@{LEEDS.lower()}.example"
    assert world.session.scalar(select(func.count()).select_from(ContactEvent)) == 1
    # The data managers are told in their inboxes too (issue 19, item 5: where the
    # authority had a team address, only that was e-mailed).
    assert len(inbox_of(world.session, "dee.manager", "contact_alert")) == 1


def test_one_outsiders_contacts_in_a_day_are_one_alert_for_each_person_told(
    world: World,
) -> None:
    # Issue 19, item 5: 27 views by one outsider made 27 notifications for each data
    # manager, and a social worker on record kept the data managers from being told.
    register(world, "kim.key", world.ava)  # Ava's social worker, with an account
    me = person(world.session, world.principal("hal.key"))
    ava = world.child(world.ava)
    world.session.execute(delete(OutboxEmail))
    morning = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for n in range(27):
        at = morning + timedelta(minutes=n)
        alerts.contact(world.session, me, ava, alerts.VIEWED, f"visit {n}", TODAY, at)
    for username in ("kim.key", "dee.manager"):
        (alert,) = inbox_of(world.session, username, "contact_alert")
        assert alert.body.count("Reason given") == 27 and "visit 26" in alert.body
        assert alert.subject == "Contact alerts: Hal Key of Council E06000010 (27 today)"
    # E-mailed once each: the social worker, and the team address (not the managers).
    sent = sorted(world.session.scalars(select(OutboxEmail.to_address)))
    kim = accounts.user(world.session, "kim.key").email
    assert sent == sorted([kim, f"contactpoint@{LEEDS.lower()}.example"])
    # Another day, another alert.
    next_day = TODAY + timedelta(days=1)
    alerts.contact(
        world.session, me, ava, alerts.VIEWED, "again", next_day, morning + timedelta(days=1)
    )
    assert len(inbox_of(world.session, "dee.manager", "contact_alert")) == 2
    assert world.session.scalar(select(func.count()).select_from(OutboxEmail)) == 4


def test_a_contact_with_an_undisclosed_sensitive_service_is_brokered(world: World) -> None:
    camhs = register(
        world, "lee.key", world.ava, service_type="CAMHS", consent_evidence="verbal, 1 Oct"
    )
    answer = query.signpost(world.session, world.principal("kim.key"), world.ava, WHY, today=TODAY)
    assert answer.undisclosed == 1 and answer.current == ()
    request = brokered.request_contact(
        world.session, world.principal("kim.key"), world.ava, "Need to talk", today=TODAY
    )
    assert len(inbox_of(world.session, "dee.manager", "contact_request")) == 1
    with pytest.raises(AccessRefused):
        brokered.pass_on(world.session, world.principal("hal.key"), request.id, today=TODAY)
    brokered.pass_on(world.session, world.principal("dee.manager"), request.id, today=TODAY)
    to_service = inbox_of(world.session, "lee.key", "contact_request")
    assert len(to_service) == 1 and "Need to talk" in to_service[0].body
    told = inbox_of(world.session, "kim.key", "contact_passed_on")
    assert len(told) == 1 and "CAMHS" not in told[0].body
    # With consent to share recorded, the service is shown and nothing is brokered.
    world.session.add(
        SensitiveConsent(
            child_id=camhs.child_id, service_type="mental health", evidence="x", recorded_by="dee"
        )
    )
    world.session.flush()
    answer = query.signpost(world.session, world.principal("kim.key"), world.ava, WHY, today=TODAY)
    assert [c.service_type for c in answer.current] == ["CAMHS"]
    with pytest.raises(brokered.ContactRequestRefused):
        brokered.request_contact(world.session, world.principal("kim.key"), world.ava, "again")


def test_key_professionals_are_capped_per_organisation(world: World) -> None:
    admin = world.principal("ula.admin")
    org = accounts.organisation(world.session, f"LA-{LEEDS}")
    org.key_professional_cap = 2  # Kim and Lee
    with pytest.raises(CapReached):
        key_professionals.appoint(world.session, admin, "pat.practitioner")
    key_professionals.release(world.session, admin, "lee.key")
    key_professionals.appoint(world.session, admin, "pat.practitioner")
    assert Role.KEY_PROFESSIONAL in accounts.roles_of(
        world.session, accounts.user(world.session, "pat.practitioner").id
    )
    with pytest.raises(CapReached):
        accounts.create_user(
            world.session, SETUP, username="new.key", display_name="New Key",
            email="new@example.org", organisation_code=org.code, roles=[Role.KEY_PROFESSIONAL],
        )  # fmt: skip
    with pytest.raises(AccessRefused):
        key_professionals.appoint(world.session, world.principal("dee.manager"), "lee.key")
    actions = world.session.scalars(select(AuditEntry.action)).all()
    assert "key_professional.appoint" in actions and "key_professional.release" in actions


def test_the_childrens_services_feed_brings_involvements_flags_and_signals(
    world: World, tmp_path: Path
) -> None:
    kim = accounts.user(world.session, "kim.key")
    row = {
        "record_id": "LCS-1", "la_code": LEEDS, "la_child_id": "C00003",
        **{k: birth(3)[k] for k in ("given_names", "family_name", "date_of_birth", "gender")},
        "nhs_number": nhs_number(3), "service_type": "social care",
        "organisation": "Leeds Children's Social Care", "practitioner_name": "Kim Key",
        "practitioner_email": kim.email, "practitioner_phone": "0113 496 0123",
        "involvement_start": "2026-09-01", "lead_professional": "Y",
        "looked_after_start": "2026-09-02",
    }  # fmt: skip
    register(world, "lee.key", world.cara, service_type="health visiting")
    _load(world.session, tmp_path, "la-childrens-services", [row])
    fed = world.session.scalars(select(Involvement).where(Involvement.feed_key.is_not(None))).one()
    assert fed.user_id == kim.id and fed.lead_professional
    flag = world.session.scalars(
        select(VulnerabilityFlag).where(VulnerabilityFlag.feed_key.is_not(None))
    ).one()
    assert flag.kind is FlagKind.LOOKED_AFTER and flag.la_code == LEEDS
    assert len(inbox_of(world.session, "lee.key")) == 1
    # The same row changed: the involvement and flag are updated, not added to.
    _load(
        world.session,
        tmp_path,
        "la-childrens-services",
        [{**row, "looked_after_end": "2026-10-30"}],
    )
    assert world.session.scalar(select(func.count()).select_from(Involvement)) == 2
    assert flag.ended_on == date(2026, 10, 30)


def test_a_pre_birth_plan_passes_to_the_child_at_birth_registration(
    world: World, tmp_path: Path
) -> None:
    mother = flags.Mother("Amira", "Khan", "LS7 3AA")
    flag = flags.set_pre_birth_flag(
        world.session, world.principal("dee.manager"), mother, date(2026, 10, 20),
        date(2026, 6, 1), today=TODAY,
    )  # fmt: skip
    with pytest.raises(AccessRefused):
        flags.set_pre_birth_flag(
            world.session, world.principal("kim.key"), mother, date(2026, 10, 20), date(2026, 6, 1),
            today=TODAY,
        )  # fmt: skip
    newborn = birth(
        7, record_id="2026/LDS/00007", date_of_birth="2026-10-24", registration_date="2026-10-30",
        mother_given_names="Amira", mother_family_name="Khan", postcode="LS7 3AA",
    )  # fmt: skip
    _load(world.session, tmp_path, "gro-births", [newborn])
    assert flag.child_id == world.session.scalar(
        select(Child.id).where(Child.date_of_birth == date(2026, 10, 24))
    )
    assert flag.carried_over_at is not None


def test_only_those_told_record_who_coordinates(world: World) -> None:
    kims = register(world, "kim.key", world.ava)
    register(world, "lee.key", world.ava, service_type="health visiting")
    found = signals.signals_for(world.session, world.principal("lee.key"))
    assert len(found) == 1
    with pytest.raises(AccessRefused):
        signals.coordinate(world.session, world.principal("hal.key"), found[0].id, kims.id)
    done = signals.coordinate(world.session, world.principal("lee.key"), found[0].id, kims.id)
    assert done.coordinator_id == kims.id and done.coordinated_at is not None
    with pytest.raises(InvalidValue):
        signals.coordinate(world.session, world.principal("lee.key"), found[0].id, 999_999)


def test_users_are_told_nothing_by_e_mail_but_where_to_sign_in(world: World) -> None:
    register(world, "kim.key", world.ava)
    register(world, "lee.key", world.ava, service_type="health visiting")
    ava = world.child(world.ava)
    for email in world.session.scalars(select(OutboxEmail)):
        assert ava.given_names not in email.body and ava.family_name not in email.body
        assert "Kim" not in email.body


def test_a_shielded_brother_and_those_working_with_him_are_in_no_signal(world: World) -> None:
    # Security review S1: the flagged sister's practitioner was told of the shielded
    # brother's CP ID, then of the refuge worker the owning authority recorded for him.
    world.child(world.ben).shielded = True
    register(world, "hal.key", world.ava)
    # The owning authority records the refuge worker (its data managers see him in full).
    register(world, "dee.manager", world.ben, service_type="refuge support",
             organisation="Leeds Women's Refuge", email="refuge@leeds.example")  # fmt: skip
    assert world.session.scalars(select(Signal)).all() == []
    for username in ("hal.key", "dee.manager"):
        for told in inbox_of(world.session, username):
            assert world.ben not in told.body and "refuge" not in told.body.lower()
    emails = world.session.scalars(select(OutboxEmail)).all()
    assert not any(world.ben in (e.body or "") for e in emails)


def test_an_e_mail_to_someone_without_an_account_never_names_the_child(world: World) -> None:
    # Security review S12: the link in such an e-mail carried the child's CP ID.
    from contactpoint.notify.service import email_only

    email_only(world.session, "duty@refuge.example", "match_signal", f"/children/{world.ben}")
    (sent,) = world.session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == "duty@refuge.example")
    ).all()
    assert world.ben not in sent.body and world.ben not in sent.subject
    assert "/children/" not in sent.body
