"""Reports for each local authority (DESIGN §9): children of compulsory school age with
no school registration (children missing education), and children with no GP practice.

Children recorded as having left England are not listed. For the authority's own data
managers; a report lists ContactPoint IDs, names and dates of birth only, and producing
it is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, decide
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused
from contactpoint.kinds.children import ChildStatus, RegistrationKind
from contactpoint.records.lifecycle import years_after
from contactpoint.tables.children import Child, ServiceRegistration

# Compulsory school age: from the school year after the fifth birthday to the end of
# the school year of the sixteenth (Education Act 1996 s.8), measured on 31 August.
SCHOOL_STARTS_AT = 5
SCHOOL_ENDS_AT = 16


@dataclass(frozen=True, slots=True)
class Listed:
    cp_id: str
    given_names: str | None
    family_name: str | None
    date_of_birth: date | None


def _school_year_start(today: date) -> date:
    return date(today.year if today.month >= 9 else today.year - 1, 8, 31)


def _own_authority(principal: Principal) -> str:
    verdict = decide(principal, Action.AUTHORITY_REPORTS)
    if not verdict.allowed or principal.la_code is None:
        raise AccessRefused(verdict.reason)
    return principal.la_code


def missing_education(session: Session, principal: Principal, today: date) -> list[Listed]:
    """The authority's children of compulsory school age with no school registration."""
    la_code = _own_authority(principal)
    cutoff = _school_year_start(today)
    youngest = years_after(cutoff, -SCHOOL_STARTS_AT)  # fifth birthday by last 31 August
    oldest = years_after(cutoff, -SCHOOL_ENDS_AT)  # sixteenth after the previous 31 August
    listed = _listed(
        session,
        la_code,
        RegistrationKind.SCHOOL,
        Child.date_of_birth <= youngest,
        Child.date_of_birth > oldest,
    )
    _audit(session, principal, AuditAction.REPORT_MISSING_EDUCATION, la_code, len(listed))
    return listed


def no_gp(session: Session, principal: Principal) -> list[Listed]:
    """The authority's children registered with no GP practice."""
    la_code = _own_authority(principal)
    listed = _listed(session, la_code, RegistrationKind.GP)
    _audit(session, principal, AuditAction.REPORT_NO_GP, la_code, len(listed))
    return listed


def _listed(session: Session, la_code: str, kind: RegistrationKind, *where: object) -> list[Listed]:
    registered = exists().where(
        ServiceRegistration.child_id == Child.id, ServiceRegistration.kind == kind
    )
    rows = session.execute(
        select(Child.cp_id, Child.given_names, Child.family_name, Child.date_of_birth)
        .where(
            Child.responsible_la_code == la_code,
            Child.status == ChildStatus.ACTIVE,
            # A child who has left England is no longer the authority's to find.
            Child.left_england_on.is_(None),
            ~registered,
            *where,  # type: ignore[arg-type]
        )
        .order_by(Child.family_name, Child.given_names, Child.cp_id)
    )
    return [Listed(*row) for row in rows]


def _audit(
    session: Session, principal: Principal, action: AuditAction, la_code: str, count: int
) -> None:
    record(
        session,
        Actor(principal.username, principal.user_id),
        action,
        details={"la_code": la_code, "children": count},
    )
