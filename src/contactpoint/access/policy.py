"""The one policy module: who may do what to which record (DESIGN §2, §3, §8).

Pure: a ``Principal`` (the user's roles and authority), an ``Action`` and, for actions
on a child, the ``RecordState`` the decision depends on, go in; a ``Verdict`` comes out.
Every route and service asks here and nowhere else; tests/access/test_policy_matrix.py
checks every role × action × record state, and the web tests check the same on the API.

The rules:

* Searching and opening records is for practitioners, key professionals and data
  managers. Administrators and auditors manage users and read the audit trail; they do
  not read children's records.
* A destroyed record, or one closed for a new identity, is never shown (only the
  national team can trace a closed record to the new one). An archived record (the
  child is 18 or over) is shown to data managers only, and after a year in the archive
  only for a statutory enquiry (the reason given for the look).
* A shielded record shows practitioners only that it exists and whom to contact (the
  authority's ContactPoint team). The owning authority's data managers see it all, and
  so do the data managers of an authority it is held for (a new record close to one of
  their shielded children: theirs to see, to decide whether it is that child, not to
  manage). A key professional (child-protection responsibilities) may override the shield ("break
  glass") after stating why; the override is flagged and lasts for the session.
* Sensitive services (sexual health, mental health, substance misuse) show only where
  consent is recorded, and only to someone who sees the whole record.
* Address history, shielding, consent, match review and subject access requests are
  data managers' work, for their own authority's children (subject access wherever the
  record is, the archive included). A question whether a new record is one closed for a
  new identity is the national team's (who closed it, and alone may trace it): a record
  close to a closed one is held for the national team (``NATIONAL_TEAM``), and the
  national administrators see both to decide.
* Signposting (DESIGN §7): anyone who may read a record in full may register their
  involvement with the child and ask to be put in touch with a service they may not see;
  only key professionals ask who else is involved; a practitioner ends only their own
  involvement (the owning authority's data managers end any); vulnerability flags and
  passing on requests for contact are the owning authority's data managers' work;
  those told in a signal record who coordinates. User administrators appoint key
  professionals.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus

READERS = frozenset({Role.PRACTITIONER, Role.KEY_PROFESSIONAL, Role.DATA_MANAGER})
# ``held_for`` of a record held for the national team: close to a record closed for a
# new identity, which no authority may see.
NATIONAL_TEAM = "national"


class Action(enum.StrEnum):
    SEARCH = "search"
    VIEW = "view"
    VIEW_SENSITIVE = "view_sensitive"
    VIEW_ADDRESS_HISTORY = "view_address_history"
    VIEW_ACCESS_HISTORY = "view_access_history"
    OVERRIDE_SHIELD = "override_shield"
    SHIELD = "shield"
    RECORD_CONSENT = "record_consent"
    REVIEW_MATCHES = "review_matches"
    MANAGE_USERS = "manage_users"
    SET_NATIONAL_POLICY = "set_national_policy"
    CONTROL_FEEDS = "control_feeds"
    READ_AUDIT = "read_audit"
    REGISTER_INVOLVEMENT = "register_involvement"
    END_INVOLVEMENT = "end_involvement"
    SIGNPOST = "signpost"
    MANAGE_FLAGS = "manage_flags"
    COORDINATE = "coordinate"
    REQUEST_CONTACT = "request_contact"
    PASS_ON_CONTACT = "pass_on_contact"
    APPOINT_KEY_PROFESSIONAL = "appoint_key_professional"
    SET_ARCHIVE_AGE = "set_archive_age"
    SUBJECT_ACCESS = "subject_access"
    AUTHORITY_REPORTS = "authority_reports"
    # Close a record for a new identity (adoption, protection), and trace one closed.
    CHANGE_IDENTITY = "change_identity"
    # Record that a child has left England.
    RECORD_DEPARTURE = "record_departure"
    # Take a record into a match review: see it beside another and decide.
    REVIEW_RECORD = "review_record"


# Actions on one child's record (they need a RecordState).
RECORD_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.VIEW_SENSITIVE,
        Action.VIEW_ADDRESS_HISTORY,
        Action.VIEW_ACCESS_HISTORY,
        Action.OVERRIDE_SHIELD,
        Action.SHIELD,
        Action.RECORD_CONSENT,
        Action.REGISTER_INVOLVEMENT,
        Action.END_INVOLVEMENT,
        Action.SIGNPOST,
        Action.MANAGE_FLAGS,
        Action.COORDINATE,
        Action.REQUEST_CONTACT,
        Action.PASS_ON_CONTACT,
        Action.SET_ARCHIVE_AGE,
        Action.SUBJECT_ACCESS,
        Action.RECORD_DEPARTURE,
        Action.REVIEW_RECORD,
    }
)


class Disclosure(enum.StrEnum):
    FULL = "full"
    # That a record exists, and whom to contact about it: nothing about the child.
    EXISTS_ONLY = "exists_only"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user, as policy sees them."""

    user_id: int
    username: str
    roles: frozenset[Role]
    # The user's local authority (GSS code); None for national partners.
    la_code: str | None


