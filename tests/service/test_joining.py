"""A row that shows two indexed children to be one joins them: a merge by the matcher,
with history, that closes the question raised about them and can be undone exactly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.kinds.children import ChildStatus, LinkKind
from contactpoint.review import service as review
from contactpoint.tables.children import SourceRecord
from contactpoint.tables.review import Merge, ReviewStatus, ReviewTask
from tests.builders import birth, local_row, nhs_record
from tests.service.test_review import child, load, records_of

# A new surname, a new home, and the day and month of birth swapped.
MOVED = {
    "family_name": "Thomas",
    "date_of_birth": "2015-02-03",
    "address": "3 Otley Road, Leeds",
    "postcode": "LS6 3AA",
}


def birth_then_a_claim_after_a_move(session: Session, tmp_path: Path) -> tuple[int, int]:
    """Child 1's birth; then a local record of him too unlike the birth to link: two
    children, and a task asking whether they are one."""
    born = birth(1)
    assert born["date_of_birth"] == "2015-03-02"
    load(session, tmp_path, "gro-births", [born])
    moved = local_row(1, given_names=born["given_names"], gender=born["gender"], **MOVED)
    load(session, tmp_path, "local", [moved])
    (first, second) = session.scalars(select(SourceRecord.child_id).order_by(SourceRecord.id))
    assert first != second
    return first, second


def test_a_record_matching_both_children_joins_them_as_a_merge_by_the_matcher(
    session: Session, tmp_path: Path
) -> None:
    older, newer = birth_then_a_claim_after_a_move(session, tmp_path)
    tasks = session.scalars(select(ReviewTask)).all()
    assert tasks

    # The GP record: the birth's NHS number, the new surname and home.
    result = load(session, tmp_path, "nhs-demographics", [nhs_record(1, **MOVED)])

    assert result.run.children_joined == 1
    (merge,) = session.scalars(select(Merge))
    assert (merge.survivor_id, merge.merged_id) == (older, newer)
    assert merge.by == f"matcher (feed run {result.run.id})"
    assert "matched both children" in merge.reason
    assert child(session, newer).status is ChildStatus.MERGED
    assert child(session, newer).merged_into_id == older
    assert len(records_of(session, older)) == 3
    # The matcher's links stay the matcher's: nobody decided them.
    kinds = set(session.scalars(select(SourceRecord.link_kind)))
    assert kinds == {LinkKind.AUTOMATIC}
    # A question raised about the two children is answered by the join.
    for task in tasks:
        session.refresh(task)
        assert task.status is ReviewStatus.LINKED
        assert task.decided_by == merge.by


def test_a_join_by_the_matcher_is_undone_exactly(session: Session, tmp_path: Path) -> None:
    _older, newer = birth_then_a_claim_after_a_move(session, tmp_path)
    before = held_by(session, newer)
    load(session, tmp_path, "nhs-demographics", [nhs_record(1, **MOVED)])
    (merge,) = session.scalars(select(Merge))

    review.unmerge(session, merge_id=merge.id, actor="dm.leeds", reason="two children")

    assert held_by(session, newer) == before


def held_by(session: Session, child_id: int) -> tuple[object, ...]:
    """A child's status, golden record and source records with their link kinds."""
    found = child(session, child_id)
    records = session.execute(
        select(SourceRecord.id, SourceRecord.link_kind, SourceRecord.match_weight)
        .where(SourceRecord.child_id == child_id)
        .order_by(SourceRecord.id)
    ).all()
    golden = (found.given_names, found.family_name, found.date_of_birth, found.postcode)
    return found.status, found.merged_into_id, golden, tuple(records)


def test_the_matcher_lists_among_the_latest_merges(session: Session, tmp_path: Path) -> None:
    birth_then_a_claim_after_a_move(session, tmp_path)
    load(session, tmp_path, "nhs-demographics", [nhs_record(1, **MOVED)])
    (listed,) = review.recent_merges(session, by="matcher")
    assert listed.by.startswith("matcher (feed run")
    assert review.recent_merges(session, by="dm.") == []
