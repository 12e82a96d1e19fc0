"""``match relink``: the index re-decided with the active model — in resumable chunks,
never overriding a person's link or keep-apart, every change undoable — on SQLite and
PostgreSQL (issue 13, deliver 4)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contactpoint.children.record import child_record
from contactpoint.errors import DecisionRefused
from contactpoint.feeds.pipeline import LoadResult, load_file
from contactpoint.kinds.children import ChildStatus, LinkKind
from contactpoint.linkage import registry
from contactpoint.linkage.service import BIRTH_IDENTITY
from contactpoint.matching.decide import Thresholds
from contactpoint.review import relink, relink_undo
from contactpoint.review import service as review
from contactpoint.review.merge import merge, move_records, rebuild
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.linkage import KeptApart, LinkEvent, RelinkChange
from contactpoint.tables.review import Merge, ReviewTask
from tests.builders import birth, local_row, nhs_number, snapshot, write_feed
from tests.service.test_identity import BIRTH, adopted  # noqa: F401 - the fixture

TODAY = date(2026, 11, 1)
ACTIVE = Thresholds(link=3.0, review=-3.0, margin=5.0)  # the service's defaults
# An old model that linked far too readily, and one that linked almost nothing.
LOOSE = Thresholds(link=-40.0, review=-50.0, margin=0.0)  # links near-anything
STRICT = Thresholds(link=60.0, review=50.0, margin=5.0)
# Tables that only gain rows (who did what, when): an undo adds to them.
HISTORY = {"link_events", "merges", "relink_runs", "relink_changes", "review_tasks"}


def row(record_id: str, given: str, family: str, born: str, **changes: Any) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "given_names": given,
        "family_name": family,
        "date_of_birth": born,
        "gender": "F",
        "postcode": "M1 1AE",
        **changes,
    }


def load(
    session: Session,
    tmp_path: Path,
    rows: list[dict[str, Any]],
    thresholds: Thresholds,
    source: str = "local",
) -> LoadResult:
    path = write_feed(tmp_path / f"{source}-{len(list(tmp_path.iterdir()))}.csv", source, rows)
    return load_file(
        session, source_name=source, path=path, loaded_by="test", today=TODAY,
        thresholds=thresholds,
    )  # fmt: skip


def two_births_of_one_child(session: Session, tmp_path: Path) -> ReviewTask:
    """Two GRO births of one child under different NHS numbers: a task for a person."""
    load(session, tmp_path, [birth(1)], ACTIVE, "gro-births")
    second = birth(1, record_id="2015/LDS/09999", nhs_number=nhs_number(99))
    load(session, tmp_path, [second], ACTIVE, "gro-births")
    (task,) = session.scalars(select(ReviewTask))
    return task


def child_of(session: Session, record_id: str) -> int:
    return session.scalars(
        select(SourceRecord.child_id).where(SourceRecord.record_id == record_id)
    ).one()


def run_whole(session: Session, thresholds: Thresholds = ACTIVE, chunk: int = 500) -> int:
    run_id = relink.start(session, actor="cli:ops").id
    while not relink.step(session, run_id, thresholds=thresholds, chunk=chunk):
        pass
    return run_id


def state(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every table but the history; ``children.updated_at`` left out (stamped on every
    write, even one that puts back the same values)."""
    session.flush()
    tables = {name: rows for name, rows in snapshot(session).items() if name not in HISTORY}
    stamp = list(Child.__table__.columns.keys()).index("updated_at")
    tables["children"] = [r[:stamp] + r[stamp + 1 :] for r in tables["children"]]
    return tables


def sisters_chained(session: Session, tmp_path: Path) -> None:
    """Amelia (twice) and her sister Olivia, 11 months younger, at one postcode, made one
    child as an old model (or older rules) did: Olivia's record automatically linked to
    Amelia, her own child left a redirect."""
    load(
        session,
        tmp_path,
        [
            row("A1", "Amelia", "Hart", "2016-07-02"),
            row("A2", "Amelia", "Hartt", "2016-07-02"),
            row("O1", "Olivia", "Hart", "2017-06-09"),
        ],
        ACTIVE,
    )
    amelia, olivia = child_of(session, "A1"), child_of(session, "O1")
    assert child_of(session, "A2") == amelia != olivia
    record = session.scalars(select(SourceRecord.id).where(SourceRecord.record_id == "O1")).one()
    move_records(session, [record], amelia, {})
    rebuild(session, [amelia])
    session.execute(
        update(Child)
        .where(Child.id == olivia)
        .values(status=ChildStatus.MERGED, merged_into_id=amelia)
    )


