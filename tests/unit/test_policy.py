"""The policy module as a full matrix: every role × every action × every record state.

The expected disclosure of a record is written out by hand for each role and state
(``EXPECTED_VIEW``); the other actions are checked against invariants that must hold in
every cell. The web tests check the same decisions through the API.
"""

from __future__ import annotations

from itertools import product

import pytest

from contactpoint.access.policy import (
    NATIONAL_TEAM,
    RECORD_ACTIONS,
    Action,
    Disclosure,
    Principal,
    RecordState,
    decide,
)
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus

OWN, OTHER = "E08000035", "E06000010"

STATES = {
    "normal": RecordState(ChildStatus.ACTIVE, la_code=OWN),
    "shielded": RecordState(ChildStatus.ACTIVE, shielded=True, la_code=OWN),
    "shielded_elsewhere": RecordState(ChildStatus.ACTIVE, shielded=True, la_code=OTHER),
    "shielded_overridden": RecordState(
        ChildStatus.ACTIVE, shielded=True, la_code=OTHER, overridden=True
    ),
    # Another authority's record, held for ours: close to one of our shielded children.
    "held_for_us": RecordState(ChildStatus.ACTIVE, shielded=True, la_code=OTHER, held_for=OWN),
    # A record of ours, held for the national team: close to a record closed for a new
    # identity.
    "held_nationally": RecordState(
        ChildStatus.ACTIVE, shielded=True, la_code=OWN, held_for=NATIONAL_TEAM
    ),
    "archived": RecordState(ChildStatus.ARCHIVED, la_code=OWN),
    "archived_long": RecordState(ChildStatus.ARCHIVED, la_code=OWN, deep_archive=True),
    "archived_long_statutory": RecordState(
        ChildStatus.ARCHIVED, la_code=OWN, deep_archive=True, statutory_enquiry=True
    ),
    "deceased": RecordState(ChildStatus.DECEASED, la_code=OWN),
    "destroyed": RecordState(ChildStatus.DESTROYED, la_code=OWN),
    "merged": RecordState(ChildStatus.MERGED, la_code=OWN),
    "closed": RecordState(ChildStatus.CLOSED, la_code=OWN),
    "sensitive": RecordState(ChildStatus.ACTIVE, la_code=OWN, sensitive_service=True),
    "sensitive_consented": RecordState(
        ChildStatus.ACTIVE, la_code=OWN, sensitive_service=True, sensitive_consent=True
    ),
}

F, E, N = Disclosure.FULL, Disclosure.EXISTS_ONLY, Disclosure.NONE
# What opening the record shows, by role (the user's authority is OWN).
EXPECTED_VIEW: dict[Role, dict[str, Disclosure]] = {
    Role.PRACTITIONER: {
        "normal": F, "shielded": E, "shielded_elsewhere": E, "shielded_overridden": E,
        "held_for_us": E, "held_nationally": E, "archived": N, "archived_long": N,
        "archived_long_statutory": N, "deceased": F, "destroyed": N, "merged": N, "closed": N,
        "sensitive": F, "sensitive_consented": F,
    },
    Role.KEY_PROFESSIONAL: {
        "normal": F, "shielded": E, "shielded_elsewhere": E, "shielded_overridden": F,
        "held_for_us": E, "held_nationally": E,
        "archived": N, "archived_long": N, "archived_long_statutory": N, "deceased": F,
        "destroyed": N, "merged": N, "closed": N, "sensitive": F, "sensitive_consented": F,
    },
    Role.DATA_MANAGER: {
        "normal": F, "shielded": F, "shielded_elsewhere": E, "shielded_overridden": E,
        "held_for_us": F, "held_nationally": F, "archived": F, "archived_long": N,
        "archived_long_statutory": F, "deceased": F, "destroyed": N, "merged": N, "closed": N,
        "sensitive": F, "sensitive_consented": F,
    },
    Role.USER_ADMIN: dict.fromkeys(STATES, N),
    Role.NATIONAL_ADMIN: dict.fromkeys(STATES, N),
    Role.AUDITOR: dict.fromkeys(STATES, N),
}  # fmt: skip


def principal(*roles: Role, la_code: str | None = OWN) -> Principal:
    return Principal(1, "someone", frozenset(roles), la_code)


@pytest.mark.parametrize(("role", "state"), list(product(Role, STATES)))
def test_what_opening_a_record_shows(role: Role, state: str) -> None:
    verdict = decide(principal(role), Action.VIEW, STATES[state])
    assert verdict.disclosure is EXPECTED_VIEW[role][state]
    assert verdict.allowed is (verdict.disclosure is not N)
    assert verdict.reason


