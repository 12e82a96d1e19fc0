"""The review queue through the pages, on both databases: a data manager opens a task,
compares the two children side by side with the field-by-field explanation, links or
keeps them apart with a reason, and undoes a merge from the child's merge history.
Anyone else is refused (403, audited); a missing reason or CSRF token, an unknown task
and a task already decided are each refused clearly, with nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.review import casework, service
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child
from contactpoint.tables.review import Merge, ReviewStatus, ReviewTask
from tests.builders import birth, nhs_number, write_feed
from tests.people import HULL, LEEDS, active_user, field, sign_in
from tests.web.conftest import page_text

MANAGER = "dee.manager"


def signed_in_as(
    client: TestClient, username: str, *roles: Role, la_code: str = LEEDS
) -> TestClient:
    with db.unit_of_work() as session:
        secret = active_user(session, username, *roles, la_code=la_code).totp_secret
    assert secret
    sign_in(client, username, secret)
    return client


@pytest.fixture
def manager(client: TestClient, committed_engine: Engine) -> TestClient:
    """The client, signed in as a data manager."""
    return signed_in_as(client, MANAGER, Role.DATA_MANAGER)


@pytest.fixture
def task_id(committed_engine: Engine, tmp_path: Path) -> int:
    """Two GRO births of one child under different NHS numbers: one open review task."""
    for n, row in enumerate(
        [birth(1), birth(1, record_id="2015/LDS/09999", nhs_number=nhs_number(99))]
    ):
        path = write_feed(tmp_path / f"births-{n}.csv", "gro-births", [row])
        with db.unit_of_work() as session:
            pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
    with db.unit_of_work() as session:
        (task,) = session.scalars(select(ReviewTask))
        return task.id


def post(client: TestClient, path: str, data: dict[str, str]) -> Response:
    """Post a form as a browser does: with the session's CSRF token, not following."""
    token = field(client.get("/inbox").text, "csrf_token")
    answer: Response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
    return answer


def status_of(task_id: int) -> ReviewStatus:
    with db.unit_of_work() as session:
        return service.get_task(session, task_id).status


def audited(action: str, actor: str = MANAGER) -> list[AuditEntry]:
    with db.unit_of_work() as session:
        query = select(AuditEntry).where(AuditEntry.actor == actor, AuditEntry.action == action)
        entries = list(session.scalars(query))
        session.expunge_all()
        return entries


def test_a_data_manager_compares_a_pair_and_links_it_and_it_leaves_the_queue(
    manager: TestClient, task_id: int
) -> None:
    queue = manager.get("/review")
    assert queue.status_code == 200
    assert f'href="/review/{task_id}"' in queue.text
    assert "Stopped by a rule" in page_text(queue.text)

    page = manager.get(f"/review/{task_id}")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Source records of" in text
    assert "Why they may match" in text
    assert "Date of birth exact" in text and "NHS number different" in text
    assert "Link these records" in text and "Keep apart" in text
    assert len(audited("review.view")) == 2  # once for each child

    answer = post(manager, f"/review/{task_id}/link", {"reason": "Same GRO entry"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/review?done=linked"
    assert status_of(task_id) is ReviewStatus.LINKED
    after = manager.get(answer.headers["location"]).text
    assert "Records linked" in after
    assert f'href="/review/{task_id}"' not in after
    assert [e.reason for e in audited("review.link")] == ["Same GRO entry"]


def test_a_data_manager_keeps_a_pair_apart(manager: TestClient, task_id: int) -> None:
    answer = post(manager, f"/review/{task_id}/keep-apart", {"reason": "Twins"})

    assert answer.status_code == 303
    assert status_of(task_id) is ReviewStatus.KEPT_APART
    assert [e.reason for e in audited("review.keep_apart")] == ["Twins"]


def test_a_decision_without_a_reason_is_shown_at_its_field_and_changes_nothing(
    manager: TestClient, task_id: int
) -> None:
    answer = post(manager, f"/review/{task_id}/link", {"reason": " "})

    assert answer.status_code == 400
    assert "Enter the reason for your decision" in answer.text
    assert 'href="#reason"' in answer.text
    assert status_of(task_id) is ReviewStatus.OPEN


def test_a_decision_without_its_csrf_token_is_refused_and_changes_nothing(
    manager: TestClient, task_id: int
) -> None:
    answer = manager.post(f"/review/{task_id}/link", data={"reason": "x"}, follow_redirects=False)

    assert answer.status_code == 403
    assert status_of(task_id) is ReviewStatus.OPEN


def test_an_unknown_task_is_not_found(manager: TestClient, committed_engine: Engine) -> None:
    assert manager.get("/review/999999").status_code == 404
    assert manager.get("/review/99999999999999").status_code == 404
    assert post(manager, "/review/999999/link", {"reason": "x"}).status_code == 404
    assert manager.get("/review/nothing").status_code == 400


def test_a_task_someone_else_decided_first_is_said_so_and_nothing_changes(
    manager: TestClient, task_id: int
) -> None:
    with db.unit_of_work() as session:
        service.separate(session, task_id=task_id, actor="first.person", reason="Twins")

    answer = post(manager, f"/review/{task_id}/link", {"reason": "Same child"})

    assert answer.status_code == 409
    text = page_text(answer.text)
    assert "This decision was not made" in text
    assert "already decided" in text and "first.person" in text
    assert status_of(task_id) is ReviewStatus.KEPT_APART
    with db.unit_of_work() as session:
        assert session.scalars(select(Merge)).first() is None
    assert audited("review.link") == []


def test_a_data_manager_undoes_a_merge_from_the_merge_history(
    manager: TestClient, task_id: int
) -> None:
    post(manager, f"/review/{task_id}/link", {"reason": "Same GRO entry"})
    with db.unit_of_work() as session:
        merge = session.scalars(select(Merge)).one()
        survivor = session.get(Child, merge.survivor_id)
        merged_id, merge_id = merge.merged_id, merge.id
        assert survivor is not None
        cp_id = survivor.cp_id

    page = manager.get(f"/children/{cp_id}/merges")
    assert page.status_code == 200
    assert f"Merge {merge_id}" in page_text(page.text)

    missing = post(manager, f"/children/{cp_id}/merges/{merge_id}/unmerge", {"reason": ""})
    assert missing.status_code == 400
    assert f'href="#reason-{merge_id}"' in missing.text

    answer = post(manager, f"/children/{cp_id}/merges/{merge_id}/unmerge", {"reason": "Twins"})
    assert answer.status_code == 303
    with db.unit_of_work() as session:
        merged = session.get(Child, merged_id)
        assert merged is not None and merged.status is ChildStatus.ACTIVE
    assert "Merge undone" in manager.get(answer.headers["location"]).text

    again = post(manager, f"/children/{cp_id}/merges/{merge_id}/unmerge", {"reason": "Twins"})
    assert again.status_code == 409
    assert "already undone" in page_text(again.text)
    assert len(audited("review.unmerge")) == 1


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.USER_ADMIN])
def test_anyone_but_a_data_manager_is_refused_and_the_refusal_is_audited(
    client: TestClient, task_id: int, role: Role
) -> None:
    signed_in_as(client, "someone.else", role)

    assert client.get("/review").status_code == 403
    assert client.get(f"/review/{task_id}").status_code == 403
    assert post(client, f"/review/{task_id}/link", {"reason": "x"}).status_code == 403
    assert status_of(task_id) is ReviewStatus.OPEN
    assert len(audited("refused", "someone.else")) == 3
    assert audited("review.view", "someone.else") == []
    assert 'href="/review"' not in client.get("/inbox").text


