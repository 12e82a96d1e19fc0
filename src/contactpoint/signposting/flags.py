"""Vulnerability flags (DESIGN §3, §7): child protection plan, looked-after child, and an
unborn child on a pre-birth plan, held against the mother until the birth registration
arrives and then carried over to the child.

A flag is *active* from its start until its end; it stays *visible* for
``flag_visible_days`` after it ends. Data managers of the responsible authority set and
end flags; the children's-services feed sets them too (``signposting.feed``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, RecordState, decide
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import SYSTEM, Actor, record
from contactpoint.children.record import plain
from contactpoint.errors import AccessRefused, InvalidValue, NotFound
from contactpoint.identifiers import normalise_postcode
from contactpoint.kinds.children import ChildStatus
from contactpoint.signposting import signals, store
from contactpoint.signposting.guard import allowed, child_by_cp_id
from contactpoint.tables.children import Carer, Child, SourceRecord
from contactpoint.tables.signposting import FlagKind, Origin, VulnerabilityFlag

LABELS = {
    FlagKind.CHILD_PROTECTION_PLAN: "Child protection plan",
    FlagKind.LOOKED_AFTER: "Looked-after child",
    FlagKind.PRE_BIRTH_PLAN: "Pre-birth plan (unborn child)",
}


@dataclass(frozen=True, slots=True)
class ChildFlags:
    """A child's flags, as the responsible authority's data managers manage them."""

    cp_id: str
    flags: tuple[VulnerabilityFlag, ...]


def flags_of_child(session: Session, principal: Principal, cp_id: str) -> ChildFlags:
    """Every flag of the child, latest start first: for the data managers of the
    child's responsible authority (who set and end them). The look is audited."""
    child = child_by_cp_id(session, cp_id)
    allowed(session, principal, Action.MANAGE_FLAGS, child)
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.FLAG_LIST,
        child_id=child.id,
    )
    return ChildFlags(child.cp_id, tuple(store.flags_of(session, [child.id]).get(child.id, [])))


def _dates(started_on: date, ended_on: date | None, today: date) -> None:
    if started_on > today:
        raise InvalidValue("started_on", started_on.isoformat(), "is in the future")
    if ended_on is not None and ended_on < started_on:
        raise InvalidValue("ended_on", ended_on.isoformat(), "is before the start")


def set_flag(
    session: Session,
    principal: Principal,
    cp_id: str,
    kind: FlagKind,
    started_on: date,
    *,
    ended_on: date | None = None,
    today: date | None = None,
) -> VulnerabilityFlag:
    """A data manager of the child's responsible authority flags the child."""
    today = today or date.today()
    _dates(started_on, ended_on, today)
    if kind is FlagKind.PRE_BIRTH_PLAN:
        raise InvalidValue("kind", kind.value, "a pre-birth plan is set on the mother")
    child = child_by_cp_id(session, cp_id)
    state = allowed(session, principal, Action.MANAGE_FLAGS, child)
    assert state.la_code is not None  # the owning authority's data manager
    flag = VulnerabilityFlag(
        child_id=child.id,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        la_code=state.la_code,
        origin=Origin.PRACTITIONER,
        set_by=principal.username,
    )
    session.add(flag)
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.FLAG_SET,
        child_id=child.id,
        details={"flag_id": flag.id, "kind": kind.value, "started_on": str(started_on)},
    )
    signals.raise_signals(session, [child.id], today)
    return flag


def end_flag(
    session: Session, principal: Principal, flag_id: int, ended_on: date
) -> VulnerabilityFlag:
    """A data manager of the responsible authority ends a flag."""
    flag = session.get(VulnerabilityFlag, flag_id)
    if flag is None:
        raise NotFound(f"there is no flag {flag_id}")
    _check_authority(session, principal, flag)
    if flag.ended_on is not None:
        raise InvalidValue("flag", str(flag_id), f"ended on {flag.ended_on}")
    if ended_on < flag.started_on:
        raise InvalidValue("ended_on", ended_on.isoformat(), "is before the start")
    flag.ended_on = ended_on
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.FLAG_END,
        child_id=flag.child_id,
        details={"flag_id": flag.id, "ended_on": str(ended_on)},
    )
    return flag


