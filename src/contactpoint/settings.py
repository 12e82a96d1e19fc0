"""Configuration: one ``Settings`` read from ``CONTACTPOINT_*`` environment variables.

Built on first use (``get_settings()``), never at import, so tests and commands can set
the environment first.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the service; each is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="CONTACTPOINT_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/contactpoint.db",
        description="SQLAlchemy URL of the database; PostgreSQL through psycopg 3.",
    )
    var_dir: Path = Field(
        default=Path("var"),
        description="Where run-time files go: exception reports, the SQLite database.",
    )
    environment: str = Field(
        default="development",
        description="development, test or production; production refuses unsafe defaults.",
    )
    match_link_threshold: float = Field(
        default=3.0,
        description="Match weight at or above which a record is linked automatically.",
    )
    match_review_threshold: float = Field(
        default=-3.0,
        description="Match weight at or above which (and below the link threshold) a data"
        " manager is asked to review the pair.",
    )
    match_margin: float = Field(
        default=5.0,
        ge=0,
        description="How far the best child must outscore a second strong child to be"
        " linked; closer than this and a data manager decides.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment on first use."""
    return Settings()