def test_the_national_team_has_a_queue_of_closed_records_questions_and_no_other(
    client: TestClient, task_id: int
) -> None:
    # National administrators answer whether a new record is one closed for a new
    # identity; an authority's pair of open records is not theirs to see.
    signed_in_as(client, "nat.admin", Role.NATIONAL_ADMIN)

    queue = client.get("/review")
    assert queue.status_code == 200 and f'href="/review/{task_id}"' not in queue.text
    assert client.get(f"/review/{task_id}").status_code == 403
    assert post(client, f"/review/{task_id}/link", {"reason": "x"}).status_code == 403
    assert status_of(task_id) is ReviewStatus.OPEN
    assert len(audited("refused", "nat.admin")) == 2
    assert audited("review.view", "nat.admin") == []


def test_a_pair_with_a_record_shielded_from_the_reviewer_is_neither_listed_nor_shown(
    client: TestClient, committed_engine: Engine, task_id: int
) -> None:
    # The children are Leeds's; the reviewer is another authority's data manager.
    with db.unit_of_work() as session:
        for child in session.scalars(select(Child)):
            child.shielded = True
    signed_in_as(client, "hal.manager", Role.DATA_MANAGER, la_code=HULL)

    assert f'href="/review/{task_id}"' not in client.get("/review").text
    assert client.get(f"/review/{task_id}").status_code == 403
    assert post(client, f"/review/{task_id}/link", {"reason": "same"}).status_code == 403
    assert status_of(task_id) is ReviewStatus.OPEN
    assert audited("review.queue", "hal.manager")  # the listing itself is audited


def test_another_authoritys_data_manager_cannot_decide_or_browse_its_pairs(
    client: TestClient, committed_engine: Engine, task_id: int
) -> None:
    # Security review S6: a Hull data manager listed Leeds pairs, opened one, kept them
    # apart, and read a Leeds child's merge history. The children here are Leeds's and
    # not shielded: they are still not Hull's to decide about.
    with db.unit_of_work() as session:
        assert {c.responsible_la_code for c in session.scalars(select(Child))} == {LEEDS}
        cp_id = session.scalars(select(Child.cp_id)).first()
    signed_in_as(client, "hal.manager", Role.DATA_MANAGER, la_code=HULL)

    assert f'href="/review/{task_id}"' not in client.get("/review").text
    assert client.get(f"/review/{task_id}").status_code == 403
    assert post(client, f"/review/{task_id}/keep-apart", {"reason": "not ours"}).status_code == 403
    assert status_of(task_id) is ReviewStatus.OPEN
    assert client.get(f"/children/{cp_id}/merges").status_code == 403


def test_the_queue_page_pages_through_the_tasks(
    manager: TestClient, task_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = birth(2, record_id="2015/LDS/09997", nhs_number=nhs_number(97))
    for n, one in enumerate([birth(2), row]):
        path = write_feed(tmp_path / f"more-{n}.csv", "gro-births", [one])
        with db.unit_of_work() as session:
            pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
    by_one = casework.queue
    monkeypatch.setattr(
        casework, "queue", lambda session, who, page=1: by_one(session, who, limit=1, page=page)
    )
    first = page_text(manager.get("/review").text)
    total = len(casework_tasks())
    assert total >= 2 and f"Tasks 1 to 1 of {total} open tasks, oldest first" in first
    assert f"Task {task_id}" in first
    second = manager.get("/review?page=2")
    assert f"Tasks 2 to 2 of {total} open tasks" in page_text(second.text)
    assert 'aria-current="page"' in second.text and "/review?page=1" in second.text
    assert f"Task {task_id}:" not in page_text(second.text)


def casework_tasks() -> list[int]:
    with db.unit_of_work() as session:
        open_ = select(ReviewTask.id).where(ReviewTask.status == ReviewStatus.OPEN)
        return list(session.scalars(open_))