def _check_authority(session: Session, principal: Principal, flag: VulnerabilityFlag) -> None:
    if flag.child_id is not None:
        child = session.get(Child, flag.child_id)
        assert child is not None
        allowed(session, principal, Action.MANAGE_FLAGS, child)
        return
    # An unborn child: the authority responsible for the plan decides.
    verdict = decide(
        principal, Action.MANAGE_FLAGS, RecordState(ChildStatus.ACTIVE, la_code=flag.la_code)
    )
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)


@dataclass(frozen=True, slots=True)
class Mother:
    given_names: str
    family_name: str
    postcode: str


def set_pre_birth_flag(
    session: Session,
    principal: Principal,
    mother: Mother,
    expected_on: date,
    started_on: date,
    *,
    today: date | None = None,
) -> VulnerabilityFlag:
    """A pre-birth plan for an unborn child, held against the mother and carried over
    to the child when the birth registration names her (``carry_over``)."""
    today = today or date.today()
    _dates(started_on, None, today)
    given = " ".join(mother.given_names.split())
    family = " ".join(mother.family_name.split())
    if not given or not family:
        raise InvalidValue("mother", "", "give the mother's given and family names")
    postcode = normalise_postcode(mother.postcode)
    if not today - timedelta(days=62) <= expected_on <= today + timedelta(days=300):
        raise InvalidValue("expected_on", expected_on.isoformat(), "is not a date a birth is due")
    flag = VulnerabilityFlag(
        child_id=None,
        kind=FlagKind.PRE_BIRTH_PLAN,
        started_on=started_on,
        la_code=principal.la_code or "",
        origin=Origin.PRACTITIONER,
        set_by=principal.username,
        mother_given_names=given,
        mother_family_name=family,
        mother_postcode=postcode,
        expected_on=expected_on,
    )
    _check_authority(session, principal, flag)
    session.add(flag)
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.FLAG_SET,
        details={"flag_id": flag.id, "kind": flag.kind.value, "expected_on": str(expected_on)},
    )
    return flag


def carry_over(session: Session, feed_run_id: int, today: date) -> int:
    """Carry open pre-birth flags over to the children whose birth registrations, in
    this feed run, name the flag's mother (same names) at the flag's postcode, born
    within two months of the expected day. Returns how many were carried over."""
    waiting = session.scalars(
        select(VulnerabilityFlag).where(
            VulnerabilityFlag.kind == FlagKind.PRE_BIRTH_PLAN,
            VulnerabilityFlag.child_id.is_(None),
            or_(VulnerabilityFlag.ended_on.is_(None), VulnerabilityFlag.ended_on >= today),
        )
    ).all()
    if not waiting:
        return 0
    births = session.execute(
        select(SourceRecord.child_id, Carer.given_names, Carer.family_name, Carer.postcode)
        .join(Carer, Carer.source_record_id == SourceRecord.id)
        .where(SourceRecord.feed_run_id == feed_run_id)
    ).all()
    by_mother: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for child_id, given, family, postcode in births:
        by_mother[(plain(given), plain(family), (postcode or "").replace(" ", ""))].append(child_id)
    carried: list[int] = []
    for flag in waiting:
        key = (
            plain(flag.mother_given_names),
            plain(flag.mother_family_name),
            (flag.mother_postcode or "").replace(" ", ""),
        )
        children = _born_near(session, by_mother.get(key, []), flag.expected_on)
        if len(children) != 1:
            continue  # none yet, or twins: a data manager decides which child is meant
        flag.child_id = children[0]
        flag.carried_over_at = datetime.now(UTC)
        carried.append(children[0])
        record(
            session,
            SYSTEM,
            AuditAction.FLAG_CARRY_OVER,
            child_id=children[0],
            details={"flag_id": flag.id, "feed_run_id": feed_run_id},
        )
    session.flush()
    signals.raise_signals(session, carried, today)
    return len(carried)


def _born_near(session: Session, child_ids: Sequence[int], expected: date | None) -> list[int]:
    if not child_ids or expected is None:
        return []
    window = timedelta(days=62)
    return sorted(
        child.id
        for child in session.scalars(select(Child).where(Child.id.in_(sorted(set(child_ids)))))
        if child.date_of_birth is not None and abs(child.date_of_birth - expected) <= window
    )