@dataclass(frozen=True, slots=True)
class RecordState:
    """What about a child's record a decision depends on."""

    status: ChildStatus
    shielded: bool = False
    # The responsible (owning) local authority.
    la_code: str | None = None
    # A record held for the authority owning a shielded child it is close to.
    held_for: str | None = None
    sensitive_service: bool = False
    sensitive_consent: bool = False
    # The user overrode the shield earlier in this session.
    overridden: bool = False
    # Archived more than a year ago: open only for a statutory enquiry.
    deep_archive: bool = False
    # The user gave a statutory enquiry (s.47, serious case review, child death review)
    # as the reason for this look.
    statutory_enquiry: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    disclosure: Disclosure
    # Why, in words a user can be shown (a refusal never says more than the user may know).
    reason: str


def _allow(reason: str, disclosure: Disclosure = Disclosure.FULL) -> Verdict:
    return Verdict(True, disclosure, reason)


def _refuse(reason: str) -> Verdict:
    return Verdict(False, Disclosure.NONE, reason)


def decide(
    principal: Principal, action: Action, record: RecordState | None = None, *, own: bool = False
) -> Verdict:
    """May ``principal`` do ``action`` (to ``record``)? ``own``: the involvement or
    signal acted on is the principal's own (ending an involvement, coordinating)."""
    roles = principal.roles
    if action in RECORD_ACTIONS:
        if record is None:
            raise ValueError(f"{action} needs the record's state")
        return _on_record(principal, action, record, own)
    if action is Action.SEARCH:
        if roles & READERS:
            return _allow("searching is part of your role")
        return _refuse("your role does not include searching for children")
    if action is Action.CHANGE_IDENTITY:
        if Role.NATIONAL_ADMIN in roles:
            return _allow("the national team closes and traces records for a new identity")
        return _refuse("only the national team closes or traces records for a new identity")
    if action is Action.AUTHORITY_REPORTS:
        if Role.DATA_MANAGER in roles and principal.la_code is not None:
            return _allow("an authority's data managers read its reports")
        return _refuse("only an authority's data managers read its reports")
    if action is Action.REVIEW_MATCHES:
        if Role.DATA_MANAGER in roles:
            return _allow("data managers resolve possible matches")
        if Role.NATIONAL_ADMIN in roles:
            return _allow(
                "the national team resolves matches with records closed for a new identity"
            )
        return _refuse("only data managers resolve possible matches")
    if action is Action.MANAGE_USERS:
        if roles & {Role.USER_ADMIN, Role.NATIONAL_ADMIN}:
            return _allow("you administer users")
        return _refuse("only user administrators manage users")
    if action is Action.APPOINT_KEY_PROFESSIONAL:
        if roles & {Role.USER_ADMIN, Role.NATIONAL_ADMIN}:
            return _allow("user administrators appoint key professionals")
        return _refuse("only user administrators appoint key professionals")
    if action in (Action.SET_NATIONAL_POLICY, Action.CONTROL_FEEDS):
        if Role.NATIONAL_ADMIN in roles:
            return _allow("national administrators set national policy and control feeds")
        return _refuse("only national administrators may do this")
    if action is Action.READ_AUDIT:
        if roles & {Role.AUDITOR, Role.NATIONAL_ADMIN}:
            return _allow("you may read the audit trail")
        return _refuse("only auditors read the audit trail")
    raise ValueError(f"no rule for {action}")


