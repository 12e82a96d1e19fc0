"""User administration: the accounts an administrator manages, creating an account,
recording training, vetting and the user agreement, two-factor enrolment (done with
the user present), a first password, activation, suspension, and the onboarding policy.

A user administrator manages their own organisation's accounts; a national
administrator manages every organisation's and sets national policy. Every page needs
``Action.MANAGE_USERS`` (``AdminPage``, ``AdminForm``); whose accounts these are is
decided in ``access.accounts`` (``manageable_users``, ``managed_user``), which audits
every change. Each form posts its CSRF token; on success the browser is redirected to a
page with a success banner, and a problem re-shows the form with an error summary.
Lengths are checked here, so an over-long value is an error on the form, never a failed
database write.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from contactpoint.access import accounts, credentials
from contactpoint.access.accounts import Managed, OutsideRemit
from contactpoint.access.policy import Action, decide
from contactpoint.errors import AccountRefused, InvalidValue, NotFound
from contactpoint.kinds.access import Role
from contactpoint.web.auth import require
from contactpoint.web.deps import Done
from contactpoint.web.forms import posted_date, sentence
from contactpoint.web.pages import Page, requiring

router = APIRouter(include_in_schema=False)

ROLE_VALUES = frozenset(role.value for role in Role)
# Each field's name in messages.
LABELS = {
    "username": "Username", "display_name": "Name", "email": "Email address",
    "job_title": "Job title", "organisation": "Organisation", "reason": "The reason",
    "code": "The code", "password": "Password",
    "training": "The date training was completed",
    "vetting": "The date of the enhanced DBS check",
    "agreement": "The date the user agreement was signed",
}  # fmt: skip
# The most characters each free-text field takes (the columns' sizes, or near).
LIMITS = {
    "username": 100, "display_name": 200, "email": 200, "job_title": 200,
    "organisation": 20, "reason": 500, "code": 20, "password": 200,
}  # fmt: skip
CHECKS = ("training", "vetting", "agreement")
NEW_FIELDS = ("username", "display_name", "email", "job_title", "organisation")
# Which change a success banner reports (templates/users/parts.html words each).


AdminPage = Annotated[Page, Depends(requiring(Action.MANAGE_USERS))]
AdminForm = Annotated[Page, Depends(requiring(Action.MANAGE_USERS, posted=True))]


def _sentence(text: str, field: str | None = None) -> str:
    """A domain error's reason as a sentence (about ``field``, if it needs its name)."""
    return sentence(text, field, LABELS)


def _too_long(values: dict[str, str]) -> dict[str, str]:
    return {
        name: f"{LABELS[name]} must be {LIMITS[name]} characters or fewer"
        for name, value in values.items()
        if len(value) > LIMITS[name]
    }


def _to_account(username: str, done: str = "") -> Response:
    query = f"?done={done}" if done else ""
    return RedirectResponse(f"/users/{quote(username, safe='')}{query}", status_code=303)


def _index(admin: Page, done: str = "", errors: dict[str, str] | None = None) -> Response:
    principal = admin.user.principal
    national = decide(principal, Action.SET_NATIONAL_POLICY).allowed
    managed = accounts.manageable_users(admin.session, principal)
    context = {
        "managed": [(m, accounts.readiness(m.account).missing) for m in managed],
        "national": national,
        "national_open": accounts.onboarding_open(admin.session, None),
        # A user administrator's own authority (a national administrator has every one).
        "authority": None if national else accounts.organisations_for(admin.session, principal)[0],
        "done": done,
        "errors": errors or {},
    }
    return admin.render("users/index.html", context, 400 if errors else 200)


@router.get("/users", response_class=HTMLResponse)
def users_page(admin: AdminPage, done: Done = "") -> Response:
    return _index(admin, done)


@router.post("/users/onboarding")
def set_onboarding(admin: AdminForm) -> Response:
    scope = "national" if admin.value("scope") == "national" else "authority"
    code = None
    if scope == "national":
        require(admin.user, Action.SET_NATIONAL_POLICY)
    else:
        code = admin.value("organisation")
        remit = accounts.organisations_for(admin.session, admin.user.principal)
        if code not in {org.code for org in remit}:
            raise OutsideRemit("you set the onboarding policy of your own authority only")
    reason = admin.value("reason")
    errors = {f"{scope}-reason": text for text in _too_long({"reason": reason}).values()}
    if not reason:
        errors[f"{scope}-reason"] = "Enter the reason for the change"
    if errors:
        return _index(admin, errors=errors)
    open_ = admin.value("open") == "yes"
    actor = admin.user.actor
    accounts.set_onboarding(
        admin.session, actor, open_=open_, reason=reason, organisation_code=code
    )
    return RedirectResponse("/users?done=onboarding", status_code=303)


