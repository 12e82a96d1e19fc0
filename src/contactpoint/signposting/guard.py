"""Every signposting action on a child asks the policy module here, and finds the people
involved: the child (a merged-away ContactPoint ID leads to the surviving child), its
record's state, and the signed-in user with their organisation."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, RecordState, decide
from contactpoint.access.state import record_state
from contactpoint.errors import AccessRefused, InvalidValue, NotFound
from contactpoint.kinds.children import ChildStatus
from contactpoint.review.service import resolve
from contactpoint.tables.access import Organisation, User
from contactpoint.tables.children import Child


@dataclass(frozen=True, slots=True)
class Person:
    """The user acting, as others are told of them."""

    user: User
    organisation: Organisation

    @property
    def la_code(self) -> str | None:
        return self.organisation.la_code


def person(session: Session, principal: Principal) -> Person:
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound(f"no user {principal.username}")
    organisation = session.get(Organisation, user.organisation_id)
    assert organisation is not None  # a foreign key
    return Person(user, organisation)


def child_by_cp_id(session: Session, cp_id: str) -> Child:
    """The child a ContactPoint ID stands for now. A record closed for a new identity
    answers as an unknown ID does: holding an old ID must not tell that it was closed."""
    asked = cp_id.strip()[:40]
    child = resolve(session, asked)
    if child.status is ChildStatus.CLOSED:
        raise NotFound(f"no child with ContactPoint ID {asked}")
    return child


def allowed(
    session: Session,
    principal: Principal,
    action: Action,
    child: Child,
    *,
    overrides: Collection[int] = (),
    own: bool = False,
) -> RecordState:
    """The child's record state, if policy allows ``action``; else ``AccessRefused``
    (which the web layer audits)."""
    state = record_state(session, child.id, overridden=child.id in overrides)
    verdict = decide(principal, action, state, own=own)
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    return state


def check(
    session: Session,
    principal: Principal,
    action: Action,
    cp_id: str,
    *,
    overrides: Collection[int] = (),
) -> Child:
    """The child, if policy allows ``action`` on it (before a form for it is shown);
    ``NotFound`` or ``AccessRefused`` otherwise."""
    child = child_by_cp_id(session, cp_id)
    allowed(session, principal, action, child, overrides=overrides)
    return child


def may(
    session: Session,
    principal: Principal,
    cp_id: str,
    actions: Iterable[Action],
    *,
    overrides: Collection[int] = (),
) -> frozenset[Action]:
    """Which of ``actions`` policy allows the user on the child (none for an unknown
    ID): to offer links and forms only; each action asks again when it is done."""
    try:
        child = child_by_cp_id(session, cp_id)
    except (NotFound, InvalidValue):
        return frozenset()
    state = record_state(session, child.id, overridden=child.id in overrides)
    return frozenset(action for action in actions if decide(principal, action, state).allowed)
