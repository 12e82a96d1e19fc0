"""What the index held on each day, for the national figures (``contactpoint.stats``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, func
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base


class IndexSnapshot(Base):
    """What the index held on a day (``index_counts`` and the open review tasks)."""

    __tablename__ = "index_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True, nullable=False)
    taken_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
