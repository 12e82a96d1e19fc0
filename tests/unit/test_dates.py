"""A feed's dates read without strptime for the common shape read exactly as strptime
would read them, whatever the text."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from contactpoint.feeds.fields import ISO_DATE, _parse_date

# Digits of several scripts, signs, spaces and separators: what a clerk or a broken
# export may put where a date should be.
TEXT = st.text(alphabet="0123456789-+ _./²０١", min_size=8, max_size=12)


def by_strptime(value: str) -> date | None:
    try:
        return datetime.strptime(value, ISO_DATE).date()
    except ValueError:
        return None


@given(TEXT)
def test_any_text_reads_as_strptime_reads_it(value: str) -> None:
    assert _parse_date(value, (ISO_DATE,)) == by_strptime(value)


@given(st.dates(min_value=date(1900, 1, 1)))
def test_every_real_date_reads_back(day: date) -> None:
    assert _parse_date(day.isoformat(), (ISO_DATE,)) == day