def _on_record(principal: Principal, action: Action, record: RecordState, own: bool) -> Verdict:
    view = _view(principal, record)
    roles = principal.roles
    owner = Role.DATA_MANAGER in roles and _owns(principal, record)
    if action is Action.VIEW:
        return view
    if action is Action.REVIEW_RECORD:
        return _review(principal, record, view)
    if action is Action.OVERRIDE_SHIELD:
        if not record.shielded or record.status in (ChildStatus.DESTROYED, ChildStatus.ARCHIVED):
            return _refuse("there is no shield to override on this record")
        if view.disclosure is Disclosure.FULL:
            return _refuse("you already see this record in full")
        if Role.KEY_PROFESSIONAL in roles:
            return _allow("key professionals may override a shield, stating why")
        return _refuse("only professionals with child-protection responsibilities may override")
    if action is Action.SUBJECT_ACCESS:
        # The family's right of access holds wherever the record is, archive included.
        if record.status in (ChildStatus.DESTROYED, ChildStatus.MERGED, ChildStatus.CLOSED):
            return _refuse(view.reason)
        if owner:
            return _allow("the owning authority's data managers answer subject access requests")
        return _refuse("only the owning authority's data managers answer subject access requests")
    if view.disclosure is not Disclosure.FULL:
        return _refuse(view.reason if not view.allowed else "this record is shielded")
    if action is Action.VIEW_SENSITIVE:
        if not record.sensitive_service:
            return _refuse("there is no sensitive service on this record")
        if record.sensitive_consent:
            return _allow("consent to share is recorded")
        return _refuse("sensitive services are shown only with recorded consent")
    if action is Action.VIEW_ACCESS_HISTORY:
        if roles & {Role.KEY_PROFESSIONAL, Role.DATA_MANAGER}:
            return _allow("professionals accountable for the child see who accessed it")
        return _refuse("only key professionals and data managers see access history")
    if action in (Action.REGISTER_INVOLVEMENT, Action.REQUEST_CONTACT):
        return _allow("you may read this record, so you may do this")
    if action is Action.SIGNPOST:
        if Role.KEY_PROFESSIONAL in roles:
            return _allow("key professionals see who else is involved")
        return _refuse("only key professionals may use signposting")
    if action is Action.END_INVOLVEMENT:
        if own:
            return _allow("you may end your own involvement")
        if owner:
            return _allow("the owning authority's data managers may end any involvement")
        return _refuse("you may end only your own involvement")
    if action is Action.COORDINATE:
        if own:
            return _allow("those told in a signal record who coordinates")
        return _refuse("only practitioners told in this signal may record who coordinates")
    if action in (
        Action.VIEW_ADDRESS_HISTORY,
        Action.SHIELD,
        Action.RECORD_CONSENT,
        Action.MANAGE_FLAGS,
        Action.PASS_ON_CONTACT,
        Action.SET_ARCHIVE_AGE,
        Action.RECORD_DEPARTURE,
    ):
        if owner:
            return _allow("the owning authority's data managers manage this record")
        return _refuse("only the owning authority's data managers may do this")
    raise ValueError(f"no rule for {action}")


def _view(principal: Principal, record: RecordState) -> Verdict:
    roles = principal.roles
    if not roles & READERS:
        return _refuse("your role does not include reading children's records")
    if record.status is ChildStatus.DESTROYED:
        return _refuse("this record has been destroyed")
    if record.status is ChildStatus.MERGED:
        return _refuse("this record was merged into another; open that one")
    if record.status is ChildStatus.CLOSED:
        return _refuse("there is no record to show")
    if record.status is ChildStatus.ARCHIVED and Role.DATA_MANAGER not in roles:
        return _refuse("archived records are for data managers only")
    if (
        record.status is ChildStatus.ARCHIVED
        and record.deep_archive
        and not record.statutory_enquiry
    ):
        return _refuse(
            "this record has been in the archive for over a year: it is opened only for a"
            " statutory enquiry (s.47 enquiry, serious case review, child death review)"
        )
    if record.shielded:
        if Role.DATA_MANAGER in roles and _owns(principal, record):
            return _allow("the owning authority's data managers see shielded records")
        if Role.DATA_MANAGER in roles and _holds(principal, record):
            return _allow("held for your authority: is it one of your shielded children?")
        if record.overridden and Role.KEY_PROFESSIONAL in roles:
            return _allow("you overrode the shield in this session")
        return _allow("this record is shielded", Disclosure.EXISTS_ONLY)
    return _allow("reading records is part of your role")


def _review(principal: Principal, record: RecordState, view: Verdict) -> Verdict:
    roles = principal.roles
    national = record.status is ChildStatus.CLOSED or record.held_for == NATIONAL_TEAM
    if Role.NATIONAL_ADMIN in roles and national:
        return _allow("the national team decides whether a record is one closed for a new identity")
    if Role.DATA_MANAGER not in roles:
        return _refuse("only data managers resolve possible matches")
    if (
        principal.la_code is not None
        and record.la_code is not None
        and principal.la_code not in (record.la_code, record.held_for)
    ):
        return _refuse("this record is another authority's")
    if view.disclosure is not Disclosure.FULL:
        return _refuse(view.reason if not view.allowed else "this record is shielded")
    return _allow("data managers resolve possible matches for their authority's records")


def _owns(principal: Principal, record: RecordState) -> bool:
    return principal.la_code is not None and principal.la_code == record.la_code


def _holds(principal: Principal, record: RecordState) -> bool:
    return principal.la_code is not None and principal.la_code == record.held_for
