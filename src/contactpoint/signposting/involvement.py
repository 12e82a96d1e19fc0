"""Practitioners' involvement with children (DESIGN §7): registering, ending and renewing
it, and the daily housekeeping that reminds, lapses and purges.

An involvement is active for ``involvement_active_days`` from registration or renewal
(its practitioner is reminded ``involvement_reminder_days`` before it lapses); once
ended or lapsed it raises no more signals but stays visible to key professionals as a
past involvement for ``involvement_visible_days``; then it is purged with the signals'
record of it. A sensitive service (sexual health, mental health, substance misuse) is
registered only with the evidence of consent to record it; who may then *see* it is
the policy's VIEW_SENSITIVE decision, on the consent a data manager records.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import SYSTEM, Actor, record
from contactpoint.children.record import plain, sensitive_category
from contactpoint.errors import Conflict, InvalidValue, NotFound
from contactpoint.identifiers import normalise_phone
from contactpoint.notify.message import valid_address
from contactpoint.notify.service import email_only, notify
from contactpoint.settings import get_settings
from contactpoint.signposting import alerts, signals, store
from contactpoint.signposting.guard import allowed, child_by_cp_id, person
from contactpoint.tables.access import User
from contactpoint.tables.children import Child
from contactpoint.tables.signposting import (
    Involvement,
    Origin,
    SignalledPair,
    SignalMember,
)


class InvolvementRefused(Conflict):
    """A registration that would duplicate one, or a change that cannot be made."""


@dataclass(frozen=True, slots=True)
class InvolvementCreate:
    """What a practitioner says when registering their involvement with a child."""

    service_type: str
    organisation: str
    practitioner_name: str
    started_on: date
    practitioner_role: str | None = None
    email: str | None = None
    phone: str | None = None
    lead_professional: bool = False
    early_help_assessment: bool = False
    # For a sensitive service: how the young person's consent to record it was given.
    consent_evidence: str | None = None


LIMITS = {"service_type": 100, "organisation": 200, "practitioner_name": 200}


def checked(details: InvolvementCreate, today: date) -> InvolvementCreate:
    """The details with text trimmed and contacts normalised; ``InvalidValue`` naming
    the field otherwise."""
    texts = {}
    for name, limit in LIMITS.items():
        value = " ".join(str(getattr(details, name) or "").split())
        if not value:
            raise InvalidValue(name, "", "is required")
        if len(value) > limit:
            raise InvalidValue(name, value[:40], f"must be at most {limit} characters")
        texts[name] = value
    role = " ".join((details.practitioner_role or "").split()) or None
    if role and len(role) > 200:
        raise InvalidValue("practitioner_role", role[:40], "must be at most 200 characters")
    email = (details.email or "").strip().lower() or None
    if email and not valid_address(email):
        raise InvalidValue("email", email[:60], "is not a valid e-mail address")
    phone = normalise_phone(details.phone) if details.phone and details.phone.strip() else None
    if not (email or phone):
        raise InvalidValue("email", "", "give an e-mail address or a telephone number")
    if details.started_on > today:
        raise InvalidValue("started_on", details.started_on.isoformat(), "is in the future")
    if details.started_on < today - timedelta(days=366 * 19):
        raise InvalidValue("started_on", details.started_on.isoformat(), "is too long ago")
    consent = " ".join((details.consent_evidence or "").split()) or None
    if sensitive_category(texts["service_type"]) and not consent:
        raise InvalidValue(
            "consent_evidence",
            "",
            "a sexual health, mental health or substance misuse service is registered only"
            " with the young person's consent: say how it was given",
        )
    if consent and len(consent) > 1000:
        raise InvalidValue("consent_evidence", "", "must be at most 1000 characters")
    return InvolvementCreate(
        service_type=texts["service_type"],
        organisation=texts["organisation"],
        practitioner_name=texts["practitioner_name"],
        started_on=details.started_on,
        practitioner_role=role,
        email=email,
        phone=phone,
        lead_professional=details.lead_professional,
        early_help_assessment=details.early_help_assessment,
        consent_evidence=consent,
    )


def register(
    session: Session,
    principal: Principal,
    cp_id: str,
    details: InvolvementCreate,
    *,
    today: date | None = None,
    overrides: Collection[int] = (),
) -> Involvement:
    """Register the user's involvement with a child, then raise any signals and alert
    the responsible authority if the user is from outside it. Refused for a child the
    user may not read in full, and for a second active registration of the same service."""
    today = today or date.today()
    details = checked(details, today)
    child = child_by_cp_id(session, cp_id)
    allowed(session, principal, Action.REGISTER_INVOLVEMENT, child, overrides=overrides)
    existing = session.scalars(
        select(Involvement).where(
            Involvement.child_id == child.id,
            Involvement.user_id == principal.user_id,
            Involvement.ended_on.is_(None),
            Involvement.active_until >= today,
        )
    ).all()
    if any(plain(i.service_type) == plain(details.service_type) for i in existing):
        raise InvolvementRefused(
            f"you are already registered as involved with {child.cp_id} for this service:"
            " renew that registration instead"
        )
    me = person(session, principal)
    involvement = Involvement(
        child_id=child.id,
        user_id=principal.user_id,
        origin=Origin.PRACTITIONER,
        service_type=details.service_type,
        organisation=details.organisation,
        la_code=me.la_code,
        practitioner_name=details.practitioner_name,
        practitioner_role=details.practitioner_role,
        email=details.email,
        phone=details.phone,
        started_on=details.started_on,
        lead_professional=details.lead_professional,
        early_help_assessment=details.early_help_assessment,
        sensitive=sensitive_category(details.service_type) is not None,
        consent_evidence=details.consent_evidence,
        active_until=today + timedelta(days=get_settings().involvement_active_days),
        registered_by=principal.username,
    )
    session.add(involvement)
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.INVOLVEMENT_REGISTER,
        child_id=child.id,
        details={"involvement_id": involvement.id, "sensitive": involvement.sensitive},
    )
    alerts.contact(session, me, child, alerts.REGISTERED, None, today)
    signals.raise_signals(session, [child.id], today)
    return involvement


def _own(
    session: Session, principal: Principal, involvement_id: int, action: Action
) -> Involvement:
    involvement = session.get(Involvement, involvement_id)
    if involvement is None:
        raise NotFound(f"there is no involvement {involvement_id}")
    child = session.get(Child, involvement.child_id)
    assert child is not None
    allowed(session, principal, action, child, own=involvement.user_id == principal.user_id)
    return involvement


def end(
    session: Session,
    principal: Principal,
    involvement_id: int,
    reason: str,
    *,
    today: date | None = None,
) -> Involvement:
    """End an involvement: the user's own, or (for the owning authority's data
    managers) anyone's. It stays visible as a past involvement, then is purged."""
    today = today or date.today()
    why = " ".join(reason.split())
    if not why or len(why) > 200:
        raise InvalidValue("reason", why[:40], "say in at most 200 characters why it ends")
    involvement = _own(session, principal, involvement_id, Action.END_INVOLVEMENT)
    if involvement.ended_on is not None:
        raise InvolvementRefused(f"involvement {involvement_id} ended on {involvement.ended_on}")
    involvement.ended_on = today
    involvement.end_reason = why
    involvement.visible_until = today + timedelta(days=get_settings().involvement_visible_days)
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.INVOLVEMENT_END,
        child_id=involvement.child_id,
        reason=why,
        details={"involvement_id": involvement.id},
    )
    return involvement


