"""Security headers on every response, and the per-request nonce for the one inline script.

GOV.UK Frontend's page template starts ``<body>`` with a one-line inline script that marks
the page as JavaScript-enabled. Rather than allow ``'unsafe-inline'``, each request gets a
fresh nonce that the Content-Security-Policy names and the template puts on that script.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from contactpoint.settings import get_settings
from contactpoint.web.middleware import HttpMiddleware

NONCE_KEY = "csp_nonce"
DOCS_PATH = "/api/docs"
# Files whose responses may be cached: GOV.UK Frontend's assets and our own static files.
CACHEABLE_PREFIXES = ("/assets/", "/static/")

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def csp_nonce(request: Request) -> str | None:
    """The nonce of this request, set by ``SecurityHeaders`` before any route runs."""
    nonce: str | None = request.scope.get("state", {}).get(NONCE_KEY)
    return nonce


def content_security_policy(path: str, nonce: str) -> str:
    """Self only; scripts also by nonce."""
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(scope: Scope | Mapping[str, Any], nonce: str) -> dict[str, str]:
    """The headers every response carries, for this request's path and scheme."""
    path: str = scope.get("path", "")
    headers = {
        "Content-Security-Policy": content_security_policy(path, nonce),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if not path.startswith(CACHEABLE_PREFIXES):
        # Pages and API answers will hold personal data: never keep them in any cache.
        headers["Cache-Control"] = "no-store"
    if scope.get("scheme") == "https" or get_settings().secure_cookies:
        # Behind a proxy that ends TLS the scheme here is http: secure_cookies (always
        # on in production) says the service is reached over TLS all the same.
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def apply_security_headers(request: Request, headers: MutableHeaders) -> None:
    """Add the headers to a response sent outside the middleware (the 500 page)."""
    nonce = csp_nonce(request) or new_nonce()
    for name, value in security_headers(request.scope, nonce).items():
        headers[name] = value


class SecurityHeaders(HttpMiddleware):
    """ASGI middleware: a nonce for each request, and the security headers on its response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        nonce = new_nonce()
        scope.setdefault("state", {})[NONCE_KEY] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(scope, nonce).items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
