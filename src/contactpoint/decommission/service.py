"""Switching the service off for good (DESIGN §9): four eyes, a typed confirmation, then
destruction of every piece of personal data, the database's own space reclamation, a
scan of every table and a destruction certificate.

``request`` and ``approve`` need national administrators, two different ones to approve.
``run`` needs the typed confirmation. It closes feeds and sign-in (the service answers
every request with the decommissioned page from then on), writes a last audit entry,
then empties each table holding personal data in a transaction of its own, recording
each table as done: a run killed at any point is resumed by running it again and
finishes correctly. The audit trail goes too (its searches hold names typed by users);
the certificate keeps its final head hash and length, so the trail as it stood can
still be matched against any copy. Before destruction, ``export_for_successor`` writes
the signposting data (key professionals and flags) in the format of
docs/decommissioning.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, Text, func, select, text, update
from sqlalchemy.orm import Session

from contactpoint import db, spreadsheets
from contactpoint.access.policy import Action, Principal, decide
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record, seal_pending
from contactpoint.dialects import postgresql
from contactpoint.errors import AccessRefused, Conflict
from contactpoint.feeds.sources import SOURCES
from contactpoint.kinds.access import Role
from contactpoint.tables import Base
from contactpoint.tables.access import NationalPolicy, Organisation, User, UserRole
from contactpoint.tables.audit import AuditHead, lift_guard, restore_guard
from contactpoint.tables.children import Child
from contactpoint.tables.decommission import Decommission, Stage
from contactpoint.tables.feeds import FeedSourceState
from contactpoint.tables.signposting import VulnerabilityFlag

CONFIRMATION = "destroy all ContactPoint data"
# Tables kept after destruction, and the text columns in them that may still hold a
# value: none of them personal.
KEPT: dict[str, frozenset[str]] = {
    "decommission": frozenset({"stage", "requested_by", "approved_by", "certificate", "destroyed"}),
    "audit_head": frozenset({"last_hash"}),
    "national_policy": frozenset(),
    "feed_source_states": frozenset({"source", "changed_by"}),
    "organisations": frozenset({"code", "name", "kind", "la_code"}),
    "retention_runs": frozenset(),
}
OPERATOR = "decommission"


class DecommissionRefused(Conflict):
    """A step of decommissioning that may not be taken now, or by this person."""


def _national(principal: Principal) -> None:
    verdict = decide(principal, Action.SET_NATIONAL_POLICY)
    if not verdict.allowed or Role.NATIONAL_ADMIN not in principal.roles:
        raise AccessRefused("only national administrators decommission the service")


def current(session: Session) -> Decommission | None:
    return session.get(Decommission, 1)


def decommissioned(session: Session) -> bool:
    """Whether the service is closed for good (destruction begun or done): the one check
    the web app (every request answers 410) and the command line (every command but the
    record of the decommissioning is refused) both consult."""
    found = current(session)
    return found is not None and found.stage in (Stage.DESTROYING, Stage.DONE)


class Decommissioned(Conflict):
    """Asked of a service that has been decommissioned."""

    def __init__(self) -> None:
        super().__init__(
            "ContactPoint has been decommissioned and its data destroyed: this command is"
            " refused. Only the record of it still runs: `decommission` and `audit verify`."
        )


def request(session: Session, principal: Principal) -> Decommission:
    """A national administrator asks for the service to be decommissioned."""
    _national(principal)
    if current(session) is not None:
        raise DecommissionRefused("decommissioning has been asked for already")
    found = Decommission(id=1, stage=Stage.REQUESTED, requested_by=principal.username)
    found.approved_by = []
    found.destroyed = {}
    session.add(found)
    session.flush()
    record(session, Actor(principal.username, principal.user_id), AuditAction.DECOMMISSION_REQUEST)
    return found


def approve(session: Session, principal: Principal) -> Decommission:
    """One of the two approvals; the same person cannot give both."""
    _national(principal)
    found = current(session)
    if found is None:
        raise DecommissionRefused("nobody has asked for the service to be decommissioned")
    if found.stage is not Stage.REQUESTED:
        raise DecommissionRefused(f"decommissioning is {found.stage.value}: nothing to approve")
    if principal.username in found.approved_by:
        raise DecommissionRefused(
            "you have approved already: a second, different national administrator must approve"
        )
    found.approved_by = [*found.approved_by, principal.username]
    if len(found.approved_by) >= 2:
        found.stage = Stage.APPROVED
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.DECOMMISSION_APPROVE,
        details={"approvals": len(found.approved_by)},
    )
    return found


def export_for_successor(session: Session, directory: Path) -> list[Path]:
    """The signposting data for a successor service, before destruction: key
    professionals and vulnerability flags as CSV (docs/decommissioning.md)."""
    found = current(session)
    if found is not None and found.stage in (Stage.DESTROYING, Stage.DONE):
        raise DecommissionRefused("the data has been destroyed: there is nothing to export")
    directory.mkdir(parents=True, exist_ok=True)
    people = session.execute(
        select(
            Organisation.code, Organisation.name, User.display_name, User.job_title,
            User.email, User.phone,
        )
        .join(User, User.organisation_id == Organisation.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.KEY_PROFESSIONAL)
        .order_by(Organisation.code, User.display_name)
    )  # fmt: skip
    flags = session.execute(
        select(
            Child.cp_id, VulnerabilityFlag.kind, VulnerabilityFlag.started_on,
            VulnerabilityFlag.ended_on, VulnerabilityFlag.la_code,
        )
        .join(Child, Child.id == VulnerabilityFlag.child_id)
        .order_by(Child.cp_id, VulnerabilityFlag.started_on)
    )  # fmt: skip
    written = []
    for name, header, rows in (
        (
            "key-professionals.csv",
            "organisation_code organisation name job_title email phone",
            people,
        ),
        ("flags.csv", "cp_id kind started_on ended_on responsible_la_code", flags),
    ):
        path = directory / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = spreadsheets.writer(handle)
            writer.writerow(header.split())
            writer.writerows(["" if v is None else str(v) for v in row] for row in rows)
        written.append(path)
    return written


def run(engine: Engine, principal: Principal | None, confirmation: str) -> dict[str, Any]:
    """Destroy all personal data and write the certificate. A run killed part way is
    resumed by running it again; by then the accounts may be gone, so a resumption
    (``principal`` None) needs only the confirmation: the start was authorised."""
    with db.unit_of_work(engine) as session:
        found = current(session)
        if found is not None and found.stage is Stage.DONE:
            raise DecommissionRefused("the service was decommissioned already")
        if principal is not None or found is None or found.stage is not Stage.DESTROYING:
            if principal is None:
                raise AccessRefused("only national administrators decommission the service")
            _national(principal)
        if found is None or found.stage is Stage.REQUESTED:
            raise DecommissionRefused("decommissioning needs two national administrators' approval")
        if confirmation != CONFIRMATION:
            raise DecommissionRefused(f"type the confirmation exactly: {CONFIRMATION}")
        if found.stage is Stage.APPROVED:
            assert principal is not None
            _close(session, principal, found)
    seal_pending(engine, wait=True)  # the certificate's final hash covers every entry
    _destroy(engine)
    db.reclaim(engine, full=True)
    with db.unit_of_work(engine) as session:
        found = current(session)
        assert found is not None
        scan = scan_for_personal_data(session)
        if scan["personal_values_found"]:
            raise DecommissionRefused(f"personal data remains: {scan['problems']}")
        head = session.get(AuditHead, 1)
        assert head is not None
        certificate = {
            "decommissioned_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "requested_by": found.requested_by,
            "approved_by": found.approved_by,
            "run_by": principal.username if principal else "(resumed)",
            "destroyed_rows": {k: v for k, v in sorted(found.destroyed.items())},
            "audit_trail": {"entries": head.last_position, "final_head_hash": head.last_hash},
            "space_reclaimed": "VACUUM FULL" if postgresql(engine) else "VACUUM",
            "scan": scan,
        }
        found.certificate = certificate
        found.stage = Stage.DONE
        found.finished_at = datetime.now(UTC)
    return certificate


def certificate(session: Session) -> dict[str, Any]:
    """The destruction certificate as the database keeps it, to write it again (a run
    killed between its commit and writing the file left none)."""
    found = current(session)
    if found is None or found.stage is not Stage.DONE or found.certificate is None:
        raise DecommissionRefused("the service has not been decommissioned: no certificate")
    return dict(found.certificate)


@dataclass(frozen=True, slots=True)
class DestroyedTrail:
    """What ``audit verify`` says of the audit trail decommissioning destroyed."""

    message: str
    # The head kept in the database is the one the certificate names.
    head_kept: bool


def destroyed_trail(session: Session) -> DestroyedTrail | None:
    """After decommissioning, the certificate's count and final head of the audit trail
    it destroyed, and whether the head kept is that one. None while the service runs."""
    found = current(session)
    if found is None or found.stage is not Stage.DONE or found.certificate is None:
        return None
    trail = found.certificate["audit_trail"]
    head = session.get(AuditHead, 1)
    kept = head is not None and head.last_hash == trail["final_head_hash"]
    return DestroyedTrail(
        f"The audit trail was destroyed when the service was decommissioned"
        f" ({found.certificate['decommissioned_at']}): {trail['entries']} entries, final head"
        f" {trail['final_head_hash']}"
        + (", the head kept in the database." if kept else "; the head kept differs from it."),
        kept,
    )


def _close(session: Session, principal: Principal, found: Decommission) -> None:
    """Close the service: last audit entry, every feed suspended, nobody signs in."""
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.DECOMMISSION_START,
        details={"approved_by": found.approved_by},
    )
    for source in SOURCES:
        state = session.get(FeedSourceState, source)
        if state is None:
            state = FeedSourceState(source=source, changed_by=OPERATOR)
            session.add(state)
        state.suspended = True
        state.changed_by = OPERATOR
        state.reason = None
    found.stage = Stage.DESTROYING
    found.started_at = datetime.now(UTC)
    session.flush()


def _destroy(engine: Engine) -> None:
    """Empty every table that holds personal data, each in its own transaction."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in KEPT:
            continue
        with db.unit_of_work(engine) as session:
            found = current(session)
            assert found is not None
            if table.name in found.destroyed:
                continue
            count = session.scalar(select(func.count()).select_from(table)) or 0
            if table.name == "audit_log":
                _empty_audit_log(session)
            else:
                session.execute(table.delete())
            found.destroyed = {**found.destroyed, table.name: count}
    with db.unit_of_work(engine) as session:
        session.execute(update(Organisation).values(team_email=None, team_phone=None))
        session.execute(update(NationalPolicy).values(changed_by=None, reason=None))
        session.execute(update(FeedSourceState).values(changed_by=OPERATOR, reason=None))


def _empty_audit_log(session: Session) -> None:
    """The audit log refuses deletion by triggers; decommissioning, run by the database's
    owner, lifts them for this one statement and puts them back."""
    lift_guard(session)
    session.execute(text("DELETE FROM audit_log"))
    restore_guard(session)


def scan_for_personal_data(session: Session) -> dict[str, Any]:
    """Every table: tables that held personal data must be empty; the kept tables may
    hold values only in their non-personal text columns."""
    problems: list[str] = []
    rows: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        rows[table.name] = session.scalar(select(func.count()).select_from(table)) or 0
        if table.name not in KEPT:
            if rows[table.name]:
                problems.append(f"{table.name}: {rows[table.name]} rows")
            continue
        for column in table.columns:
            if column.name in KEPT[table.name] or not isinstance(column.type, String | Text):
                continue
            held = session.scalar(
                select(func.count()).select_from(table).where(column.is_not(None))
            )
            if held:
                problems.append(f"{table.name}.{column.name}: {held} values")
    return {
        "tables_scanned": len(rows),
        "rows_left": {k: v for k, v in sorted(rows.items()) if v},
        "personal_values_found": len(problems),
        "problems": problems,
    }