def renew(
    session: Session, principal: Principal, involvement_id: int, *, today: date | None = None
) -> Involvement:
    """Keep the user's own active involvement active for another full period."""
    today = today or date.today()
    involvement = _own(session, principal, involvement_id, Action.END_INVOLVEMENT)
    if involvement.user_id != principal.user_id:
        raise InvolvementRefused("only the practitioner involved may renew an involvement")
    if not store.is_active(involvement, today):
        raise InvolvementRefused(
            f"involvement {involvement_id} is no longer active: register again instead"
        )
    involvement.active_until = today + timedelta(days=get_settings().involvement_active_days)
    involvement.reminded_on = None
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.INVOLVEMENT_RENEW,
        child_id=involvement.child_id,
        details={"involvement_id": involvement.id, "active_until": str(involvement.active_until)},
    )
    return involvement


@dataclass(frozen=True, slots=True)
class InvolvementShown:
    """An involvement as the practitioner involved (or a data manager who may end it)
    sees it: with the child's ContactPoint ID, whether it is active, whose it is."""

    involvement: Involvement
    cp_id: str
    active: bool
    own: bool


def mine(
    session: Session, principal: Principal, *, today: date | None = None
) -> list[InvolvementShown]:
    """The user's own involvements still held: active ones first, each newest first."""
    today = today or date.today()
    rows = session.execute(
        select(Involvement, Child.cp_id)
        .join(Child, Child.id == Involvement.child_id)
        .where(Involvement.user_id == principal.user_id)
        .order_by(Involvement.started_on.desc(), Involvement.id.desc())
    ).all()
    shown = [
        InvolvementShown(found, cp_id, store.is_active(found, today), own=True)
        for found, cp_id in rows
        if store.is_visible(found, today)
    ]
    return sorted(shown, key=lambda one: not one.active)


