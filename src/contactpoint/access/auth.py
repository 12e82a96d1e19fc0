"""Signing in (password, then a TOTP code), server-side sessions with idle and absolute
timeouts, lockout after repeated failures, signing out, and machine tokens. Every
attempt, success or failure, is audited. Nothing here commits — except that the web and
CLI layers commit a refusal's audit entry and lockout counters (they must outlive the
refusal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from contactpoint.access import accounts, credentials, throttle
from contactpoint.access.policy import Principal
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import FAILED, Actor, Refusal, record, record_refusal
from contactpoint.errors import AccessRefused, NotSignedIn
from contactpoint.kinds.access import UserStatus
from contactpoint.settings import get_settings
from contactpoint.tables.access import ApiToken, LoginSession, Organisation, User, UserRole

WRONG = "the username, password or code is not right"
# last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=30)


class SignInRefused(NotSignedIn):
    """A sign-in attempt that failed; the message is safe to show."""


class ScopeRefused(AccessRefused):
    """A live API token without the scope the call needs."""


@dataclass(frozen=True, slots=True)
class Started:
    """A password accepted: the session waits for the second factor."""

    token: str
    login: LoginSession


@dataclass(frozen=True, slots=True)
class Current:
    """The signed-in user of a request. ``csrf_token`` and ``display_name`` are copied
    out, so pages (an error page after a rollback, too) never touch the ORM rows."""

    login: LoginSession
    user: User
    principal: Principal
    csrf_token: str
    display_name: str

    @property
    def actor(self) -> Actor:
        # From the principal (plain values), so it works after the request's rollback.
        return Actor(self.principal.username, self.principal.user_id)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def unusable_because(account: User, today: date) -> str | None:
    """Why an account may not be used — to sign in, or to act for on the command line:
    its status when not active ("suspended", "pending"...), or "expired" when its
    certification has lapsed; None when it may."""
    if account.status is not UserStatus.ACTIVE:
        return account.status.value
    if account.certified_until is not None and account.certified_until < today:
        return "expired"
    return None


def acting_for(session: Session, username: str, today: date) -> Principal:
    """The named account as policy sees it, for a command run on its behalf (``--as``):
    the policy decides what it may do, and the audit trail records the action as its
    own. Only an account that could sign in may act (``unusable_because``)."""
    account = accounts.user(session, username)
    state = unusable_because(account, today)
    if state is not None:
        raise AccessRefused(f"{username}'s account is {state}: only an active account may act")
    la_code = session.scalar(
        select(Organisation.la_code).where(Organisation.id == account.organisation_id)
    )
    return Principal(account.id, username, accounts.roles_of(session, account.id), la_code)


def _usable(account: User, today: date) -> str | None:
    """Why an account with the right password still may not sign in, to the person."""
    state = unusable_because(account, today)
    if state is None:
        return None
    if state == UserStatus.SUSPENDED.value:
        return "this account is suspended: ask your user administrator"
    if state == "expired":
        return "this account has expired: ask your user administrator to re-certify it"
    return "this account is not active yet: ask your user administrator"


def _fail(session: Session, account: User, now: datetime, action: AuditAction, source: str) -> None:
    settings = get_settings()
    throttle.failed(session, account.username, source, now)
    account.failed_logins += 1
    beyond = account.failed_logins - settings.login_account_max_failures
    if beyond >= 0:
        # Many addresses guessing one account: it pauses everywhere, briefly, doubling.
        # From one address the username pauses there long before (``throttle``), so a
        # stranger typing a colleague's name keeps nobody but themselves out.
        minutes = min(2 ** min(beyond, 10), settings.login_lockout_minutes)
        account.locked_until = now + timedelta(minutes=minutes)
    session.flush()
    record(
        session,
        Actor(account.username, account.id),
        action,
        outcome=FAILED,
        details={"failures": account.failed_logins, "locked": account.locked_until is not None},
    )


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    source: str = throttle.UNKNOWN_SOURCE,
    now: datetime | None = None,
) -> Started:
    """Check the password; a session waiting for the second factor. ``source``: the
    address the attempt comes from (``throttle``)."""
    moment = _now(now)
    source = throttle.source_of(source)
    account = session.scalar(select(User).where(User.username == username[:100]))
    if throttle.paused(session, username, source, moment):
        credentials.password_matches(None, password)  # the same time taken as ever
        refusal = Refusal(
            Actor(account.username, account.id) if account else Actor(username[:100]),
            AuditAction.SIGN_IN_PASSWORD,
            details={"paused": "this username from this address"},
        )
        record_refusal(session, refusal)
        raise SignInRefused(WRONG)
    if account is None:
        credentials.password_matches(None, password)
        throttle.failed(session, username, source, moment)
        record(
            session,
            Actor(username[:100] or "(blank)"),
            AuditAction.SIGN_IN_PASSWORD,
            outcome=FAILED,
        )
        raise SignInRefused(WRONG)
    if account.locked_until is not None and _aware(account.locked_until) > moment:
        refusal = Refusal(
            Actor(account.username, account.id),
            AuditAction.SIGN_IN_PASSWORD,
            details={"locked_until": _aware(account.locked_until).isoformat()},
        )
        record_refusal(session, refusal)
        # The same words as a wrong password: an answer that said "locked" would tell
        # which usernames exist (security review S10).
        raise SignInRefused(WRONG)
    if not credentials.password_matches(account.password_hash, password):
        _fail(session, account, moment, AuditAction.SIGN_IN_PASSWORD, source)
        raise SignInRefused(WRONG)
    if account.password_hash and credentials.needs_rehash(account.password_hash):
        account.password_hash = credentials.hash_password(password)
    problem = _usable(account, moment.date())
    if problem:
        refusal = Refusal(
            Actor(account.username, account.id), AuditAction.SIGN_IN_PASSWORD, reason=problem
        )
        record_refusal(session, refusal)
        raise SignInRefused(problem)
    token = credentials.new_token()
    login = LoginSession(
        token_hash=credentials.token_hash(token),
        user_id=account.id,
        csrf_token=credentials.new_token(),
        created_at=moment,
        last_seen_at=moment,
        expires_at=moment + timedelta(hours=get_settings().session_absolute_hours),
        overrides=[],
    )
    session.add(login)
    session.flush()
    record(session, Actor(account.username, account.id), AuditAction.SIGN_IN_PASSWORD)
    return Started(token, login)


def second_factor(
    session: Session,
    token: str,
    code: str,
    *,
    source: str = throttle.UNKNOWN_SOURCE,
    now: datetime | None = None,
) -> Started:
    """Check the TOTP code; the session is then signed in under a new token (the one
    from the password step stops working)."""
    moment = _now(now)
    source = throttle.source_of(source)
    login = _session(session, token, moment, second_factor_done=False)
    account = session.get(User, login.user_id)
    assert account is not None
    if (account.locked_until is not None and _aware(account.locked_until) > moment) or (
        throttle.paused(session, account.username, source, moment)
    ):
        raise SignInRefused("this account is paused after repeated failures: try again later")
    step = (
        credentials.totp_step(account.totp_secret, code, account.totp_last_step, moment.timestamp())
        if account.totp_secret
        else None
    )
    if step is None:
        _fail(session, account, moment, AuditAction.SIGN_IN_CODE, source)
        raise SignInRefused(WRONG)
    throttle.succeeded(session, account.username, source)
    fresh = credentials.new_token()
    account.totp_last_step = step
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = moment
    login.token_hash = credentials.token_hash(fresh)
    login.second_factor_at = moment
    login.last_seen_at = moment
    session.flush()
    record(session, Actor(account.username, account.id), AuditAction.SIGN_IN)
    return Started(fresh, login)


def _session(
    session: Session, token: str, moment: datetime, *, second_factor_done: bool
) -> LoginSession:
    login = session.scalar(
        select(LoginSession).where(LoginSession.token_hash == credentials.token_hash(token))
    )
    return _live(session, login, moment, second_factor_done=second_factor_done)


def _live(
    session: Session, login: LoginSession | None, moment: datetime, *, second_factor_done: bool
) -> LoginSession:
    """The session, if it is open, at the right step, and neither idle nor too old."""
    if login is None or login.ended_at is not None:
        raise NotSignedIn("you are not signed in")
    if (login.second_factor_at is not None) != second_factor_done:
        raise NotSignedIn("finish signing in first" if second_factor_done else "you are signed in")
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if _aware(login.expires_at) <= moment or _aware(login.last_seen_at) + idle <= moment:
        login.ended_at = moment
        session.flush()
        raise NotSignedIn("your session has expired: sign in again")
    return login


# Built once: every request runs it.
_CURRENT = (
    select(LoginSession, User, Organisation.la_code, UserRole.role)
    .join(User, User.id == LoginSession.user_id)
    .join(Organisation, Organisation.id == User.organisation_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


def current(session: Session, token: str, *, now: datetime | None = None) -> Current:
    """The signed-in user behind a session token (refused if the account stopped being
    usable since). Every request asks this, so the session, the account, its authority
    and its roles come in one query (a row per role)."""
    moment = _now(now)
    rows = session.execute(_CURRENT, {"token_hash": credentials.token_hash(token)}).all()
    login = _live(session, rows[0][0] if rows else None, moment, second_factor_done=True)
    account, la_code = rows[0][1], rows[0][2]
    problem = _usable(account, moment.date())
    if problem:
        login.ended_at = moment
        session.flush()
        raise NotSignedIn(problem)
    if moment - _aware(login.last_seen_at) >= TOUCH_EVERY:
        login.last_seen_at = moment
    roles = frozenset(row[3] for row in rows if row[3] is not None)
    principal = Principal(account.id, account.username, roles, la_code)
    return Current(login, account, principal, login.csrf_token, account.display_name)


def sign_out(session: Session, token: str, *, now: datetime | None = None) -> None:
    moment = _now(now)
    login = session.scalar(
        select(LoginSession).where(LoginSession.token_hash == credentials.token_hash(token))
    )
    if login is None or login.ended_at is not None:
        return
    login.ended_at = moment
    account = session.get(User, login.user_id)
    record(
        session, Actor(account.username if account else "?", login.user_id), AuditAction.SIGN_OUT
    )


def machine(session: Session, token: str, scope: str, *, now: datetime | None = None) -> Actor:
    """The machine client holding ``token``, if the token is live and has ``scope``."""
    moment = _now(now)
    found = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == credentials.token_hash(token))
    )
    if found is None or found.revoked_at is not None or _aware(found.expires_at) <= moment:
        raise NotSignedIn("the API token is not valid")
    if scope not in found.scopes:
        raise ScopeRefused(f"the API token does not allow {scope}")
    session.execute(update(ApiToken).where(ApiToken.id == found.id).values(last_used_at=moment))
    return Actor(f"token:{found.name}")
