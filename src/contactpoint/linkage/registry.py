"""Model versions: which trained model is active, switching models without downtime,
and the model shipped with the service so a fresh install matches from its first feed."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contactpoint.errors import NotFound
from contactpoint.matching.model import MatchModel
from contactpoint.tables.linkage import MatchModelVersion

SHIPPED_MODEL = "model.json"


def shipped_document() -> dict[str, Any]:
    """The model trained on the synthetic population, shipped in the package."""
    text = resources.files("contactpoint.matching").joinpath("data", SHIPPED_MODEL).read_text()
    document: dict[str, Any] = json.loads(text)
    return document


_ACTIVE = select(MatchModelVersion.version).where(MatchModelVersion.active)


def active_version(session: Session) -> str:
    """The active model's version; installs the shipped model if none is registered."""
    version = session.connection().scalar(_ACTIVE)  # every search asks: no ORM round
    if version is None:
        document = shipped_document()
        MatchModel(document)  # refuse a shipped file this version cannot read
        try:
            with session.begin_nested():
                save(session, document, by="shipped with the service", activate=True)
        except IntegrityError:
            # Another process installed it first (two loads into a new database).
            version = session.connection().scalar(_ACTIVE)
            if version is None:
                raise
            return version
        version = document["version"]
    return version


def active_model(session: Session) -> MatchModel:
    """The model new records are matched with."""
    version = active_version(session)
    return _model(session, version)


def _model(session: Session, version: str) -> MatchModel:
    cached = _cache().get(version)
    if cached is None:
        row = session.get(MatchModelVersion, version)
        if row is None:
            raise NotFound(f"no match model version '{version}'")
        cached = MatchModel(row.document)
        _cache()[version] = cached
    return cached


def model(session: Session, version: str) -> MatchModel:
    """A model by version (to explain a decision made with it)."""
    return _model(session, version)


@lru_cache(maxsize=1)
def _cache() -> dict[str, MatchModel]:
    # Model versions never change once saved, so a process may keep them.
    return {}


def save(session: Session, document: dict[str, Any], *, by: str, activate: bool) -> str:
    """Register a trained model (checked readable first); optionally make it active."""
    MatchModel(document)
    session.add(
        MatchModelVersion(
            version=document["version"],
            created_by=by,
            active=False,
            training_records=document.get("training_records", 0),
            document=document,
        )
    )
    session.flush()
    if activate:
        activate_version(session, document["version"])
    return str(document["version"])


def activate_version(session: Session, version: str) -> None:
    """Switch matching to ``version`` in one statement pair (no moment without a model)."""
    if session.get(MatchModelVersion, version) is None:
        raise NotFound(f"no match model version '{version}'")
    session.execute(update(MatchModelVersion).values(active=False))
    session.execute(
        update(MatchModelVersion).where(MatchModelVersion.version == version).values(active=True)
    )


def versions(session: Session) -> list[MatchModelVersion]:
    return list(session.scalars(select(MatchModelVersion).order_by(MatchModelVersion.created_at)))
