"""A shield comes from a source's flag as well as a data manager, and survives what
happens to the record: a merge involving a shielded child yields a shielded child, and
undoing the merge leaves both shielded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.reasons import reason
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.records.view import view_for
from contactpoint.review import casework
from contactpoint.review.merge import merge, unmerge
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child, ChildIdentifier
from contactpoint.tables.review import ReviewTask
from tests.builders import local_row, nhs_number, nhs_record
from tests.people import HULL, LEEDS, active_user, principal_of
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


def test_a_record_held_at_a_refuge_in_another_authority_is_the_owning_authoritys_question(
    session: Session, tmp_path: Path
) -> None:
    # Leeds shields Kris; a row about her arrives from a refuge in Hull (its postcode
    # only, a birthday mistyped). The held record's postcode makes Hull responsible for
    # it and Leeds for Kris: the pair was for an authority responsible for both, so
    # nobody could decide it. It is Leeds's question.
    home = {"postcode": "LS6 2AB", "address": "4 Cardigan Road, Leeds"}
    refuge = {"postcode": "HU5 3AA", "address": "", "gender": "F"}
    load(session, tmp_path, "local", [local_row(1, given_names="Kris", family_name="Pathak",
         date_of_birth="2016-07-02", **home)])  # fmt: skip
    (kris,) = session.scalars(select(Child.id)).all()
    child(session, kris).shielded = True
    session.flush()
    load(session, tmp_path, "local", [local_row(2, given_names="Kris", family_name="Pathak",
         date_of_birth="2016-07-20", **refuge)])  # fmt: skip
    (held,) = session.scalars(select(Child.id).where(Child.id != kris)).all()
    assert child(session, held).shielded and child(session, held).responsible_la_code == HULL
    assert child(session, held).held_for_la_code == LEEDS
    for username, role, la_code in (
        ("dee.leeds", Role.DATA_MANAGER, LEEDS), ("hugh.hull", Role.DATA_MANAGER, HULL),
        ("hal.hull", Role.PRACTITIONER, HULL),
    ):  # fmt: skip
        active_user(session, username, role, la_code=la_code)
    leeds, hull = principal_of(session, "dee.leeds"), principal_of(session, "hugh.hull")

    (task,) = casework.open_tasks(session, leeds)
    assert {task.child.id, task.candidate.id} == {kris, held}
    pair = casework.compare(session, leeds, task.id)
    assert "HU5 3AA" in (pair.child.postcode or "") + (pair.candidate.postcode or "")
    assert casework.open_tasks(session, hull) == []  # Kris is not Hull's to see
    # To a practitioner in Hull the held record is a stub until Leeds has answered.
    seen = view_for(session, principal_of(session, "hal.hull"), held, reason("identity"))
    assert seen.shielded
    casework.link(session, leeds, task.id, "the same child: she is at the refuge")
    assert child(session, held).status is ChildStatus.MERGED
    assert child(session, kris).shielded