def shown(
    session: Session, principal: Principal, involvement_id: int, *, today: date | None = None
) -> InvolvementShown:
    """One involvement, for those who may end it: the practitioner involved, or the
    owning authority's data managers."""
    today = today or date.today()
    involvement = _own(session, principal, involvement_id, Action.END_INVOLVEMENT)
    child = session.get(Child, involvement.child_id)
    assert child is not None  # a foreign key
    own = involvement.user_id == principal.user_id
    return InvolvementShown(involvement, child.cp_id, store.is_active(involvement, today), own)


@dataclass(frozen=True, slots=True)
class Housekeeping:
    reminded: int
    lapsed: int
    purged: int


def housekeeping(session: Session, today: date) -> Housekeeping:
    """Remind practitioners whose involvement lapses soon, lapse those past their day,
    purge those no longer visible. Idempotent: running it twice on a day changes nothing
    more."""
    settings = get_settings()
    due = today + timedelta(days=settings.involvement_reminder_days)
    reminders = session.scalars(
        select(Involvement).where(
            Involvement.ended_on.is_(None),
            Involvement.reminded_on.is_(None),
            Involvement.active_until >= today,
            Involvement.active_until <= due,
        )
    ).all()
    for involvement in reminders:
        _remind(session, involvement)
        involvement.reminded_on = today
    lapsing = session.scalars(
        select(Involvement).where(Involvement.ended_on.is_(None), Involvement.active_until < today)
    ).all()
    for involvement in lapsing:
        involvement.ended_on = involvement.active_until
        involvement.end_reason = "lapsed: not renewed"
        involvement.visible_until = involvement.active_until + timedelta(
            days=settings.involvement_visible_days
        )
    gone = list(session.scalars(select(Involvement.id).where(Involvement.visible_until < today)))
    if gone:
        session.execute(delete(SignalMember).where(SignalMember.involvement_id.in_(gone)))
        session.execute(
            delete(SignalledPair).where(
                or_(SignalledPair.low_id.in_(gone), SignalledPair.high_id.in_(gone))
            )
        )
        signals.forget_coordinators(session, gone)
        session.execute(delete(Involvement).where(Involvement.id.in_(gone)))
    session.flush()
    if reminders or lapsing or gone:
        record(
            session,
            SYSTEM,
            AuditAction.INVOLVEMENT_HOUSEKEEPING,
            details={
                "day": today.isoformat(),
                "reminded": len(reminders),
                "lapsed": len(lapsing),
                "purged": len(gone),
            },
        )
    return Housekeeping(len(reminders), len(lapsing), len(gone))


def _remind(session: Session, involvement: Involvement) -> None:
    link = f"/involvements/{involvement.id}"
    user = session.get(User, involvement.user_id) if involvement.user_id else None
    if user is not None:
        notify(
            session,
            user,
            "reminder",
            f"Your involvement lapses on {involvement.active_until:%d %B %Y}",
            f"Your registration as involved ({involvement.service_type}) lapses on"
            f" {involvement.active_until:%d %B %Y}. Renew it if you are still working with"
            " the child; otherwise end it.",
            link,
        )
    elif involvement.email and valid_address(involvement.email):
        email_only(session, involvement.email, "reminder", link)
