"""The decommissioning of the service (DESIGN §9, issue 6): one row that records who asked,
who approved (two different national administrators), how far destruction has gone, and
the destruction certificate. It holds no personal data: approvers are kept by username
in the certificate, which is the record the law asks for."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base, str_enum


class Stage(enum.StrEnum):
    REQUESTED = "requested"
    # Two national administrators have approved: it may be run (with the confirmation).
    APPROVED = "approved"
    # Feeds and sign-in are closed; personal data is being destroyed (resumable).
    DESTROYING = "destroying"
    DONE = "done"


class Decommission(Base):
    __tablename__ = "decommission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "decommission_stage"), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(100), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    approved_by: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Tables already emptied, and how many rows each held (a resumed run skips them).
    destroyed: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    certificate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
