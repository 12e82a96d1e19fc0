"""Migrations build the schema: one head, and nothing the models have that they lack."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from contactpoint import db
from contactpoint.feeds.pipeline import load_file
from contactpoint.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from contactpoint.tables import Base
from tests.builders import local_row, write_feed


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


KEYS = "SELECT key, source_record_id, child_id FROM match_keys ORDER BY 1, 2"


def _load_local(engine: Engine, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    """Load ``rows`` as one local file, as of 2026-11-01, with the code as it is now."""
    with db.unit_of_work(engine) as session:
        load_file(
            session, source_name="local", path=write_feed(tmp_path / "l.csv", "local", rows),
            loaded_by="test", today=date(2026, 11, 1),
        )  # fmt: skip


def test_blocking_keys_added_later_are_filed_for_the_records_already_indexed(
    empty_engine: Engine, tmp_path: Path
) -> None:
    upgrade(empty_engine)
    rows = [
        local_row(1, address="12 Cardigan Road, Leeds"),
        local_row(2, address="Flat 3, 7 Kirkstall Lane, Leeds"),
        local_row(3, date_of_birth=""),
    ]
    _load_local(empty_engine, tmp_path, rows)
    with empty_engine.connect() as connection:
        expected = connection.exec_driver_sql(KEYS).all()

    downgrade(empty_engine, "0016")

    with empty_engine.connect() as connection:
        # What an index loaded before revision 0017 holds: no names-only key and no
        # key of a house (nor the later ones at a house: 0023's "da", 0027's "gh").
        later = ("fn:", "fh:", "da:", "gh:")
        assert connection.exec_driver_sql(KEYS).all() == [
            row for row in expected if not row[0].startswith(later)
        ]
        assert len([row for row in expected if row[0].startswith(later)]) == 8

    upgrade(empty_engine)

    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql(KEYS).all() == expected


def test_address_keys_written_the_earlier_way_are_rewritten_with_their_house_keys(
    empty_engine: Engine, tmp_path: Path
) -> None:
    upgrade(empty_engine)
    rows = [
        local_row(1, address="12 Cardigan Road, Leeds"),
        local_row(2, address="Flat 3, 7 Kirkstall Lane, Leeds"),
        local_row(3, address=""),
    ]
    _load_local(empty_engine, tmp_path, rows)
    addresses = "SELECT address FROM match_records ORDER BY source_record_id"
    house_keys = "SELECT key FROM match_keys WHERE substr(key, 1, 3) = 'fh:' ORDER BY 1"
    with empty_engine.connect() as connection:
        expected = connection.exec_driver_sql(KEYS).all()
        assert connection.exec_driver_sql(addresses).scalars().all() == [
            "12cardiganroad", "7kirkstalllane", None,
        ]  # fmt: skip

    command.downgrade(alembic_config(empty_engine), "0022")

    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql(addresses).scalars().all() == [
            "12 cardigan rd", "7 kirkstall ln", None,
        ]  # fmt: skip
        old_house_keys = connection.exec_driver_sql(house_keys).scalars().all()
        assert len(old_house_keys) == 2 and all(
            key.endswith(("12 cardigan rd", "7 kirkstall ln")) for key in old_house_keys
        )

    upgrade(empty_engine)

    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql(KEYS).all() == expected


def test_given_names_indexed_before_are_given_their_run_together_form(
    empty_engine: Engine, tmp_path: Path
) -> None:
    upgrade(empty_engine)
    rows = [
        local_row(1, given_names="Abdul Rahman"),
        local_row(2, given_names="William"),
        local_row(3, given_names="J Peter"),
    ]
    _load_local(empty_engine, tmp_path, rows)
    variants = "SELECT given_variants FROM match_records ORDER BY source_record_id"
    with empty_engine.connect() as connection:
        expected = connection.exec_driver_sql(variants).scalars().all()
    assert expected[0] == "abdul|abdulrahman" and expected[2] is None

    command.downgrade(alembic_config(empty_engine), "0023")

    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql(variants).scalars().all() == ["abdul", *expected[1:]]

    upgrade(empty_engine)

    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql(variants).scalars().all() == expected


def test_names_related_only_in_older_usage_lose_the_relation_in_records_indexed_before(
    empty_engine: Engine, tmp_path: Path
) -> None:
    upgrade(empty_engine)
    rows = [local_row(1, given_names="Amelia Sophia"), local_row(2, given_names="William")]
    _load_local(empty_engine, tmp_path, rows)
    variants = "SELECT given_variants FROM match_records ORDER BY source_record_id"
    with empty_engine.connect() as connection:
        expected = connection.exec_driver_sql(variants).scalars().all()
    assert "emily" not in expected[0].split("|") and "millie" in expected[0].split("|")

    command.downgrade(alembic_config(empty_engine), "0024")

    with empty_engine.connect() as connection:
        before = connection.exec_driver_sql(variants).scalars().all()
    assert "emily" in before[0].split("|") and before[1] == expected[1]

    upgrade(empty_engine)

    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql(variants).scalars().all() == expected


def test_places_and_houses_are_worked_out_again_for_records_indexed_before(
    empty_engine: Engine, tmp_path: Path
) -> None:
    upgrade(empty_engine)
    rows = [
        local_row(1, address="12 Cardigan Road, Leeds"),
        local_row(2, address="no fixed abode"),
        local_row(3, address=""),
    ]
    _load_local(empty_engine, tmp_path, rows)
    places = "SELECT address, locality FROM match_records ORDER BY source_record_id"
    house_keys = "SELECT key FROM match_keys WHERE substr(key, 1, 3) = 'fh:' ORDER BY 1"
    with empty_engine.connect() as connection:
        expected = connection.exec_driver_sql(KEYS).all()
        assert [tuple(row) for row in connection.exec_driver_sql(places)] == [
            ("12cardiganroad", "leeds"), (None, "nofixedabode"), (None, None),
        ]  # fmt: skip
        (house,) = connection.exec_driver_sql(house_keys).scalars().all()

    command.downgrade(alembic_config(empty_engine), "0025")

    with empty_engine.connect() as connection:
        addresses = "SELECT address FROM match_records ORDER BY source_record_id"
        assert connection.exec_driver_sql(addresses).scalars().all() == [
            "12cardiganroad", "nofixedabode", None,
        ]  # fmt: skip
        # The house key held the given name's whole sound before.
        (old_house,) = connection.exec_driver_sql(house_keys).scalars().all()
        assert old_house != house and old_house.endswith(":12cardiganroad")

    upgrade(empty_engine)

    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql(KEYS).all() == expected
        assert [tuple(row) for row in connection.exec_driver_sql(places)][:2] == [
            ("12cardiganroad", "leeds"), (None, "nofixedabode"),
        ]  # fmt: skip
