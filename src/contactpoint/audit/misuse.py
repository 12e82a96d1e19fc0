"""Patterns of likely misuse in who searched for and looked at which children (DESIGN §8,
issue 6): pure — accesses in, findings out — so each rule is tested without a database.

Every pattern is counted per user per UK day (Europe/London), so a finding has a stable
identity (``key``) and is alerted once however often the trail is analysed:

* volume — searches and views far above the user's peers that day: more than
  ``volume_factor`` × the median of the other users active that day, and more than
  ``volume_floor``;
* outside area — records of children whose responsible authority is not the user's own
  (users of national partners are excluded: their remit is national);
* shielded — repeated looks at shielded records;
* same child — one child's record opened many times;
* unusual hours — searches and views between ``night_start_hour`` and ``night_end_hour``
  UK time.
"""

from __future__ import annotations

import enum
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from contactpoint.audit.actions import AuditAction

UK = ZoneInfo("Europe/London")
SEARCH = AuditAction.SEARCH
# Actions that open one child's record.
VIEW_ACTIONS = (
    AuditAction.RECORD_VIEW,
    AuditAction.RECORD_OVERRIDE,
    AuditAction.SIGNPOSTING_QUERY,
    AuditAction.REVIEW_VIEW,
)
ACCESS_ACTIONS = (SEARCH, *VIEW_ACTIONS)
# How many ContactPoint IDs a finding lists as its evidence.
EVIDENCE_LIMIT = 25


class Pattern(enum.StrEnum):
    VOLUME = "volume"
    OUTSIDE_AREA = "outside_area"
    SHIELDED = "shielded"
    SAME_CHILD = "same_child"
    UNUSUAL_HOURS = "unusual_hours"
    HARVESTING = "harvesting"  # raised live by the search limit, not by the daily analysis


PATTERN_NAMES = {
    Pattern.VOLUME: "far more searches and views than peers",
    Pattern.OUTSIDE_AREA: "views of children outside the user's authority",
    Pattern.SHIELDED: "repeated views of shielded records",
    Pattern.SAME_CHILD: "one child's record opened many times",
    Pattern.UNUSUAL_HOURS: "searches and views at unusual hours",
    Pattern.HARVESTING: "searches faster than the limit: listing the index?",
}


@dataclass(frozen=True, slots=True)
class Access:
    """One search or view from the audit trail, with what the rules need to know."""

    user_id: int
    username: str
    at: datetime
    action: str
    # The child opened (views), or None (searches).
    cp_id: str | None = None
    child_la_code: str | None = None
    child_shielded: bool = False
    # The user's authority's GSS code; None for a national partner.
    user_la_code: str | None = None
    # Children a search listed (from the entry's details).
    listed: tuple[str, ...] = ()

    @property
    def uk_day(self) -> date:
        return _uk(self.at).date()

    @property
    def uk_hour(self) -> int:
        return _uk(self.at).hour


@dataclass(frozen=True, slots=True)
class Thresholds:
    volume_factor: float = 3.0
    volume_floor: int = 50
    outside_area: int = 5
    shielded: int = 3
    same_child: int = 10
    night_start_hour: int = 22
    night_end_hour: int = 6
    night: int = 3


@dataclass(frozen=True, slots=True)
class Finding:
    """One user's pattern on one UK day: the evidence and why it is flagged."""

    pattern: Pattern
    user_id: int
    username: str
    day: date
    count: int
    why: str
    peer_median: float | None = None
    cp_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        """The finding's identity: alerted once, however often the trail is analysed."""
        child = f":{self.cp_ids[0]}" if self.pattern is Pattern.SAME_CHILD else ""
        return f"{self.pattern.value}:{self.user_id}:{self.day.isoformat()}{child}"

    @property
    def name(self) -> str:
        return PATTERN_NAMES[self.pattern]


def detect(accesses: Iterable[Access], limits: Thresholds) -> list[Finding]:
    """Every finding in ``accesses``, by day, then user, then pattern."""
    by_user_day: dict[tuple[date, int], list[Access]] = defaultdict(list)
    for access in accesses:
        by_user_day[(access.uk_day, access.user_id)].append(access)
    per_day: dict[date, dict[int, int]] = defaultdict(dict)
    for (day, user_id), done in by_user_day.items():
        per_day[day][user_id] = len(done)
    findings: list[Finding] = []
    for (day, user_id), done in sorted(by_user_day.items(), key=lambda item: item[0]):
        peers = [count for other, count in per_day[day].items() if other != user_id]
        findings.extend(_volume(done, day, peers, limits))
        findings.extend(_outside_area(done, day, limits))
        findings.extend(_shielded(done, day, limits))
        findings.extend(_same_child(done, day, limits))
        findings.extend(_unusual_hours(done, day, limits))
    return findings


