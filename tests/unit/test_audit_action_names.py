"""Every action audit analytics counts has a name on the auditors' page."""

from contactpoint.audit.misuse import ACCESS_ACTIONS
from contactpoint.web.routes.audit_analytics import ACTION_NAMES


def test_every_counted_action_is_named_on_the_analytics_page() -> None:
    assert set(ACCESS_ACTIONS) <= set(ACTION_NAMES)
