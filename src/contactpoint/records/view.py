"""Viewing a child's record: the policy decides, the record is cut to what it allows,
and the look is audited (DESIGN §3, §6, §8).

``view_for`` asks ``access.policy`` whether the user may view the record (VIEW), see
its sensitive services (VIEW_SENSITIVE, one decision per service: consent is recorded per
service type) and its address history (VIEW_ADDRESS_HISTORY). The answer is the whole
record with what was refused taken out, or — for a shielded record the user may not
open — only that it exists and whom to contact. Every call, allowed or refused, writes
exactly one audit entry (``record.view``) with the child and the reason, in the caller's
transaction; a refusal is audited first and then raised as ``AccessRefused`` (or
``NotFound`` for an unknown ContactPoint ID), so the caller must commit before turning
it into an answer. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Disclosure, Principal, RecordState, decide
from contactpoint.access.reasons import Reason
from contactpoint.access.state import (
    consent_covers,
    consents_of,
    record_state,
    state_of,
    with_archive,
)
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import ALLOWED, Actor, Refusal, record, record_refusal
from contactpoint.children.record import ChildRecord, ServiceInvolvement, child_record
from contactpoint.errors import AccessRefused, ContactPointError, InvalidValue, NotFound
from contactpoint.identifiers import normalise_cp_id
from contactpoint.kinds.children import ChildStatus
from contactpoint.review.service import resolve
from contactpoint.tables.access import Organisation
from contactpoint.tables.children import Child

AUDIT_ACTION = AuditAction.RECORD_VIEW


@dataclass(frozen=True, slots=True)
class TeamContact:
    """Whom to contact about a shielded record: the owning authority's ContactPoint
    team, or — when no team contact is on record — the national ContactPoint team."""

    authority: str | None
    email: str | None
    phone: str | None

    @property
    def national(self) -> bool:
        return not (self.email or self.phone)


@dataclass(frozen=True, slots=True)
class RecordView:
    """What one user may see of one child's record.

    ``disclosure`` is FULL (``record`` is set, with refused parts removed) or
    EXISTS_ONLY (a shielded stub: only ``cp_id`` and ``contact``).
    """

    cp_id: str
    disclosure: Disclosure
    record: ChildRecord | None = None
    contact: TeamContact | None = None
    address_history_shown: bool = False
    # The user opened a shielded record by override ("break glass") this session.
    overridden: bool = False
    # The ContactPoint ID asked for, when it was merged into this child.
    merged_from: str | None = None

    @property
    def shielded(self) -> bool:
        """Only a stub is shown: the record is shielded from this user."""
        return self.disclosure is Disclosure.EXISTS_ONLY


def view_by_cp_id(
    session: Session,
    principal: Principal,
    cp_id: str,
    reason: Reason,
    *,
    overrides: Collection[int] = (),
) -> RecordView:
    """``view_for`` the child a ContactPoint ID stands for now (a merged-away ID leads to
    the surviving child). ``overrides`` are the children whose shield the user overrode
    this session. An unknown or malformed ID is audited as refused, then ``NotFound``."""
    asked = cp_id.strip()[:40]
    found: Child | None
    try:
        found = resolve(session, asked)
    except (NotFound, InvalidValue):
        found = None
    # A record closed for a new identity answers as no record at all: holding an old ID
    # must not tell that it was closed (the audit trail names it).
    if found is None or found.status is ChildStatus.CLOSED:
        details = {"disclosure": "none", "cp_id": asked}
        unknown = NotFound(f"there is no child with ContactPoint ID {asked}")
        raise _refused(session, principal, found.id if found else None, reason, details, unknown)
    child = found
    merged_from = None if child.cp_id == normalise_cp_id(asked) else normalise_cp_id(asked)
    return view_for(
        session,
        principal,
        child.id,
        reason,
        overridden=child.id in overrides,
        merged_from=merged_from,
    )


def view_for(
    session: Session,
    principal: Principal,
    child_id: int,
    reason: Reason,
    *,
    overridden: bool = False,
    merged_from: str | None = None,
) -> RecordView:
    """What ``principal`` may see of child ``child_id``, audited with ``reason``.

    Refused (audited, then ``AccessRefused``) when policy does not allow the user to
    view the record at all; ``NotFound`` (audited) for no such child.
    """
    if session.get(Child, child_id) is None:
        unknown = NotFound(f"there is no child with id {child_id}")
        raise _refused(
            session, principal, None, reason, {"disclosure": "none", "id": child_id}, unknown
        )
    full = child_record(session, child_id)
    consents = consents_of(session, child_id)
    state = with_archive(session, child_id, state_of(full, consents, overridden), reason)
    verdict = decide(principal, Action.VIEW, state)
    details: dict[str, Any] = {"disclosure": verdict.disclosure.value}
    if merged_from:
        details["merged_from"] = merged_from
    if not verdict.allowed:
        details["why"] = verdict.reason
        raise _refused(session, principal, child_id, reason, details, AccessRefused(verdict.reason))
    if verdict.disclosure is Disclosure.EXISTS_ONLY:
        _audit(session, principal, ALLOWED, child_id, reason, details)
        return RecordView(
            full.cp_id,
            Disclosure.EXISTS_ONLY,
            contact=team_contact(session, full.responsible_la_code),
            merged_from=merged_from,
        )
    services = tuple(
        service
        for service in full.services
        if not service.sensitive or _may_see(principal, state, service, consents)
    )
    history = decide(principal, Action.VIEW_ADDRESS_HISTORY, state).allowed
    # Overriding counts only where nothing else lets the user see the record in full.
    without = decide(principal, Action.VIEW, replace(state, overridden=False))
    by_override = overridden and without.disclosure is not Disclosure.FULL
    details.update(
        sensitive_services_shown=sum(service.sensitive for service in services),
        address_history=history,
        overridden=by_override,
    )
    _audit(session, principal, ALLOWED, child_id, reason, details)
    shown = replace(
        full, services=services, address_history=full.address_history if history else ()
    )
    return RecordView(
        full.cp_id,
        Disclosure.FULL,
        record=shown,
        address_history_shown=history,
        overridden=by_override,
        merged_from=merged_from,
    )


def team_contact(session: Session, la_code: str | None) -> TeamContact:
    """The ContactPoint team of the authority ``la_code`` (national if none is known)."""
    organisation = (
        session.scalars(select(Organisation).where(Organisation.la_code == la_code)).first()
        if la_code
        else None
    )
    if organisation is None:
        return TeamContact(None, None, None)
    return TeamContact(organisation.name, organisation.team_email, organisation.team_phone)


def _may_see(
    principal: Principal,
    state: RecordState,
    service: ServiceInvolvement,
    consents: Collection[str],
) -> bool:
    """Policy's word on one sensitive service, with the consent recorded for it."""
    one = replace(
        state,
        sensitive_service=True,
        sensitive_consent=consent_covers(service.service_type, consents),
    )
    return decide(principal, Action.VIEW_SENSITIVE, one).allowed


