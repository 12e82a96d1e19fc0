"""A practitioner's search: the search engine's results, each shown as the policy allows,
and the search written to the audit trail (criteria, reason, how many found).

What a result shows depends on the policy's disclosure for that child: the golden
record's name, date of birth, gender, postcode district and authority (full); only that
a shielded record matches and whom to contact (exists only) — never when the search
names a postcode or an address; or nothing (an archived record for a practitioner is
left out, and not counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.access.policy import Action, Disclosure, Principal, RecordState, decide
from contactpoint.access.reasons import STATUTORY, Reason
from contactpoint.access.state import archived_long
from contactpoint.audit import misuse
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused
from contactpoint.geography import local_authorities
from contactpoint.identifiers import parse_postcode
from contactpoint.search.query import SearchQuery, as_typed
from contactpoint.search.service import Outcome, search
from contactpoint.settings import get_settings
from contactpoint.tables.access import Organisation
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child


class SearchRefused(AccessRefused):
    """The user's role does not include searching (audited by the edge that refuses)."""


class TooManySearches(AccessRefused):
    """More searches in a minute than ``searches_per_minute``: refused (audited by the
    edge that refuses, which also raises ``alert`` to the auditors at once)."""

    def __init__(self, message: str, alert: misuse.Finding) -> None:
        super().__init__(message)
        self.alert = alert


def _within_limit(session: Session, principal: Principal) -> None:
    """Refuse a search beyond the user's limit a minute: many searches in a row list a
    large part of the index (security review S7)."""
    limit = get_settings().searches_per_minute
    now = datetime.now(UTC)
    made = (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.user_id == principal.user_id,
                AuditEntry.action == "search",
                AuditEntry.at >= now - timedelta(minutes=1),
            )
        )
        or 0
    )
    if made >= limit:
        alert = misuse.Finding(
            misuse.Pattern.HARVESTING, principal.user_id, principal.username, now.date(), made,
            f"{made} searches in a minute, the limit being {limit}",
        )  # fmt: skip
        raise TooManySearches(
            f"you have made {made} searches in the last minute, the most allowed: wait a"
            " minute and search again", alert,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Contact:
    """Whom to contact about a shielded record: the owning authority's ContactPoint team."""

    authority: str
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class Finding:
    cp_id: str
    disclosure: Disclosure
    reason: str
    given_names: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    gender: str | None = None
    postcode_district: str | None = None
    authority: str | None = None
    deceased: bool = False
    archived: bool = False
    contact: Contact | None = None


@dataclass(frozen=True, slots=True)
class Findings:
    too_many: bool
    findings: tuple[Finding, ...] = ()
    narrow_by: tuple[str, ...] = ()
    message: str = ""


def find_children(
    session: Session, principal: Principal, actor: Actor, query: SearchQuery, reason: Reason
) -> Findings:
    """Search as ``principal``; audited whatever the outcome."""
    asked = as_typed(query)
    verdict = decide(principal, Action.SEARCH)
    if not verdict.allowed:
        raise SearchRefused(verdict.reason)
    _within_limit(session, principal)
    outcome = search(session, query)
    if outcome.outcome is Outcome.TOO_MANY:
        record(
            session, actor, AuditAction.SEARCH, reason=str(reason),
            details={"results": "too many"}, personal={"criteria": asked},
        )  # fmt: skip
        return Findings(True, narrow_by=outcome.narrow_by, message=outcome.message)
    ids = [result.child_id for result in outcome.results]
    children = {c.id: c for c in db.read_connection(session).execute(_LISTED, {"ids": ids})}
    # Whom to contact is shown for shielded records only.
    teams = _teams(session, {c.responsible_la_code for c in children.values() if c.shielded})
    # A search naming a place never finds a record shielded from the searcher: were it
    # listed, trying postcodes one after another would show where the child lives.
    names_a_place = bool(query.postcode or query.address)
    findings = []
    for result in outcome.results:
        child = children[result.child_id]
        # The same state a look at the record is decided on: a record long in the
        # archive is listed only for a statutory enquiry, as it is opened only for one.
        state = RecordState(
            child.status,
            shielded=child.shielded,
            la_code=child.responsible_la_code,
            held_for=child.held_for_la_code,
            deep_archive=archived_long(child.status, child.statutory_only_on),
            statutory_enquiry=reason.code in STATUTORY,
        )
        shown = decide(principal, Action.VIEW, state).disclosure
        if shown is Disclosure.NONE:
            continue
        if shown is Disclosure.EXISTS_ONLY:
            if names_a_place:
                continue
            findings.append(
                Finding(
                    child.cp_id,
                    shown,
                    "a shielded record matches",
                    contact=teams.get(child.responsible_la_code),
                )
            )
            continue
        findings.append(
            Finding(
                cp_id=child.cp_id,
                disclosure=shown,
                reason=result.reason,
                given_names=child.given_names,
                family_name=child.family_name,
                date_of_birth=child.date_of_birth,
                gender=child.gender,
                postcode_district=_district(child.postcode),
                authority=_authority(child.responsible_la_code),
                deceased=child.date_of_death is not None,
                archived=child.status.value == "archived",
            )
        )
    listed = [finding.cp_id for finding in findings]
    # The children listed, for their subject access; the criteria kept apart from the
    # chain, so purging a child erases what was typed to find it.
    ids_of = {child.cp_id: child.id for child in children.values()}
    record(
        session, actor, AuditAction.SEARCH, reason=str(reason),
        details={"results": len(findings), "cp_ids": listed},
        children=[ids_of[cp_id] for cp_id in listed], personal={"criteria": asked},
    )  # fmt: skip
    return Findings(False, tuple(findings))


# What a result list shows of each child, and what the policy decides on: plain rows
# (loading whole ORM children cost a tenth of a search's time).
_LISTED = select(
    Child.id,
    Child.cp_id,
    Child.status,
    Child.shielded,
    Child.responsible_la_code,
    Child.given_names,
    Child.family_name,
    Child.date_of_birth,
    Child.gender,
    Child.postcode,
    Child.date_of_death,
    Child.held_for_la_code,
    Child.statutory_only_on,
).where(Child.id.in_(bindparam("ids", expanding=True)))


def _teams(session: Session, la_codes: set[str | None]) -> dict[str | None, Contact]:
    codes = [code for code in la_codes if code]
    if not codes:
        return {}
    rows = session.execute(
        select(
            Organisation.la_code,
            Organisation.name,
            Organisation.team_email,
            Organisation.team_phone,
        ).where(Organisation.la_code.in_(codes))
    ).all()
    return {row.la_code: Contact(row.name, row.team_email, row.team_phone) for row in rows}


def _district(postcode: str | None) -> str | None:
    """The postcode district only (LS6): enough to tell children apart in a list."""
    return parse_postcode(postcode).district if postcode else None


def _authority(la_code: str | None) -> str | None:
    found = local_authorities().get(la_code or "")
    return found.name if found else la_code
