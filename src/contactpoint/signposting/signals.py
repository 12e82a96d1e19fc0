"""Match signals (DESIGN §7), as the Dutch reference index sends them: when two
practitioners are involved with one flagged child, or with brothers and sisters who
share a parent or carer where one of them is flagged, each is told of the other and how
to reach them — once per pairing, never again. Those told then record who coordinates
(the lead professional) and mark the match coordinated.

A sensitive service takes part only where consent to share it is recorded: otherwise
no one may learn of it (``signposting.brokered`` puts people in touch instead).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import combinations
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from contactpoint import bulk
from contactpoint.access.policy import Action, Principal
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import SYSTEM, Actor, record
from contactpoint.errors import InvalidValue, NotFound
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.notify.message import valid_address
from contactpoint.notify.service import email_only, notify
from contactpoint.signposting import store
from contactpoint.signposting.guard import allowed
from contactpoint.tables.access import User, UserRole
from contactpoint.tables.children import Child
from contactpoint.tables.signposting import (
    Involvement,
    Signal,
    SignalKind,
    SignalledPair,
    SignalMember,
)

KIND = "match_signal"


def raise_signals(session: Session, child_ids: Iterable[int], today: date) -> list[Signal]:
    """Signal every new pairing of active involvements around these children."""
    ids = set(child_ids)
    if not ids:
        return []
    family = store.siblings(session, ids)
    groups = {c: {c} | family.get(c, set()) for c in ids}
    everyone = set().union(*groups.values())
    flagged = store.flagged_children(session, everyone, today)
    if not flagged:
        return []
    held = store.involvements_of(session, everyone)
    shareable = store.shareable(session, held)
    # A shielded (or closed) child takes no part in any signal: neither its ID nor
    # anyone working with it may reach a practitioner through one. Its owning
    # authority's data managers coordinate around it instead.
    hidden = _shielded(session, everyone)
    active = {
        c: []
        if c in hidden
        else [i for i in held.get(c, []) if store.is_active(i, today) and i.id in shareable]
        for c in everyone
    }
    wanted: dict[tuple[SignalKind, int], set[tuple[int, int]]] = defaultdict(set)
    by_id = {i.id: i for found in active.values() for i in found}
    for child in sorted(ids):
        if child in flagged:
            for one, other in combinations(active[child], 2):
                _pair(wanted[(SignalKind.CHILD, child)], one, other)
        if any(member in flagged for member in groups[child]):
            for sibling in sorted(groups[child] - {child}):
                for one in active[child]:
                    for other in active[sibling]:
                        _pair(wanted[(SignalKind.FAMILY, child)], one, other)
    told = _already_paired(session, {i for pairs in wanted.values() for p in pairs for i in p})
    to_signal: list[tuple[SignalKind, int, list[tuple[int, int]]]] = []
    for (kind, child), pairs in sorted(wanted.items()):
        fresh = sorted(pairs - told)
        if not fresh:
            continue
        told.update(fresh)
        to_signal.append((kind, child, fresh))
    return _signal_all(session, to_signal, by_id)


def _shielded(session: Session, child_ids: Collection[int]) -> set[int]:
    """Those of ``child_ids`` that are shielded or closed for a new identity."""
    found: set[int] = set()
    for part in bulk.parts(session, sorted(child_ids)):
        found.update(
            session.scalars(
                select(Child.id).where(
                    bulk.among(session, Child.id, part),
                    or_(Child.shielded.is_(True), Child.status == ChildStatus.CLOSED),
                )
            )
        )
    return found


def _pair(pairs: set[tuple[int, int]], one: Involvement, other: Involvement) -> None:
    """Add the pairing unless both are one practitioner's."""
    if one.user_id is not None and one.user_id == other.user_id:
        return
    if one.email and one.email == other.email:
        return
    pairs.add((min(one.id, other.id), max(one.id, other.id)))


