"""Machine clients' API tokens (source systems): created here, checked by
``access.auth.machine``. Only a token's hash is stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from contactpoint.access import credentials
from contactpoint.access.accounts import organisation
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import InvalidValue
from contactpoint.feeds.sources import SOURCES
from contactpoint.tables.access import ApiToken


def create_api_token(
    session: Session,
    actor: Actor,
    *,
    name: str,
    organisation_code: str,
    scopes: Iterable[str],
    days: int = 365,
) -> str:
    """A new machine token; the token itself is returned once and never stored. Each
    scope must be one the service checks — ``feeds:<source>`` for a known source —
    so no token is made with a scope (``*``, ``admin``) that means nothing, or more."""
    known = {f"feeds:{source}" for source in SOURCES}
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in known]
    if not scopes or unknown:
        raise InvalidValue(
            "scopes",
            ", ".join(unknown)[:100],
            f"use one or more of {', '.join(sorted(known))}",
        )
    token = credentials.new_token()
    org = organisation(session, organisation_code)
    session.add(
        ApiToken(
            name=name,
            organisation_id=org.id,
            token_hash=credentials.token_hash(token),
            scopes=sorted(set(scopes)),
            created_by=actor.name,
            expires_at=datetime.now(UTC) + timedelta(days=days),
        )
    )
    session.flush()
    record(
        session,
        actor,
        AuditAction.TOKEN_CREATE,
        details={"name": name, "scopes": sorted(set(scopes))},
    )
    return token