@pytest.mark.parametrize(
    ("role", "action", "state"), list(product(Role, sorted(RECORD_ACTIONS), STATES))
)
def test_no_record_action_reveals_more_than_the_record_view(
    role: Role, action: Action, state: str
) -> None:
    verdict = decide(principal(role), action, STATES[state])
    if action in (Action.VIEW, Action.OVERRIDE_SHIELD):
        return
    if action is Action.REVIEW_RECORD:
        # A data manager reviews what they see in full of their own authority's (or held
        # for it); the national team what is closed for a new identity or held for them.
        national = state in ("closed", "held_nationally")
        mine = STATES[state].la_code == OWN or STATES[state].held_for == OWN
        expected = (role is Role.DATA_MANAGER and EXPECTED_VIEW[role][state] is F and mine) or (
            role is Role.NATIONAL_ADMIN and national
        )
        assert verdict.allowed is expected
        return
    if action is Action.SUBJECT_ACCESS:
        owner = role is Role.DATA_MANAGER and STATES[state].la_code == OWN
        assert verdict.allowed is (owner and state not in ("destroyed", "merged", "closed"))
        return
    if verdict.allowed:
        # Everything beyond the view itself needs the whole record in view.
        assert EXPECTED_VIEW[role][state] is F
    if action is Action.VIEW_SENSITIVE:
        assert verdict.allowed is (
            EXPECTED_VIEW[role][state] is F and state == "sensitive_consented"
        )
    full = EXPECTED_VIEW[role][state] is F
    if action in (
        Action.VIEW_ADDRESS_HISTORY,
        Action.SHIELD,
        Action.RECORD_CONSENT,
        Action.MANAGE_FLAGS,
        Action.PASS_ON_CONTACT,
        Action.END_INVOLVEMENT,  # someone else's: only the owning data managers
        Action.SET_ARCHIVE_AGE,
        Action.RECORD_DEPARTURE,
    ):
        # The owning authority's work: a record held for us is ours to see, not to manage.
        assert verdict.allowed is (role is Role.DATA_MANAGER and full and state != "held_for_us")
    if action in (Action.REGISTER_INVOLVEMENT, Action.REQUEST_CONTACT):
        assert verdict.allowed is full
    if action is Action.SIGNPOST:
        assert verdict.allowed is (role is Role.KEY_PROFESSIONAL and full)
    if action is Action.COORDINATE:
        assert not verdict.allowed  # not told in the signal


@pytest.mark.parametrize(("role", "state"), list(product(Role, STATES)))
def test_a_practitioner_ends_their_own_involvement_and_coordinates_their_own_signal(
    role: Role, state: str
) -> None:
    for action in (Action.END_INVOLVEMENT, Action.COORDINATE):
        verdict = decide(principal(role), action, STATES[state], own=True)
        assert verdict.allowed is (EXPECTED_VIEW[role][state] is F)


@pytest.mark.parametrize(("role", "state"), list(product(Role, STATES)))
def test_only_key_professionals_override_a_shield_they_cannot_see_past(
    role: Role, state: str
) -> None:
    verdict = decide(principal(role), Action.OVERRIDE_SHIELD, STATES[state])
    shielded_from_them = ("shielded", "shielded_elsewhere", "held_for_us", "held_nationally")
    expected = role is Role.KEY_PROFESSIONAL and state in shielded_from_them
    assert verdict.allowed is expected


def test_a_data_manager_of_another_authority_sees_a_shielded_record_as_a_practitioner_does() -> (
    None
):
    elsewhere = principal(Role.DATA_MANAGER, la_code=OTHER)
    assert decide(elsewhere, Action.VIEW, STATES["shielded"]).disclosure is E
    assert decide(elsewhere, Action.VIEW, STATES["shielded_elsewhere"]).disclosure is F
    assert not decide(elsewhere, Action.SHIELD, STATES["normal"]).allowed


@pytest.mark.parametrize(
    ("action", "allowed_roles"),
    [
        (Action.SEARCH, {Role.PRACTITIONER, Role.KEY_PROFESSIONAL, Role.DATA_MANAGER}),
        (Action.REVIEW_MATCHES, {Role.DATA_MANAGER, Role.NATIONAL_ADMIN}),
        (Action.MANAGE_USERS, {Role.USER_ADMIN, Role.NATIONAL_ADMIN}),
        (Action.APPOINT_KEY_PROFESSIONAL, {Role.USER_ADMIN, Role.NATIONAL_ADMIN}),
        (Action.AUTHORITY_REPORTS, {Role.DATA_MANAGER}),
        (Action.CHANGE_IDENTITY, {Role.NATIONAL_ADMIN}),
        (Action.SET_NATIONAL_POLICY, {Role.NATIONAL_ADMIN}),
        (Action.CONTROL_FEEDS, {Role.NATIONAL_ADMIN}),
        (Action.READ_AUDIT, {Role.AUDITOR, Role.NATIONAL_ADMIN}),
    ],
)
def test_actions_not_on_a_record(action: Action, allowed_roles: set[Role]) -> None:
    for role in Role:
        assert decide(principal(role), action).allowed is (role in allowed_roles), role


def test_a_record_action_without_the_records_state_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="needs the record's state"):
        decide(principal(Role.PRACTITIONER), Action.VIEW)


def test_several_roles_give_the_widest_view() -> None:
    both = principal(Role.PRACTITIONER, Role.DATA_MANAGER)
    assert decide(both, Action.VIEW, STATES["archived"]).disclosure is F
