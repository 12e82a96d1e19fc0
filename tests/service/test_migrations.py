"""Migrations build the schema: one head, and nothing the models have that they lack."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from contactpoint.migrate import alembic_config, current_revision, head_revision, upgrade
from contactpoint.models import Base


def test_migrations_have_exactly_one_head(engine: Engine) -> None:
    assert len(ScriptDirectory.from_config(alembic_config(engine)).get_heads()) == 1


def test_the_test_database_is_at_the_head_revision(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)


def test_the_models_and_the_migrations_describe_the_same_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrading_a_loaded_database_keeps_every_row(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0001")
    with empty_engine.begin() as connection:
        # Rows as the first schema held them, written as its code wrote them.
        connection.exec_driver_sql(
            "INSERT INTO feed_runs (id, source, file_name, file_sha256, status, started_at,"
            " loaded_by, rows_read, new_children, linked, updated, unchanged, rejected)"
            " VALUES (1, 'local', 'f.csv', 'x', 'loaded', CURRENT_TIMESTAMP, 't', 1, 1, 0, 0, 0, 0)"
        )
        connection.exec_driver_sql(
            "INSERT INTO children (id, cp_id, gender, status, incomplete)"
            " VALUES (1, 'CP-0000-0000-0', 'F', 'active', false)"
        )
        connection.exec_driver_sql(
            "INSERT INTO source_records (id, source, record_id, child_id, feed_run_id, payload,"
            " facts, payload_hash) VALUES (1, 'local', 'L1', 1, 1, '{}', '{}', 'h')"
        )
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision(empty_engine)
    with empty_engine.connect() as connection:
        link_kind = connection.exec_driver_sql("SELECT link_kind FROM source_records").scalar()
        assert link_kind == "automatic"
        assert connection.exec_driver_sql("SELECT count(*) FROM children").scalar() == 1
