"""Health checks for the platform: liveness (``/healthz``) and readiness (``/readyz``);
and Prometheus metrics (``/metrics``, ``web.metrics``: counts, never personal data).

Liveness touches nothing: it answers while the process can answer. Readiness asks the
database for ``SELECT 1`` and checks the schema is at this version's head revision, so a
load balancer sends no traffic to an instance whose database is missing or not upgraded.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from contactpoint import db, migrate
from contactpoint.web.metrics import exposition

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", summary="Liveness: the process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database answers and its schema is current",
    responses={503: {"description": "Not ready: the reason says why"}},
)
def readyz() -> JSONResponse:
    try:
        engine = db.reading(db.get_engine())
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        migrate.require_current(engine)
        revision = migrate.current_revision(engine)
    except migrate.SchemaNotReady as error:
        return JSONResponse(
            {"status": "not ready", "database": "ok", "reason": str(error)}, status_code=503
        )
    except (SQLAlchemyError, OSError):
        # The driver's message can name hosts and users: log it, do not publish it.
        log.exception("readiness check: the database cannot be reached")
        return JSONResponse(
            {
                "status": "not ready",
                "database": "unreachable",
                "reason": "the database cannot be reached",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready", "database": "ok", "schema": revision})


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """Requests and latencies by route, feed runs and queue sizes, for Prometheus."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
