"""Contact alerts (DESIGN §7, as CP-IS does for the NHS): when someone outside the
responsible authority views a flagged child's record or registers involvement with
them, the child's social worker — or, with none on record, the authority's duty inbox
(its ContactPoint team's address, else its data managers) — is told who, from which
organisation, when and why. Key professionals see the child's last 25 such contacts.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.models import Organisation, Role, User, UserRole, UserStatus
from contactpoint.access.policy import Action, Principal
from contactpoint.access.reasons import Reason
from contactpoint.audit.service import SYSTEM, record
from contactpoint.children.models import Child
from contactpoint.children.record import plain
from contactpoint.children.view import RecordView, view_by_cp_id
from contactpoint.notify.message import valid_address
from contactpoint.notify.service import email_only, notify
from contactpoint.signposting import store
from contactpoint.signposting.guard import Person, allowed, child_by_cp_id, person
from contactpoint.signposting.models import ContactEvent

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
) -> ContactEvent | None:
    """Record and alert a contact with a flagged child by someone from outside the
    responsible authority; nothing for anyone else."""
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
        at=datetime.now(UTC),
    )
    session.add(event)
    session.flush()
    told = _tell_responsible(session, event, child, responsible, today)
    record(
        session,
        SYSTEM,
        "contact.alert",
        child_id=child.id,
        details={"contact_event_id": event.id, "told": told},
    )
    return event


def _tell_responsible(
    session: Session, event: ContactEvent, child: Child, authorities: Collection[str], today: date
) -> int:
    link = f"/children/{child.cp_id}"
    subject = "Contact alert: someone from outside your authority"
    body = (
        f"{event.who} of {event.organisation} {event.action} of {child.cp_id}, a child your"
        f" authority has flagged as vulnerable, on {event.at:%d %B %Y at %H:%M}."
        f" Reason given: {event.reason or 'none asked'}."
    )
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
            notify(session, user, KIND, subject, body, link)
            told += 1
        elif worker.email and valid_address(worker.email):
            email_only(session, worker.email, KIND, link)
            told += 1
    if told:
        return told
    for la_code in sorted(authorities):
        organisation = session.scalar(select(Organisation).where(Organisation.la_code == la_code))
        if organisation is None:
            continue
        if organisation.team_email and valid_address(organisation.team_email):
            email_only(session, organisation.team_email, KIND, link)
            told += 1
            continue
        for manager in data_managers(session, organisation.id):
            notify(session, manager, KIND, subject, body, link)
            told += 1
    return told


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
    """Open a child's record (``children.view``); when it is opened in full by someone
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
