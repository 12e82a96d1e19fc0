"""Contact alerts (DESIGN §7, as CP-IS does for the NHS): when someone outside the
responsible authority views a flagged child's record or registers involvement with
them, the child's social worker and the authority's data managers are told who, from
which organisation, when and why — one message a day for each outsider, a line for each
contact, e-mailed once (to the authority's ContactPoint team address where it has one).
Key professionals see the child's last 25 such contacts.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal
from contactpoint.access.reasons import Reason
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import SYSTEM, record
from contactpoint.children.record import plain
from contactpoint.kinds.access import Role, UserStatus
from contactpoint.notify.message import valid_address
from contactpoint.notify.service import email_only, notify_grouped
from contactpoint.records.view import RecordView, view_by_cp_id
from contactpoint.signposting import store
from contactpoint.signposting.guard import Person, allowed, child_by_cp_id, person
from contactpoint.tables.access import Organisation, User, UserRole
from contactpoint.tables.children import Child
from contactpoint.tables.signposting import ContactEvent

KIND = "contact_alert"
VIEWED = "viewed the record"
REGISTERED = "registered involvement"
SHOWN = 25
# Service types whose practitioner is the child's social worker.
SOCIAL_WORK = frozenset({"social care", "children's social care", "social work"})


def contact(
    session: Session,
    me: Person,
    child: Child,
    action: str,
    reason: str | None,
    today: date,
    now: datetime | None = None,
) -> ContactEvent | None:
    """Record and alert a contact with a flagged child by someone from outside the
    responsible authority; nothing for anyone else. ``now``: the contact's moment (the
    clock's, unless given), whose day groups the alerts."""
    flags = [
        f
        for f in store.flags_of(session, [child.id]).get(child.id, [])
        if store.active_on(f, today)
    ]
    responsible = {f.la_code for f in flags}
    if not responsible or me.la_code in responsible:
        return None
    event = ContactEvent(
        child_id=child.id,
        user_id=me.user.id,
        who=me.user.display_name,
        organisation=me.organisation.name,
        action=action,
        reason=(reason or "")[:200] or None,
        at=now or datetime.now(UTC),
    )
    session.add(event)
    session.flush()
    told = _tell_responsible(session, event, child, responsible, today)
    record(
        session,
        SYSTEM,
        AuditAction.CONTACT_ALERT,
        child_id=child.id,
        details={"contact_event_id": event.id, "told": told},
    )
    return event


def _tell_responsible(
    session: Session, event: ContactEvent, child: Child, authorities: Collection[str], today: date
) -> int:
    """Tell the child's social workers and, always, each responsible authority's data
    managers. One outsider's contacts on one day are one notification for each (a line
    each), e-mailed once: to the authority's team address where it has one, else to the
    data managers themselves. A social worker known only from a feed is e-mailed once a
    day for each outsider and child."""
    link = f"/children/{child.cp_id}"
    subject = f"Contact alerts: {event.who} of {event.organisation}"
    line = (
        f"{event.at:%d %B %Y %H:%M}: {event.who} of {event.organisation} {event.action} of"
        f" {child.cp_id}, a child your authority has flagged as vulnerable. Reason given:"
        f" {event.reason or 'none asked'}."
    )
    day = event.at.astimezone(UTC).date()
    group = f"{KIND}:{event.user_id}:{day.isoformat()}"
    earlier = _earlier_on(session, event, day)
    involvements = store.involvements_of(session, [child.id]).get(child.id, [])
    workers = [
        i
        for i in involvements
        if store.is_active(i, today)
        and plain(i.service_type) in SOCIAL_WORK
        and i.la_code in authorities
    ]
    told = 0
    for worker in workers:
        user = session.get(User, worker.user_id) if worker.user_id else None
        if user is not None:
            notify_grouped(session, user, KIND, group, subject, line, link)
            told += 1
        elif worker.email and valid_address(worker.email) and child.id not in earlier:
            email_only(session, worker.email, KIND, link)
            told += 1
    flagged_earlier = {
        f.la_code
        for flags in store.flags_of(session, sorted(earlier)).values()
        for f in flags
        if store.active_on(f, today)
    }
    for la_code in sorted(authorities):
        organisation = session.scalar(select(Organisation).where(Organisation.la_code == la_code))
        if organisation is None:
            continue
        team = organisation.team_email if valid_address(organisation.team_email or "") else None
        if team and la_code not in flagged_earlier:
            email_only(session, team, KIND, link)
            told += 1
        for manager in data_managers(session, organisation.id):
            notify_grouped(session, manager, KIND, group, subject, line, link, email=not team)
            told += 1
    return told


def _earlier_on(session: Session, event: ContactEvent, day: date) -> set[int]:
    """The children the same outsider contacted earlier on ``day`` (UTC)."""
    start = datetime.combine(day, time(), UTC)
    return set(
        session.scalars(
            select(ContactEvent.child_id).where(
                ContactEvent.user_id == event.user_id,
                ContactEvent.id != event.id,
                ContactEvent.at >= start,
                ContactEvent.at < start + timedelta(days=1),
            )
        )
    )


def data_managers(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == organisation_id,
                User.status == UserStatus.ACTIVE,
                UserRole.role == Role.DATA_MANAGER,
            )
            .order_by(User.id)
        )
    )


def view_record(
    session: Session,
    principal: Principal,
    cp_id: str,
    reason: Reason,
    *,
    overrides: Collection[int] = (),
    today: date | None = None,
) -> RecordView:
    """Open a child's record (``records.view``); when it is opened in full by someone
    from outside a flagged child's responsible authority, record and alert the contact."""
    view = view_by_cp_id(session, principal, cp_id, reason, overrides=overrides)
    if view.record is not None:
        child = session.get(Child, view.record.child_id)
        assert child is not None
        me = person(session, principal)
        contact(session, me, child, VIEWED, str(reason), today or date.today())
    return view


def recent_contacts(
    session: Session, principal: Principal, cp_id: str, *, overrides: Collection[int] = ()
) -> list[ContactEvent]:
    """The child's last 25 contacts from outside the responsible authority, newest
    first: for key professionals and data managers."""
    child = child_by_cp_id(session, cp_id)
    allowed(session, principal, Action.VIEW_ACCESS_HISTORY, child, overrides=overrides)
    return list(
        session.scalars(
            select(ContactEvent)
            .where(ContactEvent.child_id == child.id)
            .order_by(ContactEvent.at.desc(), ContactEvent.id.desc())
            .limit(SHOWN)
        )
    )