def _already_paired(session: Session, involvement_ids: Collection[int]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for part in bulk.parts(session, sorted(involvement_ids)):
        found.update(
            (low, high)
            for low, high in session.execute(
                select(SignalledPair.low_id, SignalledPair.high_id).where(
                    bulk.among(session, SignalledPair.low_id, part)
                )
            )
        )
    return found


def _signal_all(
    session: Session,
    groups: Sequence[tuple[SignalKind, int, Sequence[tuple[int, int]]]],
    by_id: dict[int, Involvement],
) -> list[Signal]:
    """A signal for each group of fresh pairings around one child, telling each
    practitioner in it of their partners. Written together, so that a feed run raising
    thousands costs one insert of signals and one read each of the children and the
    accounts told, not a round trip for each."""
    if not groups:
        return []
    made = [Signal(child_id=child_id, kind=kind) for kind, child_id, _pairs in groups]
    session.add_all(made)
    session.flush()
    children = _by_id(session, Child, {signal.child_id for signal in made})
    accounts = _by_id(
        session,
        User,
        {by_id[i].user_id for _k, _c, pairs in groups for p in pairs for i in p} - {None},
    )
    keys = set(
        session.scalars(
            select(UserRole.user_id).where(
                UserRole.user_id.in_(sorted(accounts)), UserRole.role == Role.KEY_PROFESSIONAL
            )
        )
    )
    for signal, (kind, child_id, pairs) in zip(made, groups, strict=True):
        members = sorted({i for pair in pairs for i in pair})
        session.add_all(SignalMember(signal_id=signal.id, involvement_id=i) for i in members)
        session.add_all(SignalledPair(low_id=a, high_id=b, signal_id=signal.id) for a, b in pairs)
        partners: dict[int, set[int]] = defaultdict(set)
        for a, b in pairs:
            partners[a].add(b)
            partners[b].add(a)
        for member in members:
            involvement = by_id[member]
            _tell(
                session,
                involvement,
                accounts.get(involvement.user_id) if involvement.user_id else None,
                involvement.user_id in keys,
                [by_id[p] for p in sorted(partners[member])],
                kind,
                children[child_id],
            )
        record(
            session,
            SYSTEM,
            AuditAction.SIGNAL_RAISE,
            child_id=child_id,
            details={"signal_id": signal.id, "kind": kind.value, "involvements": members},
        )
    return made


def _by_id(session: Session, model: Any, ids: Collection[Any]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for part in bulk.parts(session, sorted(ids)):
        found.update(
            (row.id, row)
            for row in session.scalars(select(model).where(bulk.among(session, model.id, part)))
        )
    return found


def contact_line(involvement: Involvement) -> str:
    """How others see a practitioner: name, role, organisation, service, how to reach."""
    role = f", {involvement.practitioner_role}" if involvement.practitioner_role else ""
    reach = " or ".join(x for x in (involvement.email, involvement.phone) if x)
    lead = " (lead professional)" if involvement.lead_professional else ""
    return (
        f"{involvement.practitioner_name}{role}{lead}, {involvement.organisation}"
        f" ({involvement.service_type}), since {involvement.started_on:%d %B %Y}: {reach}"
    )


def _tell(
    session: Session,
    member: Involvement,
    user: User | None,
    key_professional: bool,
    others: Sequence[Involvement],
    kind: SignalKind,
    child: Child,
) -> None:
    # Key professionals go on to signposting; others to the record (signposting would
    # refuse them).
    link = f"/signposting/{child.cp_id}" if key_professional else f"/children/{child.cp_id}"
    about = "this child" if kind is SignalKind.CHILD else "this child's brother or sister"
    body = (
        f"Other practitioners are involved with {about} ({child.cp_id}), who is flagged"
        " as vulnerable. Contact them and agree who coordinates:\n"
        + "\n".join(f"- {contact_line(o)}" for o in others)
    )
    subject = "Match signal: others are involved" + (
        " with the family" if kind is SignalKind.FAMILY else ""
    )
    if user is not None:
        notify(session, user, KIND, subject, body, link)
    elif member.email and valid_address(member.email):
        email_only(session, member.email, KIND, link)


@dataclass(frozen=True, slots=True)
class SignalRead:
    """A signal as one of those told sees it."""

    id: int
    kind: SignalKind
    cp_id: str
    created_at: datetime
    members: tuple[Involvement, ...]
    coordinator_id: int | None
    coordinated_at: datetime | None


def signals_for(session: Session, principal: Principal, limit: int = 50) -> list[SignalRead]:
    """The signals the user was told in, newest first."""
    ids = session.scalars(
        select(SignalMember.signal_id)
        .join(Involvement, Involvement.id == SignalMember.involvement_id)
        .where(Involvement.user_id == principal.user_id)
        .distinct()
    ).all()
    found = session.scalars(
        select(Signal).where(Signal.id.in_(list(ids))).order_by(Signal.id.desc()).limit(limit)
    ).all()
    return [_read(session, signal) for signal in found]


def _read(session: Session, signal: Signal) -> SignalRead:
    members = session.scalars(
        select(Involvement)
        .join(SignalMember, SignalMember.involvement_id == Involvement.id)
        .where(SignalMember.signal_id == signal.id)
        .order_by(Involvement.id)
    ).all()
    child = session.get(Child, signal.child_id)
    assert child is not None
    return SignalRead(
        signal.id,
        signal.kind,
        child.cp_id,
        signal.created_at,
        tuple(members),
        signal.coordinator_id,
        signal.coordinated_at,
    )


def coordinate(
    session: Session, principal: Principal, signal_id: int, coordinator_id: int
) -> SignalRead:
    """One of those told records who coordinates and marks the match coordinated."""
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise NotFound(f"there is no signal {signal_id}")
    read = _read(session, signal)
    child = session.get(Child, signal.child_id)
    assert child is not None
    told = any(m.user_id == principal.user_id for m in read.members)
    allowed(session, principal, Action.COORDINATE, child, own=told)
    if coordinator_id not in {m.id for m in read.members}:
        raise InvalidValue("coordinator", str(coordinator_id), "is not one of those told")
    signal.coordinator_id = coordinator_id
    signal.coordinated_at = datetime.now(UTC)
    signal.coordinated_by = principal.username
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.SIGNAL_COORDINATE,
        child_id=signal.child_id,
        details={"signal_id": signal.id, "coordinator": coordinator_id},
    )
    return _read(session, signal)


def forget_coordinators(session: Session, involvement_ids: Collection[int]) -> None:
    """Before involvements are purged: signals no longer name them as coordinator."""
    session.execute(
        update(Signal)
        .where(Signal.coordinator_id.in_(list(involvement_ids)))
        .values(coordinator_id=None)
    )
