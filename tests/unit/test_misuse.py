"""The patterns of likely misuse, without a database: days and hours are UK time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contactpoint.audit.misuse import Access, Pattern, Thresholds, detect, is_night

LIMITS = Thresholds(night=2)


def search(at: datetime, user_id: int = 1) -> Access:
    return Access(user_id=user_id, username=f"user{user_id}", at=at, action="search")


def test_unusual_hours_span_midnight() -> None:
    assert [h for h in range(24) if is_night(h, LIMITS)] == [0, 1, 2, 3, 4, 5, 22, 23]


def test_unusual_hours_are_uk_time_in_summer() -> None:
    # 21:30 UTC in July is 22:30 in London: unusual. 05:30 UTC is 06:30: not.
    late = [search(datetime(2026, 7, 1, 21, 30, tzinfo=UTC)) for _ in range(2)]
    early = [search(datetime(2026, 7, 2, 5, 30, tzinfo=UTC)) for _ in range(2)]

    assert [f.pattern for f in detect(late, LIMITS)] == [Pattern.UNUSUAL_HOURS]
    assert detect(early, LIMITS) == []


def test_volume_is_judged_against_the_median_of_peers_that_day() -> None:
    noon = datetime(2026, 3, 2, 12, tzinfo=UTC)
    peers = [search(noon, user_id) for user_id in (2, 3, 4) for _ in range(30)]
    busy = [search(noon + timedelta(seconds=n)) for n in range(91)]

    [found] = detect([*peers, *busy], LIMITS)

    assert (found.pattern, found.username, found.peer_median) == (Pattern.VOLUME, "user1", 30.0)
    assert found.key == "volume:1:2026-03-02"
    # 90 (3 × 30) is the limit: one fewer is not flagged.
    assert detect([*peers, *busy[:-1]], LIMITS) == []
