"""Migrations build the schema: one head, and nothing the models have that they lack."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from contactpoint.migrate import alembic_config, current_revision, head_revision
from contactpoint.models import Base


def test_migrations_have_exactly_one_head(engine: Engine) -> None:
    assert len(ScriptDirectory.from_config(alembic_config(engine)).get_heads()) == 1


def test_the_test_database_is_at_the_head_revision(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)


def test_the_models_and_the_migrations_describe_the_same_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
