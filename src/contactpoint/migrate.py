"""Schema migrations: upgrade any database to the head revision with Alembic (and back)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from contactpoint.dialects import postgresql
from contactpoint.errors import Unavailable

if TYPE_CHECKING:
    from alembic.config import Config


class SchemaNotReady(Unavailable):
    """The database has not been created or upgraded to this version of the service."""


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration for the migrations shipped in this package. (Alembic is
    imported only by the commands that need it: the others start faster.)"""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("contactpoint") / "migrations"))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest), in one transaction."""
    from alembic import command

    _migrate(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision``, in one transaction."""
    from alembic import command

    _migrate(engine, lambda config: command.downgrade(config, revision))


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    config = alembic_config(engine)
    with engine.connect() as connection:
        sqlite = not postgresql(connection)
        if sqlite:
            # SQLite alters a table by copying it; with foreign keys enforced, dropping
            # the old copy of a referenced table fails. Switch enforcement off (only
            # possible outside a transaction) and check every reference afterwards.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise SchemaNotReady(f"the migration broke {len(broken)} references")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: Engine) -> None:
    """Raise ``SchemaNotReady`` unless the database is at the head revision."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        state = "has no schema" if current is None else f"is at revision {current}"
        raise SchemaNotReady(
            f"the database {state}, this version needs {head}: run 'contactpoint db upgrade'"
        )
