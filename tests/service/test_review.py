"""Review tasks, merge and unmerge, on SQLite and PostgreSQL (DESIGN §5: stable IDs,
manual decisions win, golden record rebuilt)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.errors import (
    DecisionRefused,
    MergeRefused,
    NotFound,
    TaskAlreadyDecided,
    UnmergeRefused,
)
from contactpoint.feeds.pipeline import LoadResult, load_file
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus, LinkKind
from contactpoint.review import casework
from contactpoint.review import service as review
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.linkage import KeptApart, LinkEvent, MatchKey, MatchRecordRow
from contactpoint.tables.review import Merge, ReviewKind, ReviewStatus, ReviewTask
from tests.builders import birth, local_row, nhs_number, nhs_record, snapshot, write_feed
from tests.people import LEEDS, active_user, principal_of

TODAY = date(2026, 11, 1)
# Tables that only ever gain rows (who decided what, when and why): an unmerge adds to
# them rather than restoring them.
AUDIT_TABLES = {"link_events", "merges", "review_tasks"}


def load(session: Session, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> LoadResult:
    path = write_feed(tmp_path / f"{source}-{len(list(tmp_path.iterdir()))}.csv", source, rows)
    return load_file(session, source_name=source, path=path, loaded_by="test", today=TODAY)


def index_state(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every table but the audit tables; ``children.updated_at`` is left out because the
    database stamps it on every write, even one that puts back the same values."""
    session.flush()
    state = {name: rows for name, rows in snapshot(session).items() if name not in AUDIT_TABLES}
    stamp = list(Child.__table__.columns.keys()).index("updated_at")
    state["children"] = [row[:stamp] + row[stamp + 1 :] for row in state["children"]]
    return state


def child(session: Session, child_id: int) -> Child:
    found = session.get(Child, child_id, populate_existing=True)
    assert found is not None
    return found


def records_of(session: Session, child_id: int) -> list[int]:
    return list(
        session.scalars(
            select(SourceRecord.id)
            .where(SourceRecord.child_id == child_id)
            .order_by(SourceRecord.id)
        )
    )


def one_child_twice(session: Session, tmp_path: Path) -> ReviewTask:
    """A birth, then an NHS record of the same child under another NHS number and a newer
    address: a second child and a task asking whether they are one."""
    load(session, tmp_path, "gro-births", [birth(1)])
    same_home = {"address": birth(1)["address"], "postcode": birth(1)["postcode"]}
    load(
        session,
        tmp_path,
        "nhs-demographics",
        [nhs_record(1, nhs_number=nhs_number(99), **same_home)],
    )
    (task,) = session.scalars(select(ReviewTask))
    return task


def two_births_of_one_child(session: Session, tmp_path: Path) -> ReviewTask:
    """Two GRO births of the same child under different NHS numbers: a rule-stopped task."""
    load(session, tmp_path, "gro-births", [birth(1)])
    load(
        session,
        tmp_path,
        "gro-births",
        [birth(1, record_id="2015/LDS/09999", nhs_number=nhs_number(99))],
    )
    (task,) = session.scalars(select(ReviewTask))
    assert task.kind is ReviewKind.RULE_STOPPED
    return task


def test_open_tasks_show_both_children_the_weight_and_its_explanation(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    (listed,) = review.open_tasks(session)
    assert listed.id == task.id and listed.status is ReviewStatus.OPEN
    assert {listed.child.id, listed.candidate.id} == {task.child_id, task.candidate_child_id}
    for shown in (listed.child, listed.candidate):
        assert shown.cp_id.startswith("CP-")
        assert (shown.given_names, shown.family_name) == ("Zain", "Hussain")
        assert (shown.date_of_birth, shown.postcode) == (date(2015, 3, 2), "LS6 1LF")
    assert listed.weight == task.weight
    assert {entry["comparison"] for entry in listed.explanation} >= {"given_name", "nhs_number"}
    assert review.open_tasks(session, kind=ReviewKind.POSSIBLE_MATCH) == []
    assert review.get_task(session, task.id) == listed


def test_an_unknown_task_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="no review task with id 404"):
        review.get_task(session, 404)