def one_child_left_as_two(session: Session, tmp_path: Path) -> tuple[int, int]:
    """Sofia Nowak and "Sofai Nowak", same birthday and postcode: an old model that
    linked almost nothing left them two children."""
    load(session, tmp_path, [row("S1", "Sofia", "Nowak", "2015-04-11")], STRICT)
    load(session, tmp_path, [row("S2", "Sofai", "Nowak", "2015-04-11")], STRICT)
    first, second = child_of(session, "S1"), child_of(session, "S2")
    assert first != second
    return first, second


def test_a_record_a_loose_model_chained_in_leaves_for_a_child_of_its_own(
    session: Session, tmp_path: Path
) -> None:
    sisters_chained(session, tmp_path)
    amelia = child_of(session, "A1")

    run_id = run_whole(session)

    assert child_of(session, "A2") == amelia
    olivia = child_of(session, "O1")
    assert olivia != amelia
    founded = session.get(Child, olivia, populate_existing=True)
    assert founded is not None and founded.given_names == "Olivia"
    assert founded.date_of_birth == date(2017, 6, 9) and founded.status is ChildStatus.ACTIVE
    progress = relink.progress(session, run_id)
    assert (progress.founded, progress.moved, progress.merged, progress.finished) == (1, 0, 0, True)
    (event,) = session.scalars(select(LinkEvent).where(LinkEvent.action == relink.RELINK))
    assert (event.from_child_id, event.to_child_id) == (amelia, olivia)
    assert event.by == f"matcher (relink run {run_id})"
    assert event.model_version == registry.active_version(session)


def test_undoing_a_relink_puts_every_record_and_child_back_exactly(
    session: Session, tmp_path: Path
) -> None:
    sisters_chained(session, tmp_path)
    one_child_left_as_two(session, tmp_path)
    before = state(session)
    run_id = run_whole(session)
    assert state(session) != before

    undone = relink_undo.undo(session, run_id, actor="cli:ops", reason="model under question")

    assert undone == 2  # Olivia's record back; Sofai's child unmerged
    after = state(session)
    # The child founded for Olivia stays, empty, as a redirect to the child she is
    # back with: its ContactPoint ID may have been seen meanwhile.
    (founded,) = session.scalars(select(RelinkChange.to_child_id).where(RelinkChange.founded))
    redirect = [r for r in after["children"] if r[0] == founded]
    after["children"] = [r for r in after["children"] if r[0] != founded]
    assert after == before
    back = session.get(Child, founded, populate_existing=True)
    assert back is not None and back.status is ChildStatus.MERGED and redirect
    assert back.merged_into_id == child_of(session, "A1")
    with pytest.raises(DecisionRefused, match="already undone"):
        relink_undo.undo(session, run_id, actor="cli:ops", reason="again")


def test_a_child_a_strict_model_left_apart_is_merged_as_a_person_would_see_it(
    session: Session, tmp_path: Path
) -> None:
    first, second = one_child_left_as_two(session, tmp_path)

    run_whole(session)

    assert child_of(session, "S2") == first
    merged = session.get(Child, second, populate_existing=True)
    assert merged is not None and merged.status is ChildStatus.MERGED
    assert merged.merged_into_id == first
    (merge,) = session.scalars(select(Merge))
    assert merge.reason.startswith("relink run")
    kinds = set(session.scalars(select(SourceRecord.link_kind)))
    assert kinds == {LinkKind.AUTOMATIC}  # the matcher merged them, not a person


def test_a_record_a_person_linked_is_never_moved(session: Session, tmp_path: Path) -> None:
    task = two_births_of_one_child(session, tmp_path)
    review.link(session, task_id=task.id, actor="dm.leeds", reason="one child registered twice")
    before = state(session)

    run_whole(session, STRICT)

    assert state(session) == before


def test_children_a_person_kept_apart_stay_apart(session: Session, tmp_path: Path) -> None:
    first, second = one_child_left_as_two(session, tmp_path)  # merged by a relink otherwise
    session.add(KeptApart(child_a_id=first, child_b_id=second, by="dm.leeds", reason="twins"))
    before = state(session)

    run_id = run_whole(session)

    assert state(session) == before
    assert relink.progress(session, run_id).left == 2  # each child's record, in its turn


