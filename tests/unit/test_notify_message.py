"""What an e-mail says and when it is tried again: no database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from contactpoint.notify.message import (
    build_message,
    email_text,
    new_message_id,
    retry_delay,
    valid_address,
    valid_link,
)


@pytest.mark.parametrize(
    "address",
    ["ann.smith@leeds.gov.uk", "a@example.org", "first.o'neil+cp@nhs.net", "x_y@sub.xn--p1ai"],
)
def test_plain_addresses_are_valid(address: str) -> None:
    assert valid_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "ann.smith",
        "ann smith@leeds.gov.uk",
        "ann@localhost",
        "ann@@leeds.gov.uk",
        "ann@leeds..gov.uk",
        ".ann@leeds.gov.uk",
        "ann.@leeds.gov.uk",
        "ann@-leeds.gov.uk",
        "Ann Smith <ann@leeds.gov.uk>",
        "ann@leeds.gov.uk\r\nBcc: everyone@example.org",
        "ann@leeds.gov.uk\n",
        "ännä@leeds.gov.uk",
        "ann@leeds.gov.123",
        "a" * 65 + "@leeds.gov.uk",
        "ann@" + "a" * 250 + ".uk",
    ],
)
def test_anything_else_is_not_an_address(address: str) -> None:
    assert not valid_address(address)


@pytest.mark.parametrize("link", ["/children/CP-1234-5678-9", "/", "/review/12?tab=pairs"])
def test_links_stay_within_the_service(link: str) -> None:
    assert valid_link(link)


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/x", "children/CP-1", "/a b", "/\\evil"]
)
def test_links_to_other_sites_are_not_links(link: str) -> None:
    assert not valid_link(link)


def test_the_email_says_what_waits_and_where_but_not_what_it_is_about() -> None:
    subject, body = email_text("match_signal", "/children/CP-1234-5678-9", "https://cp.example/")
    assert subject == "ContactPoint: you have a new match signal"
    assert "https://cp.example/children/CP-1234-5678-9" in body
    assert "no details of any child" in body


def test_an_unknown_kind_is_a_notification_and_no_link_leads_to_the_start() -> None:
    subject, body = email_text("something_new", None, "https://cp.example")
    assert subject == "ContactPoint: you have a new notification"
    assert "https://cp.example/\n" in body


def test_each_email_gets_its_own_message_id() -> None:
    first, second = new_message_id(), new_message_id()
    assert first != second
    assert re.fullmatch(r"<outbox-[0-9a-f]{32}@contactpoint\.invalid>", first)


def test_the_message_carries_its_message_id_and_a_dated_header() -> None:
    message = build_message(
        sender="ContactPoint <no-reply@cp.example>", to="ann@leeds.gov.uk", subject="Hello",
        body="Sign in.", message_id="<outbox-1@contactpoint.invalid>",
        date=datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
    )  # fmt: skip
    assert message["Message-ID"] == "<outbox-1@contactpoint.invalid>"
    assert message["Date"] == "Wed, 02 Dec 2026 09:30:00 +0000"
    assert message.get_content().strip() == "Sign in."


def test_a_subject_with_a_line_break_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        build_message(
            sender="a@cp.example", to="ann@leeds.gov.uk", subject="Hi\r\nBcc: x@example.org",
            body="", message_id="<1@x>", date=datetime.now(UTC),
        )  # fmt: skip


def test_retries_back_off_from_a_minute_doubling_to_at_most_an_hour() -> None:
    delays = [retry_delay(attempts) for attempts in range(1, 10)]
    minutes = [int(delay / timedelta(minutes=1)) for delay in delays]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert retry_delay(10_000) == timedelta(hours=1)
