"""Every signposting action on a child asks the policy module here, and finds the people
involved: the child (a merged-away ContactPoint ID leads to the surviving child), its
record's state, and the signed-in user with their organisation."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contactpoint.access.models import Organisation, User
from contactpoint.access.policy import Action, Principal, RecordState, decide
from contactpoint.children.models import Child
from contactpoint.children.view import record_state
from contactpoint.errors import AccessRefused, NotFound
from contactpoint.review.service import resolve


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
    """The child a ContactPoint ID stands for now."""
    return resolve(session, cp_id.strip()[:40])


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
