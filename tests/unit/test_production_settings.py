"""Production settings are validated (security review S11): the environment is one of
three names, and production always marks cookies Secure and sends HSTS."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contactpoint import settings as settings_module
from contactpoint.settings import Settings
from contactpoint.web.security import security_headers


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ValidationError, match="environment"):
        Settings(environment="prod")  # type: ignore[arg-type]


def test_production_is_always_secure_whatever_else_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    production = Settings(environment="production", secure_cookies=False)
    assert production.secure_cookies is True
    assert Settings(environment="development").secure_cookies is False
    monkeypatch.setattr(settings_module, "get_settings", lambda: production)
    monkeypatch.setattr("contactpoint.web.security.get_settings", lambda: production)
    headers = security_headers({"scheme": "http", "path": "/"}, "nonce")
    assert headers["Strict-Transport-Security"].startswith("max-age=")
