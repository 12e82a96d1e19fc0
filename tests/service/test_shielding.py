"""A shield comes from a source's flag as well as a data manager, and survives what
happens to the record: a merge involving a shielded child yields a shielded child, and
undoing the merge leaves both shielded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.audit.models import AuditEntry
from contactpoint.children.models import Child, ChildIdentifier
from contactpoint.review.merge import merge, unmerge
from contactpoint.review.models import ReviewTask
from tests.builders import local_row, nhs_number, nhs_record
from tests.service.test_review import child, load


def test_a_merge_with_a_shielded_child_is_shielded_and_an_unmerge_keeps_both_shielded(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "local", [local_row(1), local_row(2)])
    one, other = session.scalars(select(Child.id).order_by(Child.id)).all()
    child(session, other).shielded = True
    session.flush()
    done = merge(session, survivor_id=one, merged_id=other, actor="dee", reason="same child")
    assert child(session, one).shielded
    unmerge(session, merge_id=done.id, actor="dee", reason="not the same after all")
    assert child(session, one).shielded and child(session, other).shielded


def test_a_record_a_source_marks_sensitive_shields_its_child_on_load(
    session: Session, tmp_path: Path
) -> None:
    result = load(
        session,
        tmp_path,
        "nhs-demographics",
        [nhs_record(1, sensitive="Y"), nhs_record(2, sensitive="N"), nhs_record(3, sensitive="?")],
    )

    def shielded(n: int) -> bool:
        return bool(
            session.scalar(
                select(Child.shielded)
                .join(ChildIdentifier, ChildIdentifier.child_id == Child.id)
                .where(ChildIdentifier.value == nhs_number(n))
            )
        )

    assert shielded(1) and not shielded(2)
    # A garbled flag errs on the safe side, and is reported.
    assert shielded(3)
    assert [(w.line, w.field) for w in result.warnings] == [(4, "sensitive")]
    reasons = session.scalars(
        select(AuditEntry.reason).where(AuditEntry.action == "child.shield")
    ).all()
    assert len(reasons) == 2 and all("nhs-demographics marks" in r for r in reasons if r)


def test_a_new_record_close_to_a_shielded_child_is_held_shielded_with_a_question(
    session: Session, tmp_path: Path
) -> None:
    # Security review S3: a misspelt row at the refuge, its date of birth two typos
    # away, became a new, unshielded child with no review task, shown in full elsewhere.
    refuge = {"postcode": "LS6 2AB", "address": "4 Refuge Road, Leeds"}
    load(session, tmp_path, "local", [local_row(1, given_names="Kris", family_name="Pathak",
         date_of_birth="2016-07-02", **refuge)])  # fmt: skip
    (shielded_id,) = session.scalars(select(Child.id)).all()
    child(session, shielded_id).shielded = True
    session.flush()
    load(session, tmp_path, "local", [local_row(2, given_names="Kris", family_name="Parthak",
         date_of_birth="2016-09-20", **refuge)])  # fmt: skip
    (new_id,) = session.scalars(select(Child.id).where(Child.id != shielded_id)).all()
    assert child(session, new_id).shielded
    asked = session.scalars(
        select(ReviewTask.candidate_child_id).where(ReviewTask.child_id == new_id)
    ).all()
    assert asked == [shielded_id]