def test_same_child_merges_the_newer_child_into_the_older_and_records_who_when_and_why(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    older, newer = sorted((task.child_id, task.candidate_child_id))
    kept, moved = records_of(session, older), records_of(session, newer)

    merge = review.link(session, task_id=task.id, actor="dm.leeds", reason="same GRO entry")

    assert merge is not None and (merge.survivor_id, merge.merged_id) == (older, newer)
    assert (merge.by, merge.reason, merge.merged_status) == ("dm.leeds", "same GRO entry", "active")
    assert merge.source_record_ids == moved
    decided = review.get_task(session, task.id)
    assert (decided.status, decided.decided_by, decided.reason) == (
        ReviewStatus.LINKED,
        "dm.leeds",
        "same GRO entry",
    )
    assert decided.decided_at is not None
    assert records_of(session, older) == sorted(kept + moved)
    assert records_of(session, newer) == []
    kinds = session.scalars(select(SourceRecord.link_kind).where(SourceRecord.id.in_(moved)))
    assert set(kinds) == {LinkKind.MANUAL}
    events = session.scalars(select(LinkEvent).where(LinkEvent.source_record_id.in_(moved))).all()
    assert [(e.action, e.from_child_id, e.to_child_id, e.by, e.reason) for e in events] == [
        ("merge", newer, older, "dm.leeds", "same GRO entry") for _ in moved
    ]
    assert all(e.at is not None for e in events)
    assert set(session.scalars(select(MatchRecordRow.child_id))) == {older}
    assert set(session.scalars(select(MatchKey.child_id))) == {older}
    merged = child(session, newer)
    assert (merged.status, merged.merged_into_id) == (ChildStatus.MERGED, older)
    assert review.open_tasks(session) == []


def test_a_merged_away_contactpoint_id_resolves_to_the_surviving_child(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    older, newer = sorted((task.child_id, task.candidate_child_id))
    merged_cp_id = child(session, newer).cp_id
    assert review.resolve(session, merged_cp_id).id == newer

    merge = review.merge(session, survivor_id=older, merged_id=newer, actor="dm", reason="same")

    assert review.resolve(session, merged_cp_id).id == older
    assert review.resolve(session, merged_cp_id.lower().replace("-", " ")).id == older
    assert child(session, newer).cp_id == merged_cp_id
    review.unmerge(session, merge_id=merge.id, actor="dm", reason="not the same after all")
    assert review.resolve(session, merged_cp_id).id == newer


def test_merge_then_unmerge_returns_the_index_to_exactly_its_previous_state(
    session: Session, tmp_path: Path
) -> None:
    task = one_child_twice(session, tmp_path)
    older, newer = sorted((task.child_id, task.candidate_child_id))
    before = index_state(session)

    merge = review.merge(session, survivor_id=older, merged_id=newer, actor="dm", reason="same")
    assert index_state(session) != before
    undone = review.unmerge(session, merge_id=merge.id, actor="dm2", reason="twins after all")

    # Every table but link_events, merges and review_tasks, which record the decisions.
    assert index_state(session) == before
    assert (undone.undone_by, undone.undo_reason) == ("dm2", "twins after all")
    assert undone.undone_at is not None
    events = session.scalars(select(LinkEvent).order_by(LinkEvent.id)).all()
    assert [e.action for e in events] == ["merge"] * len(merge.source_record_ids) + [
        "unmerge"
    ] * len(merge.source_record_ids)


def test_unmerging_gives_each_record_back_the_link_kind_it_had(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "local", [local_row(0), local_row(1), local_row(2)])
    first, second, third = (c.id for c in session.scalars(select(Child).order_by(Child.id)))
    review.merge(session, survivor_id=second, merged_id=third, actor="dm", reason="one child")
    before = index_state(session)
    assert {
        k
        for (k,) in session.execute(
            select(SourceRecord.link_kind).where(SourceRecord.child_id == second)
        )
    } == {
        LinkKind.AUTOMATIC,
        LinkKind.MANUAL,
    }

    merge = review.merge(session, survivor_id=first, merged_id=second, actor="dm", reason="one")
    review.unmerge(session, merge_id=merge.id, actor="dm", reason="two after all")

    assert index_state(session) == before


def test_the_golden_record_is_rebuilt_after_a_merge_and_after_an_unmerge(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "gro-births", [birth(1)])
    load(session, tmp_path, "nhs-demographics", [nhs_record(1, nhs_number=nhs_number(99))])
    born, treated = (c.id for c in session.scalars(select(Child).order_by(Child.id)))
    assert child(session, born).postcode == "LS6 1LF"

    merge = review.merge(session, survivor_id=born, merged_id=treated, actor="dm", reason="same")
    # The newest address (the NHS record's) and the GRO date of birth now describe one child.
    survivor = child(session, born)
    assert (survivor.postcode, survivor.date_of_birth) == ("LS6 3AA", date(2015, 3, 2))

    review.unmerge(session, merge_id=merge.id, actor="dm", reason="different children")
    assert child(session, born).postcode == "LS6 1LF"
    restored = child(session, treated)
    assert (restored.postcode, restored.status, restored.merged_into_id) == (
        "LS6 3AA",
        ChildStatus.ACTIVE,
        None,
    )


def test_keeping_a_task_apart_records_the_pair_and_the_decision(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    before = index_state(session)

    pair = review.separate(session, task_id=task.id, actor="dm.leeds", reason="twins")

    low, high = sorted((task.child_id, task.candidate_child_id))
    assert (pair.child_a_id, pair.child_b_id, pair.by, pair.reason) == (
        low,
        high,
        "dm.leeds",
        "twins",
    )
    assert pair.at is not None
    decided = review.get_task(session, task.id)
    assert (decided.status, decided.decided_by, decided.reason) == (
        ReviewStatus.KEPT_APART,
        "dm.leeds",
        "twins",
    )
    assert decided.decided_at is not None
    after = index_state(session)
    assert after.pop("kept_apart") != before.pop("kept_apart")
    assert after == before


def test_a_record_matching_both_children_of_a_kept_apart_pair_never_joins_them(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    review.separate(session, task_id=task.id, actor="dm", reason="twins")
    tasks_before = session.scalars(select(ReviewTask.id)).all()

    both = local_row(
        5,
        given_names="Zain",
        family_name="Hussain",
        date_of_birth="2015-03-02",
        gender="M",
        postcode="LS6 1LF",
        address="12 Cardigan Road, Leeds",
    )
    load(session, tmp_path, "local", [both])

    pair = {task.child_id, task.candidate_child_id}
    for child_id in pair:
        assert child(session, child_id).status is ChildStatus.ACTIVE
    assert session.scalars(select(ReviewTask.id)).all() == tasks_before
    assert session.scalars(select(KeptApart)).one()
    with pytest.raises(MergeRefused, match="kept apart by dm"):
        review.merge(session, survivor_id=min(pair), merged_id=max(pair), actor="x", reason="y")


def test_a_record_matching_two_children_not_kept_apart_goes_to_review(
    session: Session, tmp_path: Path
) -> None:
    # The control for the test above: without the person's decision the pair is raised.
    task = two_births_of_one_child(session, tmp_path)
    both = local_row(
        5,
        given_names="Zain",
        family_name="Hussain",
        date_of_birth="2015-03-02",
        gender="M",
        postcode="LS6 1LF",
        address="12 Cardigan Road, Leeds",
    )
    result = load(session, tmp_path, "local", [both])
    assert result.run.for_review >= 1
    assert len(session.scalars(select(ReviewTask)).all()) > 1
    assert task.status is ReviewStatus.OPEN


def test_merging_a_child_into_itself_is_refused_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    before = snapshot(session)
    with pytest.raises(MergeRefused, match="cannot be merged into itself"):
        review.merge(
            session, survivor_id=task.child_id, merged_id=task.child_id, actor="dm", reason="x"
        )
    assert snapshot(session) == before


def test_merging_a_missing_child_is_not_found_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    before = snapshot(session)
    with pytest.raises(NotFound, match="no child with id 999999"):
        review.merge(session, survivor_id=task.child_id, merged_id=999999, actor="dm", reason="x")
    assert snapshot(session) == before


def test_a_merged_child_cannot_be_merged_again_and_the_error_says_into_which(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "local", [local_row(0), local_row(1), local_row(2)])
    first, second, third = (c.id for c in session.scalars(select(Child).order_by(Child.id)))
    review.merge(session, survivor_id=first, merged_id=second, actor="dm", reason="same")
    before = snapshot(session)
    into = child(session, first).cp_id
    with pytest.raises(MergeRefused, match=f"already merged into {into}"):
        review.merge(session, survivor_id=third, merged_id=second, actor="dm", reason="same")
    assert snapshot(session) == before


def test_unmerging_twice_is_refused_and_changes_nothing(session: Session, tmp_path: Path) -> None:
    task = two_births_of_one_child(session, tmp_path)
    older, newer = sorted((task.child_id, task.candidate_child_id))
    merge = review.merge(session, survivor_id=older, merged_id=newer, actor="dm", reason="same")
    review.unmerge(session, merge_id=merge.id, actor="dm.leeds", reason="twins")
    before = snapshot(session)
    with pytest.raises(UnmergeRefused, match=r"already undone by dm\.leeds"):
        review.unmerge(session, merge_id=merge.id, actor="dm", reason="again")
    assert snapshot(session) == before


def test_unmerging_what_was_never_merged_is_not_found(session: Session, tmp_path: Path) -> None:
    two_births_of_one_child(session, tmp_path)
    before = snapshot(session)
    with pytest.raises(NotFound, match="no merge with id 404"):
        review.unmerge(session, merge_id=404, actor="dm", reason="x")
    assert snapshot(session) == before


def test_an_unmerge_waits_until_the_survivor_is_no_longer_merged_into_another_child(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "local", [local_row(0), local_row(1), local_row(2)])
    first, second, third = (c.id for c in session.scalars(select(Child).order_by(Child.id)))
    inner = review.merge(session, survivor_id=second, merged_id=third, actor="dm", reason="a")
    outer = review.merge(session, survivor_id=first, merged_id=second, actor="dm", reason="b")
    before = snapshot(session)
    with pytest.raises(UnmergeRefused, match=f"merge {outer.id}\\); undo that merge first"):
        review.unmerge(session, merge_id=inner.id, actor="dm", reason="c")
    assert snapshot(session) == before
    review.unmerge(session, merge_id=outer.id, actor="dm", reason="c")
    review.unmerge(session, merge_id=inner.id, actor="dm", reason="c")
    assert [c.status for c in session.scalars(select(Child))] == [ChildStatus.ACTIVE] * 3


def test_deciding_a_task_twice_says_who_decided_it_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    review.separate(session, task_id=task.id, actor="dm.leeds", reason="twins")
    before = snapshot(session)
    for decide in (review.link, review.separate):
        with pytest.raises(
            TaskAlreadyDecided, match=r"already decided \(kept apart\) by dm\.leeds"
        ):
            decide(session, task_id=task.id, actor="dm.york", reason="same")
        assert snapshot(session) == before
    with pytest.raises(NotFound, match="no review task with id 404"):
        review.link(session, task_id=404, actor="dm", reason="x")


def test_a_refused_link_leaves_the_task_open(session: Session, tmp_path: Path) -> None:
    task = two_births_of_one_child(session, tmp_path)
    low, high = sorted((task.child_id, task.candidate_child_id))
    session.add(KeptApart(child_a_id=low, child_b_id=high, by="dm.leeds", reason="twins"))
    session.flush()
    before = snapshot(session)
    with pytest.raises(MergeRefused, match=r"kept apart by dm\.leeds"):
        review.link(session, task_id=task.id, actor="dm.york", reason="same")
    assert snapshot(session) == before
    assert review.get_task(session, task.id).status is ReviewStatus.OPEN


def test_keeping_apart_two_children_already_merged_is_refused(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    older, newer = sorted((task.child_id, task.candidate_child_id))
    review.merge(session, survivor_id=older, merged_id=newer, actor="dm", reason="same")
    with pytest.raises(DecisionRefused, match="undo that merge before keeping them apart"):
        review.separate(session, task_id=task.id, actor="dm", reason="twins")
    assert review.get_task(session, task.id).status is ReviewStatus.OPEN


def test_merge_history_lists_a_childs_merges_and_their_undoing(
    session: Session, tmp_path: Path
) -> None:
    task = two_births_of_one_child(session, tmp_path)
    older, newer = sorted((task.child_id, task.candidate_child_id))
    first = review.merge(session, survivor_id=older, merged_id=newer, actor="dm", reason="same")
    review.unmerge(session, merge_id=first.id, actor="dm2", reason="twins")
    second = review.merge(session, survivor_id=older, merged_id=newer, actor="dm3", reason="sure")

    history = review.merge_history(session, newer)

    assert [m.id for m in history] == [first.id, second.id]
    assert history == review.merge_history(session, older)
    assert (history[0].by, history[0].undone_by, history[0].undo_reason) == ("dm", "dm2", "twins")
    assert (history[1].by, history[1].undone_at) == ("dm3", None)
    assert history[1].merged_cp_id == child(session, newer).cp_id
    assert review.merge_history(session, older)[0].survivor_cp_id == child(session, older).cp_id


def test_of_two_people_deciding_one_task_at_once_only_the_first_decides(
    committed_engine: Engine, tmp_path: Path
) -> None:
    with db.unit_of_work(committed_engine) as session:
        task_id = two_births_of_one_child(session, tmp_path).id

    def link_in_own_transaction() -> str:
        try:
            with db.unit_of_work(committed_engine) as second:
                review.link(second, task_id=task_id, actor="dm.york", reason="same child")
        except TaskAlreadyDecided as error:
            return str(error)
        return "linked"

    with ThreadPoolExecutor(max_workers=1) as pool:
        with db.unit_of_work(committed_engine) as first:
            review.separate(first, task_id=task_id, actor="dm.leeds", reason="twins")
            # The second decision now waits on the first's uncommitted one.
            racing = pool.submit(link_in_own_transaction)
            time.sleep(0.3)
        outcome = racing.result(timeout=60)

    assert "already decided (kept apart) by dm.leeds" in outcome
    with db.unit_of_work(committed_engine) as session:
        decided = review.get_task(session, task_id)
        assert (decided.status, decided.decided_by) == (ReviewStatus.KEPT_APART, "dm.leeds")
        assert session.scalars(select(Merge)).all() == []
        assert session.scalars(select(LinkEvent)).all() == []


def test_a_data_managers_queue_holds_their_tasks_however_many_older_ones_are_elsewhere(
    session: Session, tmp_path: Path
) -> None:
    # The queue read the oldest tasks of every authority, then kept the reader's: with
    # enough older tasks elsewhere (a national index), a data manager saw none of theirs.
    hull = {"address": "7 Haven Street, Hull", "postcode": "HU5 3AA"}
    load(session, tmp_path, "gro-births", [birth(1, **hull)])
    again = {"record_id": "2015/LDS/09999", "nhs_number": nhs_number(99)}
    load(session, tmp_path, "gro-births", [birth(1, **hull, **again)])
    load(session, tmp_path, "gro-births", [birth(2)])
    load(session, tmp_path, "gro-births", [birth(2, record_id="2015/LDS/09998",
         nhs_number=nhs_number(98))])  # fmt: skip
    older, leeds_task = session.scalars(select(ReviewTask).order_by(ReviewTask.id)).all()
    active_user(session, "dee.leeds", Role.DATA_MANAGER, la_code=LEEDS)
    dee = principal_of(session, "dee.leeds")

    found = casework.queue(session, dee, limit=1)

    assert [task.id for task in found.tasks] == [leeds_task.id] and found.total == 1
    assert older.id not in [task.id for task in casework.open_tasks(session, dee)]


def test_the_queue_pages_through_every_task_oldest_first(session: Session, tmp_path: Path) -> None:
    # Issue 16: the page listed the oldest 100 tasks and stopped there.
    for n in (1, 2, 3):
        load(session, tmp_path, "gro-births", [birth(n)])
        again = {"record_id": f"2015/LDS/0999{n}", "nhs_number": nhs_number(90 + n)}
        load(session, tmp_path, "gro-births", [birth(n, **again)])
    active_user(session, "dee.leeds", Role.DATA_MANAGER, la_code=LEEDS)
    dee = principal_of(session, "dee.leeds")
    whole = [task.id for task in casework.queue(session, dee).tasks]
    assert len(whole) >= 3
    pages = -(-len(whole) // 2)
    found = [casework.queue(session, dee, limit=2, page=page) for page in range(1, pages + 2)]
    assert [t.id for f in found[:-1] for t in f.tasks] == whole
    assert [(f.page, f.first) for f in found] == [
        *((page, 2 * page - 1) for page in range(1, pages + 1)),
        (pages, 2 * pages - 1),
    ]
    assert {(f.pages, f.total) for f in found} == {(pages, len(whole))}