def _new(
    admin: Page,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    organisations = accounts.organisations_for(admin.session, admin.user.principal)
    grantable = accounts.grantable_roles(admin.user.principal)
    # A user administrator's own authority; for a national administrator, national.
    scope = organisations[0] if len(organisations) == 1 else None
    context = {
        "organisations": organisations,
        "roles": [role.value for role in grantable],
        "open": accounts.onboarding_open(admin.session, scope),
        "values": values or {"roles": []},
        "errors": errors or {},
        "refusal": refusal,
    }
    return admin.render("users/new.html", context, status)


@router.get("/users/new", response_class=HTMLResponse)
def new_user_form(admin: AdminPage) -> Response:
    return _new(admin)


@router.post("/users/new")
def create_user(admin: AdminForm) -> Response:
    values: dict[str, Any] = {name: admin.value(name) for name in NEW_FIELDS}
    chosen = [value for value in admin.form.form.getlist("roles") if isinstance(value, str)]
    values["roles"] = chosen
    errors = _new_user_errors(values)
    organisations = accounts.organisations_for(admin.session, admin.user.principal)
    if len(organisations) > 1 and not values["organisation"]:
        errors["organisation"] = "Choose the organisation the user belongs to"
    if not chosen or not ROLE_VALUES.issuperset(chosen):
        errors["roles"] = "Choose at least one role from the list"
    if errors:
        return _new(admin, values, errors, status=400)
    code = values["organisation"] or organisations[0].code
    try:
        account = accounts.create_user(
            admin.session, admin.user.actor, username=values["username"],
            display_name=values["display_name"], email=values["email"],
            job_title=values["job_title"] or None, roles=[Role(value) for value in chosen],
            organisation_code=code, principal=admin.user.principal,
        )  # fmt: skip
    except InvalidValue as invalid:
        return _new(
            admin, values, {invalid.field: _sentence(invalid.reason, invalid.field)}, status=400
        )
    except AccountRefused as refused:
        # Onboarding closed (said on the page), or the username taken (said at the field).
        if accounts.onboarding_open(admin.session, accounts.organisation(admin.session, code)):
            return _new(admin, values, {"username": _sentence(str(refused))}, status=409)
        return _new(admin, values, refusal=_sentence(str(refused)), status=409)
    return _to_account(account.username, "created")


def _new_user_errors(values: dict[str, Any]) -> dict[str, str]:
    """What is missing or too long on the new account form, in the form's order."""
    errors: dict[str, str] = {}
    required = {"username": "a username", "display_name": "the person's name"}
    for name in NEW_FIELDS:
        value = values[name]
        if not value and name in required:
            errors[name] = f"Enter {required[name]}"
        elif name == "email" and "@" not in value:
            errors[name] = "Enter an email address in the correct format, like name@example.org"
        else:
            errors.update(_too_long({name: value}))
    return errors


def _account(
    admin: Page,
    managed: Managed,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    account = managed.account
    context = {
        "managed": managed,
        "account": account,
        "roles": sorted(managed.roles),
        "needs": accounts.readiness(account).missing,
        "enrolling": account.totp_secret is not None and account.totp_enrolled_at is None,
        "done": done,
        "errors": errors or {},
        "values": values or {},
    }
    return admin.render("users/account.html", context, status)


def _managed(admin: Page, username: str) -> Managed:
    if "\x00" in username:  # no account has one, and PostgreSQL refuses it in a query
        raise NotFound(f"no user {username!r}")
    return accounts.managed_user(admin.session, admin.user.principal, username)


@router.get("/users/{username}", response_class=HTMLResponse)
def account_page(admin: AdminPage, username: str, done: Done = "") -> Response:
    return _account(admin, _managed(admin, username), done)


def _day(admin: Page, name: str) -> date | None:
    """A GOV.UK date input's day, month and year; None when all three are blank."""
    return posted_date(admin.value, name)


@router.post("/users/{username}/checks")
def record_checks(admin: AdminForm, username: str) -> Response:
    managed = _managed(admin, username)
    parts = [f"{name}-{part}" for name in CHECKS for part in ("day", "month", "year")]
    values = {part: admin.value(part)[:10] for part in parts}
    days: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    for name in CHECKS:
        try:
            days[name] = _day(admin, name)
        except InvalidValue as invalid:
            errors[name] = _sentence(invalid.reason, invalid.field)
    if not errors and not any(days.values()):
        errors["training"] = "Enter at least one date"
    if not errors:
        try:
            accounts.record_checks(admin.session, admin.user.actor, managed.account, **days)
        except InvalidValue as invalid:
            errors[invalid.field] = _sentence(invalid.reason, invalid.field)
    if errors:
        return _account(admin, managed, errors=errors, values=values, status=400)
    return _to_account(username, "checks")


@router.post("/users/{username}/two-factor")
def reset_two_factor(admin: AdminForm, username: str) -> Response:
    managed = _managed(admin, username)
    accounts.begin_totp_enrolment(admin.session, admin.user.actor, managed.account)
    return RedirectResponse(f"/users/{quote(username, safe='')}/two-factor", status_code=303)


def _two_factor(admin: Page, managed: Managed, error: str | None = None) -> Response:
    """The QR code and the key to type (only while enrolment waits for a code)."""
    account = managed.account
    if account.totp_secret is None or account.totp_enrolled_at is not None:
        return _to_account(account.username)
    secret = account.totp_secret
    context = {
        "account": account,
        "qr_svg": credentials.totp_qr_svg(secret, account.username),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "error": error,
    }
    return admin.render("users/two_factor.html", context, 400 if error else 200)


@router.get("/users/{username}/two-factor", response_class=HTMLResponse)
def two_factor_page(admin: AdminPage, username: str) -> Response:
    return _two_factor(admin, _managed(admin, username))


@router.post("/users/{username}/two-factor/confirm")
def confirm_two_factor(admin: AdminForm, username: str) -> Response:
    managed = _managed(admin, username)
    code = admin.value("code")
    if not code or len(code) > LIMITS["code"]:
        return _two_factor(admin, managed, "Enter the 6-digit code the app shows")
    try:
        accounts.confirm_totp_enrolment(admin.session, admin.user.actor, managed.account, code)
    except InvalidValue:
        # Answered, not raised: the failed attempt's audit entry commits.
        return _two_factor(admin, managed, "Enter the code the app shows now (it changes often)")
    return _to_account(username, "two_factor")


@router.post("/users/{username}/password")
def set_password(admin: AdminForm, username: str) -> Response:
    managed = _managed(admin, username)
    password = admin.value("password", strip=False)
    errors = _too_long({"password": password})
    if not password:
        errors["password"] = "Enter a password"
    elif password != admin.value("password_confirm", strip=False):
        errors["password_confirm"] = "The passwords do not match"
    if not errors:
        try:
            accounts.set_password(admin.session, admin.user.actor, managed.account, password)
        except InvalidValue as invalid:
            errors[invalid.field] = _sentence(invalid.reason, invalid.field)
    if errors:
        return _account(admin, managed, errors=errors, status=400)
    return _to_account(username, "password")


@router.post("/users/{username}/activate")
def activate(admin: AdminForm, username: str) -> Response:
    managed = _managed(admin, username)
    try:
        accounts.activate(admin.session, admin.user.actor, managed.account)
    except AccountRefused as refused:
        return _account(admin, managed, errors={"activate": str(refused)}, status=409)
    return _to_account(username, "activated")


@router.post("/users/{username}/suspend")
def suspend(admin: AdminForm, username: str) -> Response:
    managed = _managed(admin, username)
    reason = admin.value("reason")
    errors = _too_long({"reason": reason})
    if not reason:
        errors["reason"] = "Enter why the account is suspended"
    if errors:
        values = {"reason": reason[: LIMITS["reason"]]}
        return _account(admin, managed, errors=errors, values=values, status=400)
    accounts.suspend(admin.session, admin.user.actor, managed.account, reason)
    return _to_account(username, "suspended")
