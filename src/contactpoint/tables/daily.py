"""The daily jobs' own table: which job finished on which day (``contactpoint.daily``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base


class DailyRun(Base):
    """A daily job finished on a day (no personal data: the job's name and when)."""

    __tablename__ = "daily_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