def _refused(
    session: Session,
    principal: Principal,
    child_id: int | None,
    reason: Reason,
    details: Mapping[str, Any],
    error: ContactPointError,
) -> ContactPointError:
    """``error``, its refused look audited (``audit.service.record_refusal``) and the
    entry carried with it, for the web layer should the request roll back."""
    error.audit = Refusal(
        Actor(principal.username, principal.user_id),
        AUDIT_ACTION,
        child_id,
        str(reason),
        {**details, "reason_code": reason.code},
    )
    record_refusal(session, error.audit)
    return error


def _audit(
    session: Session,
    principal: Principal,
    outcome: str,
    child_id: int | None,
    reason: Reason,
    details: Mapping[str, Any],
) -> None:
    record(
        session,
        Actor(principal.username, principal.user_id),
        AUDIT_ACTION,
        outcome=outcome,
        child_id=child_id,
        reason=str(reason),
        details={**details, "reason_code": reason.code},
    )


MAX_OVERRIDE_REASON = 1000


def may_override(session: Session, principal: Principal, cp_id: str) -> bool:
    """Whether the user may override the shield on this child (to offer the form)."""
    try:
        child = resolve(session, cp_id.strip()[:40])
    except (NotFound, InvalidValue):
        return False
    return decide(principal, Action.OVERRIDE_SHIELD, record_state(session, child.id)).allowed


def override_shield(
    session: Session, principal: Principal, cp_id: str, why: str, overrides: list[int]
) -> list[int]:
    """Break glass (DESIGN §8): a key professional opens a shielded record after saying
    why. Refused (``AccessRefused``) unless the policy allows it. The override lasts for
    the session (the returned list of overridden children is the session's new one) and
    its audit entry is flagged for investigation — the entry the owning authority's
    data managers are alerted from."""
    text = why.strip()
    if not text:
        raise InvalidValue("override_reason", "", "say why you must see this shielded record")
    if len(text) > MAX_OVERRIDE_REASON:
        raise InvalidValue("override_reason", "", f"use at most {MAX_OVERRIDE_REASON} characters")
    child = resolve(session, cp_id.strip()[:40])
    state = record_state(session, child.id)
    verdict = decide(principal, Action.OVERRIDE_SHIELD, state)
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.RECORD_OVERRIDE,
        child_id=child.id,
        reason=text,
        details={"flagged_for_investigation": True, "owning_la": state.la_code},
    )
    return sorted({*overrides, child.id})
