"""Loading feed files into the index, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactpoint.errors import FileRefused, SourceSuspended, UnknownSource
from contactpoint.feeds import control, pipeline
from contactpoint.feeds.pipeline import LoadResult, load_file
from contactpoint.kinds.children import ChildStatus, IdentifierScheme
from contactpoint.stats import index_counts
from contactpoint.tables.children import Child, ChildIdentifier, ServiceRegistration, SourceRecord
from contactpoint.tables.feeds import FeedRun, FeedRunException, FeedRunStatus
from contactpoint.tables.review import ReviewKind, ReviewTask
from tests.builders import birth, death, local_row, nhs_number, nhs_record, snapshot, write_feed

TODAY = date(2026, 11, 1)


def load(session: Session, source: str, path: Path, **options: object) -> LoadResult:
    return load_file(
        session, source_name=source, path=path, loaded_by="test", today=TODAY, **options
    )  # type: ignore[arg-type]


def children(session: Session) -> list[Child]:
    return list(session.scalars(select(Child).order_by(Child.id)))


def test_a_birth_file_creates_one_child_per_registration(session: Session, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2)])
    result = load(session, "gro-births", path)
    assert (result.run.rows_read, result.run.new_children, result.run.rejected) == (2, 2, 0)
    names = sorted(c.given_names or "" for c in children(session))
    assert names == ["Oliver James", "Zain"]
    assert all(c.cp_id.startswith("CP-") for c in children(session))


def test_loading_the_same_file_again_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2)])
    load(session, "gro-births", path)
    before = snapshot(session)
    again = load(session, "gro-births", path)
    assert again.already_loaded
    assert snapshot(session) == before


def test_the_same_rows_in_a_new_delivery_are_recognised_as_unchanged(
    session: Session, tmp_path: Path
) -> None:
    load(session, "gro-births", write_feed(tmp_path / "a.csv", "gro-births", [birth(1)]))
    second = load(
        session, "gro-births", write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2)])
    )
    assert (second.run.unchanged, second.run.new_children) == (1, 1)
    assert session.scalar(select(func.count()).select_from(SourceRecord)) == 2


def test_a_corrected_row_updates_the_same_child(session: Session, tmp_path: Path) -> None:
    load(session, "gro-births", write_feed(tmp_path / "a.csv", "gro-births", [birth(1)]))
    (child,) = children(session)
    corrected = load(
        session,
        "gro-births",
        write_feed(tmp_path / "b.csv", "gro-births", [birth(1, family_name="Hussein")]),
    )
    assert corrected.run.updated == 1
    session.refresh(child)
    assert [c.id for c in children(session)] == [child.id]
    assert child.family_name == "Hussein"


def test_rows_from_different_sources_join_on_a_shared_nhs_number(
    session: Session, tmp_path: Path
) -> None:
    load(session, "gro-births", write_feed(tmp_path / "b.csv", "gro-births", [birth(1)]))
    result = load(
        session,
        "nhs-demographics",
        write_feed(tmp_path / "n.csv", "nhs-demographics", [nhs_record(1)]),
    )
    assert (result.run.linked, result.run.new_children) == (1, 0)
    (child,) = children(session)
    # GRO wins on date of birth; the newest record (NHS, 2020) wins on address.
    assert child.date_of_birth == date(2015, 3, 2)
    assert child.postcode == "LS6 3AA"
    assert child.responsible_la_code == "E08000035"
    gp = session.scalar(select(ServiceRegistration).where(ServiceRegistration.child_id == child.id))
    assert gp is not None and gp.organisation_code == "B86012"


def test_a_death_registration_marks_the_child_deceased(session: Session, tmp_path: Path) -> None:
    load(session, "gro-births", write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2)]))
    load(session, "gro-deaths", write_feed(tmp_path / "d.csv", "gro-deaths", [death(1)]))
    statuses = {c.given_names: c.status for c in children(session)}
    dead = [c for c in children(session) if c.status is ChildStatus.DECEASED]
    assert len(dead) == 1 and dead[0].date_of_death == date(2022, 5, 2)
    assert list(statuses.values()).count(ChildStatus.ACTIVE) == 1


def test_a_record_whose_nhs_number_conflicts_with_its_best_match_goes_to_review(
    session: Session, tmp_path: Path
) -> None:
    load(session, "gro-births", write_feed(tmp_path / "b.csv", "gro-births", [birth(1)]))
    # Everything agrees with the birth but the NHS number.
    same_home = {"address": birth(1)["address"], "postcode": birth(1)["postcode"]}
    conflicting = nhs_record(1, nhs_number=nhs_number(99), **same_home)
    result = load(
        session,
        "nhs-demographics",
        write_feed(tmp_path / "n.csv", "nhs-demographics", [conflicting]),
    )
    assert (result.run.new_children, result.run.linked, result.run.for_review) == (1, 0, 1)
    (task,) = session.scalars(select(ReviewTask))
    assert task.kind is ReviewKind.RULE_STOPPED
    assert task.note == "conflicting nhs number"
    assert {c["comparison"] for c in task.explanation} >= {"given_name", "nhs_number"}


def test_twins_are_never_merged_and_each_keeps_their_own_records(
    session: Session, tmp_path: Path
) -> None:
    twin = {"date_of_birth": "2015-03-02", "family_name": "Walker", "gender": "F"}
    births = [
        birth(1, given_names="Amelia Rose", **twin),
        birth(2, given_names="Emily Grace", **twin),
    ]
    load(session, "gro-births", write_feed(tmp_path / "b.csv", "gro-births", births))
    nhs = [
        nhs_record(1, given_names="Amelia", **{**twin, "gender": "2"}),
        nhs_record(2, given_names="Emily", **{**twin, "gender": "2"}),
    ]
    load(session, "nhs-demographics", write_feed(tmp_path / "n.csv", "nhs-demographics", nhs))
    twins = children(session)
    assert len(twins) == 2
    for child in twins:
        sources = session.scalars(
            select(SourceRecord.facts).where(SourceRecord.child_id == child.id)
        ).all()
        assert {f["given_names"].split()[0] for f in sources} == {child.given_names.split()[0]}  # type: ignore[union-attr]


def test_the_same_child_twice_in_one_file_becomes_one_child(
    session: Session, tmp_path: Path
) -> None:
    rows = [local_row(1), local_row(2), local_row(1, record_id="L1-again", postcode="")]
    result = load(session, "local", write_feed(tmp_path / "l.csv", "local", rows))
    assert (result.run.new_children, result.run.linked) == (2, 1)


def test_a_row_without_a_date_of_birth_is_kept_and_flagged_incomplete(
    session: Session, tmp_path: Path
) -> None:
    path = write_feed(tmp_path / "l.csv", "local", [local_row(1, date_of_birth="", postcode="")])
    assert load(session, "local", path).run.new_children == 1
    (child,) = children(session)
    assert child.incomplete and child.date_of_birth is None


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"date_of_birth": "2015-02-30"}, "date_of_birth", "not a real date"),
        ({"date_of_birth": "2027-01-01"}, "date_of_birth", "in the future"),
        ({"date_of_birth": "1990-01-01"}, "date_of_birth", "more than 25 years"),
        ({"nhs_number": "9434765918"}, "nhs_number", "modulus 11"),
        ({"postcode": "LS6 XYZ"}, "postcode", "not a UK postcode"),
        ({"gender": "X"}, "gender", "must be one of"),
    ],
)
def test_a_row_with_one_invalid_value_loads_without_it_and_the_run_says_so(
    session: Session, tmp_path: Path, changes: dict[str, str], field: str, reason: str
) -> None:
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2, **changes), birth(3)])
    result = load(session, "gro-births", path)
    run = result.run
    assert (run.rows_read, run.new_children, run.rejected, run.rows_with_warnings) == (3, 3, 0, 1)
    assert run.status == FeedRunStatus.LOADED_WITH_EXCEPTIONS
    assert result.errors == []
    (warning,) = result.warnings
    assert (warning.line, warning.record_id, warning.field) == (3, "2015/LDS/00002", field)
    assert reason in warning.reason
    (stored,) = session.scalars(select(FeedRunException)).all()
    assert (stored.line, stored.field, stored.refused) == (3, field, False)
    # The value left out is not used for matching, but the row is kept as received.
    loaded = session.scalar(select(SourceRecord).where(SourceRecord.record_id == "2015/LDS/00002"))
    assert loaded is not None


def test_a_row_missing_a_required_value_is_rejected_while_the_rest_loads(
    session: Session, tmp_path: Path
) -> None:
    rows = [birth(1), birth(2, given_names="", postcode="LS6 XYZ"), birth(3)]
    result = load(session, "gro-births", write_feed(tmp_path / "b.csv", "gro-births", rows))
    run = result.run
    assert (run.rows_read, run.new_children, run.rejected, run.rows_with_warnings) == (3, 2, 1, 0)
    # A refused row's other problems are reported with it: none of it loaded.
    assert [(e.line, e.field) for e in result.errors] == [(3, "given_names"), (3, "postcode")]
    assert result.warnings == []
    refused = session.scalars(select(FeedRunException.refused)).all()
    assert refused == [True, True]


def test_an_invalid_key_refuses_the_row(session: Session, tmp_path: Path) -> None:
    rows = [nhs_record(1), nhs_record(2, nhs_number="9434765918")]
    path = write_feed(tmp_path / "n.csv", "nhs-demographics", rows)
    result = load(session, "nhs-demographics", path)
    assert (result.run.rejected, result.run.new_children) == (1, 1)
    (error,) = result.errors
    assert (error.field, error.line) == ("nhs_number", 3)


def test_strict_mode_refuses_a_file_with_a_bad_row_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    before = snapshot(session)
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2, gender="Q")])
    with pytest.raises(FileRefused, match="--strict") as refused:
        load(session, "gro-births", path, strict=True)
    assert refused.value.row == 3
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"given_names,family_name\nAmy,Smith\n", "required column"),
        (b"record_id,given_names\n", "no data rows"),
        ("record_id,given_names\nL1,Zoë\n".encode("utf-16"), "not UTF-8"),
        (b"record_id,given_names,family_name\nL1,Amy,Smith\nL2,Bo\n", "truncated"),
        (b'record_id,given_names\nL1,"Amy\n', "malformed CSV"),
        (b"record_id,given_names\nL1,Amy\nL1,Bo\n", "unique"),
    ],
)
def test_a_broken_file_is_refused_whole_and_changes_nothing(
    session: Session, tmp_path: Path, content: bytes, reason: str
) -> None:
    load(session, "local", write_feed(tmp_path / "ok.csv", "local", [local_row(1)]))
    before = snapshot(session)
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=reason):
        load(session, "local", path)
    assert snapshot(session) == before


def test_a_file_changed_while_it_is_loaded_is_refused_and_changes_nothing(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A load reads its file twice (checked whole, then a chunk at a time): a file
    # rewritten in between is not the delivery its digest names.
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1)])
    checked = pipeline.check_csv

    def check_then_rewrite(*args: Any, **options: Any) -> Any:
        layout = checked(*args, **options)
        write_feed(path, "gro-births", [birth(1), birth(2)])
        return layout

    monkeypatch.setattr(pipeline, "check_csv", check_then_rewrite)
    before = snapshot(session)
    with pytest.raises(FileRefused, match="changed while it was being loaded"):
        load(session, "gro-births", path)
    assert snapshot(session) == before


def test_an_unknown_source_is_refused(session: Session, tmp_path: Path) -> None:
    with pytest.raises(UnknownSource, match="gro-births"):
        load(session, "hmrc", write_feed(tmp_path / "l.csv", "local", [local_row(1)]))


def test_a_suspended_source_is_refused_until_resumed(session: Session, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "n.csv", "nhs-demographics", [nhs_record(1)])
    control.suspend(session, "nhs-demographics", by="test", reason="scaled down")
    before = snapshot(session)
    with pytest.raises(SourceSuspended, match="suspended"):
        load(session, "nhs-demographics", path)
    assert snapshot(session) == before
    control.resume(session, "nhs-demographics", by="test")
    assert load(session, "nhs-demographics", path).run.new_children == 1
    states = {s.source: s for s in control.status(session)}
    assert not states["nhs-demographics"].suspended
    assert states["nhs-demographics"].runs == 1


def test_stats_count_children_records_and_runs(session: Session, tmp_path: Path) -> None:
    load(session, "gro-births", write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2)]))
    load(session, "gro-deaths", write_feed(tmp_path / "d.csv", "gro-deaths", [death(2)]))
    counts = index_counts(session)
    assert counts["children"] | {} == {
        "total": 2,
        "active": 1,
        "deceased": 1,
        "archived": 0,
        "destroyed": 0,
        "merged": 0,
        "closed": 0,
        "incomplete": 0,
    }
    assert counts["source_records"]["gro-births"] == 2
    assert counts["feed_runs"]["total"] == 2


def test_every_identifier_keeps_the_source_record_it_came_from(
    session: Session, tmp_path: Path
) -> None:
    load(session, "gro-births", write_feed(tmp_path / "b.csv", "gro-births", [birth(1)]))
    load(
        session,
        "nhs-demographics",
        write_feed(tmp_path / "n.csv", "nhs-demographics", [nhs_record(1)]),
    )
    rows = session.execute(
        select(SourceRecord.source, ChildIdentifier.scheme)
        .join(SourceRecord, SourceRecord.id == ChildIdentifier.source_record_id)
        .order_by(SourceRecord.source, ChildIdentifier.scheme)
    ).all()
    assert [(s, str(k)) for s, k in rows] == [
        ("gro-births", IdentifierScheme.GRO_BIRTH_ENTRY.value),
        ("gro-births", IdentifierScheme.NHS_NUMBER.value),
        ("nhs-demographics", IdentifierScheme.NHS_NUMBER.value),
    ]
    assert session.scalar(select(func.count()).select_from(FeedRun)) == 2


def test_a_load_reports_progress_from_its_first_rows_stage_by_stage(
    session: Session, tmp_path: Path
) -> None:
    # Issue 16: feed load printed nothing while it checked the rows, then its write bar
    # jumped from 0 to 100 % and sat there while the golden records were rebuilt.
    path = write_feed(tmp_path / "births.csv", "gro-births", [birth(n) for n in range(1, 30)])
    seen: list[tuple[str, int, int]] = []
    load(session, "gro-births", path, progress=lambda *step: seen.append(step))
    stages = list(dict.fromkeys(stage for stage, _done, _total in seen))
    assert stages == ["check", "match", "write", "golden"]
    for stage in stages:
        steps = [(done, total) for name, done, total in seen if name == stage]
        dones = [done for done, _total in steps]
        assert dones == sorted(dones) and steps[-1][0] == steps[-1][1], (stage, steps)
    assert [done for name, done, _t in seen if name == "write"] == [1, 2, 3, 4, 5, 6]
    assert next(done for name, done, _t in seen if name == "golden") == 0
