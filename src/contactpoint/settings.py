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
    feed_batch_size: int = Field(
        default=5000,
        ge=100,
        description="Rows written to the database per statement batch during a feed load.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment on first use."""
    return Settings()