def daily_counts(accesses: Iterable[Access]) -> dict[date, Counter[str]]:
    """Searches and views per UK day and action, for the charts."""
    days: dict[date, Counter[str]] = defaultdict(Counter)
    for access in accesses:
        days[access.uk_day][access.action] += 1
    return dict(sorted(days.items()))


def is_night(hour: int, limits: Thresholds) -> bool:
    """Whether a UK hour falls in the unusual hours (which may span midnight)."""
    start, end = limits.night_start_hour, limits.night_end_hour
    if start <= end:
        return start <= hour < end
    return hour >= start or hour < end


def _volume(
    done: Sequence[Access], day: date, peers: Sequence[int], limits: Thresholds
) -> list[Finding]:
    median = float(statistics.median(peers)) if peers else 0.0
    limit = max(limits.volume_factor * median, limits.volume_floor)
    if len(done) <= limit:
        return []
    return [
        Finding(
            Pattern.VOLUME, done[0].user_id, done[0].username, day, len(done),
            f"{len(done)} searches and views in a day: more than {limit:g}"
            f" ({limits.volume_factor:g} × the peer median of {median:g},"
            f" and at least {limits.volume_floor})",
            peer_median=median, cp_ids=_children(done),
        )
    ]  # fmt: skip


def _outside_area(done: Sequence[Access], day: date, limits: Thresholds) -> list[Finding]:
    own = done[0].user_la_code
    if own is None:
        return []
    outside = _distinct(
        a.cp_id
        for a in done
        if a.action in VIEW_ACTIONS and a.child_la_code and a.child_la_code != own
    )
    if len(outside) < limits.outside_area:
        return []
    return [
        Finding(
            Pattern.OUTSIDE_AREA, done[0].user_id, done[0].username, day, len(outside),
            f"opened the records of {len(outside)} children whose responsible authority is"
            f" not the user's own ({own}); the limit is {limits.outside_area - 1}",
            cp_ids=outside[:EVIDENCE_LIMIT],
        )
    ]  # fmt: skip


def _shielded(done: Sequence[Access], day: date, limits: Thresholds) -> list[Finding]:
    looks = [a for a in done if a.action in VIEW_ACTIONS and a.child_shielded]
    if len(looks) < limits.shielded:
        return []
    return [
        Finding(
            Pattern.SHIELDED, done[0].user_id, done[0].username, day, len(looks),
            f"{len(looks)} views of shielded records in a day; the limit is"
            f" {limits.shielded - 1}",
            cp_ids=_distinct(a.cp_id for a in looks)[:EVIDENCE_LIMIT],
        )
    ]  # fmt: skip


def _same_child(done: Sequence[Access], day: date, limits: Thresholds) -> list[Finding]:
    opened = Counter(a.cp_id for a in done if a.action in VIEW_ACTIONS and a.cp_id)
    return [
        Finding(
            Pattern.SAME_CHILD, done[0].user_id, done[0].username, day, times,
            f"opened the record of {cp_id} {times} times in a day; the limit is"
            f" {limits.same_child - 1}",
            cp_ids=(cp_id,),
        )
        for cp_id, times in sorted(opened.items())
        if times >= limits.same_child
    ]  # fmt: skip


def _unusual_hours(done: Sequence[Access], day: date, limits: Thresholds) -> list[Finding]:
    late = [a for a in done if is_night(a.uk_hour, limits)]
    if len(late) < limits.night:
        return []
    return [
        Finding(
            Pattern.UNUSUAL_HOURS, done[0].user_id, done[0].username, day, len(late),
            f"{len(late)} searches and views between {limits.night_start_hour:02d}:00 and"
            f" {limits.night_end_hour:02d}:00 UK time; the limit is {limits.night - 1}",
            cp_ids=_children(late),
        )
    ]  # fmt: skip


def _children(done: Iterable[Access]) -> tuple[str, ...]:
    """The children concerned: those opened, then those searches listed."""
    opened = [a.cp_id for a in done if a.cp_id]
    listed = [cp_id for a in done for cp_id in a.listed]
    return _distinct([*opened, *listed])[:EVIDENCE_LIMIT]


def _distinct(cp_ids: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(cp_id for cp_id in cp_ids if cp_id))


def _uk(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UK)