def test_a_shielded_child_is_left_as_it_is(session: Session, tmp_path: Path) -> None:
    sisters_chained(session, tmp_path)
    session.execute(update(Child).values(shielded=True))
    before = state(session)

    run_whole(session)

    assert state(session) == before


def test_an_interrupted_relink_resumes_where_it_stopped(session: Session, tmp_path: Path) -> None:
    one_child_left_as_two(session, tmp_path)
    load(session, tmp_path, [row("J1", "Jack", "Smith", "2014-01-20", gender="M")], ACTIVE)
    run_id = relink.start(session, actor="cli:ops").id
    assert relink.step(session, run_id, thresholds=ACTIVE, chunk=1) is False
    assert relink.progress(session, run_id).examined == 1

    resumed = relink.start(session, actor="cli:someone-else")

    assert resumed.id == run_id
    steps = 0
    while not relink.step(session, run_id, thresholds=ACTIVE, chunk=1):
        steps += 1
    progress = relink.progress(session, run_id)
    assert progress.finished and progress.remaining == 0 and progress.merged == 1
    assert progress.examined == 2  # Sofai's child was merged before its turn
    assert relink.start(session, actor="cli:ops").id != run_id  # a finished run is not resumed


def test_a_run_is_finished_with_the_model_it_started_with(session: Session, tmp_path: Path) -> None:
    one_child_left_as_two(session, tmp_path)
    run_id = relink.start(session, actor="cli:ops").id
    document = dict(registry.active_model(session).document, version="another-model")
    registry.save(session, document, by="cli:ops", activate=True)

    with pytest.raises(DecisionRefused, match="no longer active"):
        relink.step(session, run_id, thresholds=ACTIVE)
    with pytest.raises(DecisionRefused, match="has not finished"):
        relink.start(session, actor="cli:ops")
    relink_undo.undo(session, run_id, actor="cli:ops", reason="model replaced")
    assert relink.start(session, actor="cli:ops").model_version == "another-model"


def test_an_undo_that_can_no_longer_be_exact_is_refused_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    sisters_chained(session, tmp_path)
    run_id = run_whole(session)
    olivia, amelia = child_of(session, "O1"), child_of(session, "A1")
    merge(session, survivor_id=amelia, merged_id=olivia, actor="dm", reason="x")
    before = state(session)

    with pytest.raises(DecisionRefused, match="cannot be undone exactly"):
        relink_undo.undo(session, run_id, actor="cli:ops", reason="too late")

    assert state(session) == before


def test_a_birth_name_record_linked_to_a_new_identity_before_the_clean_break_goes_back(
    session: Session,
    tmp_path: Path,
    adopted: tuple[str, str],  # noqa: F811 - the fixture
) -> None:
    # Security review S4, in an index loaded before the clean-break rule: a row with
    # Keira's birth name at her adoptive home was linked to her new identity, whose
    # record then listed the birth name among its former names.
    old, new = adopted
    new_id, old_id = child_id_of(session, new), child_id_of(session, old)
    row = local_row(
        9, record_id="BIRTHNAME", **BIRTH, date_of_birth=birth(1)["date_of_birth"],
        gender="F", postcode="LS8 2QB", address="9 Park Lane, Leeds",
    )  # fmt: skip
    load(session, tmp_path, [row], ACTIVE)
    record = session.scalars(
        select(SourceRecord.id).where(SourceRecord.record_id == "BIRTHNAME")
    ).one()
    assert child_of(session, "BIRTHNAME") == old_id  # the rule as it stands
    move_records(session, [record], new_id, {})  # as the index held it before the rule
    rebuild(session, [old_id, new_id])
    assert "Blackwood" in former_names(session, new_id)

    run_id = run_whole(session)

    assert child_of(session, "BIRTHNAME") == old_id
    assert "Blackwood" not in former_names(session, new_id)
    closed = session.get(Child, old_id, populate_existing=True)
    assert closed is not None and closed.status is ChildStatus.CLOSED
    (event,) = session.scalars(select(LinkEvent).where(LinkEvent.action == relink.RELINK))
    assert event.reason == BIRTH_IDENTITY and event.by == f"matcher (relink run {run_id})"


def child_id_of(session: Session, cp_id: str) -> int:
    return session.scalars(select(Child.id).where(Child.cp_id == cp_id)).one()


def former_names(session: Session, child: int) -> str:
    return " ".join(
        f"{n.given_names} {n.family_name}" for n in child_record(session, child).former_names
    )
