"""Organisations and user accounts: creating users, recording training, vetting and the
user agreement, two-factor enrolment, activation, suspension, re-certification and the
onboarding policy (machine tokens: ``feeds.tokens``). Every change is audited in the
same transaction. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from contactpoint.access import credentials
from contactpoint.access.caps import check_room
from contactpoint.access.policy import Principal
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused, AccountRefused, InvalidValue, NotFound
from contactpoint.kinds.access import OrganisationKind, Role, UserStatus
from contactpoint.settings import get_settings
from contactpoint.tables.access import NationalPolicy, Organisation, User, UserRole


class OutsideRemit(AccessRefused):
    """An administrator reaching beyond their own organisation or their roles to grant."""


NATIONAL_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.AUDITOR})  # granted nationally only


def organisation(session: Session, code: str) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.code == code))
    if found is None:
        raise NotFound(f"no organisation with code {code!r}")
    return found


def create_organisation(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: OrganisationKind,
    la_code: str | None = None,
    team_email: str | None = None,
    team_phone: str | None = None,
) -> Organisation:
    if session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
        raise AccountRefused(f"an organisation with code {code!r} already exists")
    if kind is OrganisationKind.LOCAL_AUTHORITY and not la_code:
        raise InvalidValue("la_code", "", "a local authority needs its GSS code (E06000010)")
    found = Organisation(
        code=code,
        name=name,
        kind=kind,
        la_code=la_code,
        team_email=team_email,
        team_phone=team_phone,
        onboarding_open=True,
    )
    session.add(found)
    session.flush()
    record(
        session, actor, AuditAction.ORGANISATION_CREATE, details={"code": code, "kind": kind.value}
    )
    return found


def user(session: Session, username: str) -> User:
    found = session.scalar(select(User).where(User.username == username))
    if found is None:
        raise NotFound(f"no user {username!r}")
    return found


def roles_of(session: Session, user_id: int) -> frozenset[Role]:
    return frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def onboarding_open(session: Session, org: Organisation | None) -> bool:
    """Whether new accounts may be created (in ``org``; None: nationally)."""
    national = session.get(NationalPolicy, 1)
    here = org is None or org.onboarding_open
    return bool(here and (national is None or national.onboarding_open))


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    email: str,
    organisation_code: str,
    roles: Iterable[Role],
    job_title: str | None = None,
    phone: str | None = None,
    principal: Principal | None = None,
) -> User:
    """A new, pending account. Refused while national or the authority's policy has
    closed onboarding of new users, and, for an administrator (``principal``), outside
    their remit."""
    org = organisation(session, organisation_code)
    granted = sorted(set(roles))
    home = None if principal is None else _home(session, principal)
    if home is not None and (org.id != home or NATIONAL_ROLES.intersection(granted)):
        raise OutsideRemit("you create accounts in your own organisation, without national roles")
    if not onboarding_open(session, org):
        raise AccountRefused(
            f"onboarding of new users is closed ({org.name} or national policy):"
            " no new accounts can be created"
        )
    if (
        not username
        or len(username) > 100
        or not username.replace(".", "").replace("-", "").isalnum()
    ):
        raise InvalidValue("username", "", "use letters, digits, dots and hyphens (at most 100)")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountRefused(f"the username {username!r} is taken")
    if "@" not in email or len(email) > 200:
        raise InvalidValue("email", "", "is not an e-mail address")
    if not display_name.strip() or len(display_name) > 200:
        raise InvalidValue("display_name", "", "give the person's name (at most 200 characters)")
    if not granted:
        raise InvalidValue("roles", "", "give the user at least one role")
    if Role.KEY_PROFESSIONAL in granted:
        check_room(session, org)
    account = User(
        username=username,
        display_name=display_name,
        email=email,
        phone=phone,
        job_title=job_title,
        organisation_id=org.id,
        status=UserStatus.PENDING,
        failed_logins=0,
        created_by=actor.name,
    )
    session.add(account)
    session.flush()
    session.add_all(
        UserRole(user_id=account.id, role=role, granted_by=actor.name) for role in granted
    )
    session.flush()
    record(
        session,
        actor,
        AuditAction.USER_CREATE,
        details={"username": username, "organisation": org.code, "roles": granted},
    )
    return account


def set_password(session: Session, actor: Actor, account: User, password: str) -> None:
    credentials.check_password_rules(
        password, user_inputs=(account.username, account.display_name, account.email)
    )
    account.password_hash = credentials.hash_password(password)
    account.password_changed_at = datetime.now(UTC)
    record(session, actor, AuditAction.USER_PASSWORD, details={"username": account.username})


def record_checks(
    session: Session,
    actor: Actor,
    account: User,
    *,
    training: date | None = None,
    vetting: date | None = None,
    agreement: date | None = None,
) -> None:
    """Record training completion, the enhanced DBS check and the signed user agreement."""
    today = date.today()
    for field, value in (("training", training), ("vetting", vetting), ("agreement", agreement)):
        if value is not None and value > today:
            raise InvalidValue(field, value.isoformat(), "is in the future")
    if training:
        account.training_completed_on = training
    if vetting:
        account.vetting_checked_on = vetting
    if agreement:
        account.agreement_signed_on = agreement
    session.flush()
    record(
        session,
        actor,
        AuditAction.USER_CHECKS,
        details={
            "username": account.username,
            "training": training and training.isoformat(),
            "vetting": vetting and vetting.isoformat(),
            "agreement": agreement and agreement.isoformat(),
        },
    )


def begin_totp_enrolment(session: Session, actor: Actor, account: User) -> str:
    """A new TOTP secret for the account (shown once, as a QR code); enrolment completes
    when the user proves it with a code."""
    account.totp_secret = credentials.new_totp_secret()
    account.totp_enrolled_at = None
    account.totp_last_step = None
    session.flush()
    record(session, actor, AuditAction.USER_TOTP_RESET, details={"username": account.username})
    return account.totp_secret


def confirm_totp_enrolment(session: Session, actor: Actor, account: User, code: str) -> None:
    if account.totp_secret is None:
        raise AccountRefused("two-factor enrolment has not been started for this account")
    step = credentials.totp_step(account.totp_secret, code, account.totp_last_step)
    if step is None:
        record(
            session,
            actor,
            AuditAction.USER_TOTP_ENROL,
            outcome="failed",
            details={"username": account.username},
        )
        raise InvalidValue("code", "", "is not the code your authenticator shows now")
    account.totp_last_step = step
    account.totp_enrolled_at = datetime.now(UTC)
    session.flush()
    record(session, actor, AuditAction.USER_TOTP_ENROL, details={"username": account.username})


@dataclass(frozen=True, slots=True)
class Readiness:
    missing: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.missing


def readiness(account: User, today: date | None = None) -> Readiness:
    """What an account still lacks before it may be active."""
    settings = get_settings()
    today = today or date.today()
    missing = []
    if account.training_completed_on is None:
        missing.append("training completion")
    if account.vetting_checked_on is None:
        missing.append("an enhanced DBS check")
    elif account.vetting_checked_on < today - timedelta(days=365 * settings.vetting_valid_years):
        missing.append(f"an enhanced DBS check within {settings.vetting_valid_years} years")
    if account.agreement_signed_on is None:
        missing.append("the signed user agreement")
    if account.totp_enrolled_at is None:
        missing.append("two-factor enrolment")
    if account.password_hash is None:
        missing.append("a password")
    return Readiness(tuple(missing))


def activate(session: Session, actor: Actor, account: User, today: date | None = None) -> None:
    """Activate (and certify) an account that has everything; refused naming what lacks."""
    today = today or date.today()
    needs = readiness(account, today)
    if not needs.ready:
        raise AccountRefused(
            f"{account.username} cannot be activated yet: needs {', '.join(needs.missing)}"
        )
    account.status = UserStatus.ACTIVE
    account.status_reason = None
    account.certified_until = today + timedelta(days=get_settings().certification_days)
    session.flush()
    record(session, actor, AuditAction.USER_ACTIVATE, details={"username": account.username})


def suspend(session: Session, actor: Actor, account: User, reason: str) -> None:
    if not reason.strip():
        raise InvalidValue("reason", "", "say why the account is suspended")
    account.status = UserStatus.SUSPENDED
    account.status_reason = reason
    session.flush()
    record(
        session,
        actor,
        AuditAction.USER_SUSPEND,
        reason=reason,
        details={"username": account.username},
    )


def set_onboarding(
    session: Session,
    actor: Actor,
    *,
    open_: bool,
    reason: str,
    organisation_code: str | None = None,
) -> None:
    """Open or close onboarding of new users, nationally or for one authority."""
    if organisation_code is None:
        policy = session.get(NationalPolicy, 1)
        if policy is None:
            policy = NationalPolicy(id=1)
            session.add(policy)
        policy.onboarding_open = open_
        policy.changed_by = actor.name
        policy.changed_at = datetime.now(UTC)
        policy.reason = reason
    else:
        organisation(session, organisation_code).onboarding_open = open_
    session.flush()
    record(
        session,
        actor,
        AuditAction.POLICY_ONBOARDING,
        reason=reason,
        details={"open": open_, "scope": organisation_code or "national"},
    )


@dataclass(frozen=True, slots=True)
class Managed:
    """An account as its administrators see it."""

    account: User
    organisation: Organisation
    roles: frozenset[Role]


def _home(session: Session, principal: Principal) -> int | None:
    """The organisation whose accounts ``principal`` manages; None for every one."""
    if Role.NATIONAL_ADMIN in principal.roles:
        return None
    return session.scalar(select(User.organisation_id).where(User.id == principal.user_id))


def grantable_roles(principal: Principal) -> tuple[Role, ...]:
    national = Role.NATIONAL_ADMIN in principal.roles
    return tuple(role for role in Role if national or role not in NATIONAL_ROLES)


def organisations_for(session: Session, principal: Principal) -> list[Organisation]:
    """The organisations whose accounts ``principal`` manages, by name."""
    home = _home(session, principal)
    query = select(Organisation).order_by(Organisation.name)
    return list(session.scalars(query if home is None else query.where(Organisation.id == home)))


def manageable_users(
    session: Session, principal: Principal, username: str | None = None
) -> list[Managed]:
    """The accounts ``principal`` administers (or only ``username``'s), by organisation
    and name: every listing of accounts goes through this one scope. An account holding
    a role ``principal`` may not grant (a national administrator's, to a user
    administrator) is not theirs to manage, even in their own organisation."""
    grantable = frozenset(grantable_roles(principal))
    listed = _accounts(session, _home(session, principal), username)
    return [found for found in listed if found.roles <= grantable]


def every_account(session: Session) -> list[Managed]:
    """Every account with its organisation and roles, by organisation and name (for the
    operator's command line)."""
    return _accounts(session, None, None)


def _accounts(session: Session, home: int | None, username: str | None) -> list[Managed]:
    query = (
        select(User, Organisation, UserRole.role)
        .join(Organisation, User.organisation_id == Organisation.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(true() if home is None else User.organisation_id == home)
        .where(true() if username is None else User.username == username)
        .order_by(Organisation.name, User.display_name, User.id)
    )
    found: dict[int, tuple[User, Organisation, set[Role]]] = {}
    for account, org, role in session.execute(query):
        found.setdefault(account.id, (account, org, set()))[2].add(role)
    return [Managed(account, org, frozenset(roles)) for account, org, roles in found.values()]


def managed_user(session: Session, principal: Principal, username: str) -> Managed:
    """``username``'s account, if ``principal`` administers it."""
    for found in manageable_users(session, principal, username):
        return found
    account = user(session, username)  # NotFound when there is no such account at all
    if account.organisation_id == _home(session, principal):
        raise OutsideRemit(f"{username} holds a role you may not grant: you may not manage it")
    raise OutsideRemit(f"{username} belongs to another organisation: you may not manage it")
