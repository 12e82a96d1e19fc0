"""The review queue asks each question once: one open task for a pair of children,
however many records raise it, in one file or in later ones."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.review import service as review
from contactpoint.tables.review import ReviewTask
from tests.builders import birth, nhs_number, nhs_record
from tests.service.test_review import load

SAME_HOME = {"address": birth(1)["address"], "postcode": birth(1)["postcode"]}


def second_nhs_record(serial: int) -> dict[str, str]:
    """Child 1's NHS record under another NHS number, at the home of the birth."""
    return nhs_record(1, record_id=f"PDS{serial:06d}", nhs_number=nhs_number(99), **SAME_HOME)


def test_records_raising_one_question_make_one_task(session: Session, tmp_path: Path) -> None:
    # A birth; then three NHS records of that child under another NHS number: the first
    # founds a second child and asks whether the two are one; the others join it and
    # would ask the same.
    load(session, tmp_path, "gro-births", [birth(1)])
    result = load(session, tmp_path, "nhs-demographics", [second_nhs_record(n) for n in (1, 2, 3)])
    (task,) = session.scalars(select(ReviewTask))
    assert result.run.for_review == 1
    children = {task.child_id, task.candidate_child_id}
    assert len(children) == 2

    # A later file raising it again adds nothing while the task is open.
    load(session, tmp_path, "nhs-demographics", [second_nhs_record(4)])
    assert session.scalars(select(ReviewTask)).all() == [task]

    # Once answered "different children", the pair is kept apart, and nothing asks again.
    review.separate(session, task_id=task.id, actor="dm.leeds", reason="twins")
    load(session, tmp_path, "nhs-demographics", [second_nhs_record(5)])
    assert session.scalars(select(ReviewTask)).all() == [task]
