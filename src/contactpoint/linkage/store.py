"""Queries and bulk writes for match records, blocking keys and kept-apart pairs.
Never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from contactpoint import bulk
from contactpoint.dialects import memory_to_count
from contactpoint.kinds.children import ChildStatus, LinkKind
from contactpoint.matching.frequencies import PERSON_KEYS
from contactpoint.matching.keys import blocking_keys
from contactpoint.matching.record import LIST_COLUMNS, MATCH_COLUMNS, MatchRecord
from contactpoint.tables.children import Child, IdentityChange, SourceRecord
from contactpoint.tables.linkage import KeptApart, MatchKey, MatchRecordRow
from contactpoint.tables.review import ReviewKind, ReviewStatus, ReviewTask

_LISTS = LIST_COLUMNS
_COLUMNS = tuple(c for c in MATCH_COLUMNS if c != "uid")


def _to_row(source_record_id: int, child_id: int, record: MatchRecord) -> dict[str, Any]:
    row: dict[str, Any] = {"source_record_id": source_record_id, "child_id": child_id}
    for column in _COLUMNS:
        value = getattr(record, column)
        row[column] = "|".join(value) if column in _LISTS and value is not None else value
    return row


# A match record's columns as read back (Core rows, not ORM objects: a load reads
# hundreds of thousands, and building mapped objects took a third of the time), and
# where among them the lists are.
_READ = (
    MatchRecordRow.child_id,
    MatchRecordRow.source_record_id,
    *(getattr(MatchRecordRow, column) for column in _COLUMNS),
)
_LISTS_AT = tuple(at for at, column in enumerate(_COLUMNS) if column in _LISTS)


def _from_values(uid: int, values: Sequence[Any]) -> MatchRecord:
    """A match record from its columns in ``_COLUMNS`` order (the dataclass's own)."""
    held = list(values)
    for at in _LISTS_AT:
        if held[at] is not None:
            held[at] = tuple(held[at].split("|"))
    return MatchRecord(uid, *held)


def write(session: Session, linked: Sequence[tuple[int, int, MatchRecord]]) -> None:
    """File ``(source record id, child id, record)`` triples for matching."""
    bulk.insert_rows(session, MatchRecordRow, [_to_row(*item) for item in linked])
    bulk.insert_rows(
        session,
        MatchKey,
        [
            {"key": key, "source_record_id": record_id, "child_id": child_id}
            for record_id, child_id, record in linked
            for key in sorted(blocking_keys(record))
        ],
    )


def remove(session: Session, source_record_ids: Sequence[int]) -> None:
    for part in bulk.parts(session, source_record_ids):
        session.execute(
            delete(MatchKey).where(bulk.among(session, MatchKey.source_record_id, part))
        )
        session.execute(
            delete(MatchRecordRow).where(bulk.among(session, MatchRecordRow.source_record_id, part))
        )


def move(session: Session, source_record_ids: Sequence[int], child_id: int) -> None:
    """Re-file these records' match rows under another child."""
    for part in bulk.parts(session, source_record_ids):
        session.execute(
            update(MatchKey)
            .where(bulk.among(session, MatchKey.source_record_id, part))
            .values(child_id=child_id)
        )
        session.execute(
            update(MatchRecordRow)
            .where(bulk.among(session, MatchRecordRow.source_record_id, part))
            .values(child_id=child_id)
        )


def children_for_keys(session: Session, keys: Iterable[str]) -> dict[str, set[int]]:
    """Which children are filed under each key."""
    found: dict[str, set[int]] = defaultdict(set)
    for part in bulk.parts(session, sorted(set(keys))):
        rows = session.execute(
            select(MatchKey.key, MatchKey.child_id)
            .where(bulk.among(session, MatchKey.key, part))
            .distinct()
        )
        for key, child_id in rows:
            found[key].add(child_id)
    return found


def records_of_children(session: Session, child_ids: Sequence[int]) -> dict[int, list[MatchRecord]]:
    """Each child's match records."""
    found: dict[int, list[MatchRecord]] = defaultdict(list)
    for part in bulk.parts(session, sorted(set(child_ids))):
        for child_id, uid, *values in session.execute(
            select(*_READ)
            .where(bulk.among(session, MatchRecordRow.child_id, part))
            .order_by(MatchRecordRow.source_record_id)
        ):
            found[child_id].append(_from_values(uid, values))
    return found


def children_of_records(session: Session, source_record_ids: Sequence[int]) -> set[int]:
    """The children holding these records."""
    found: set[int] = set()
    for part in bulk.parts(session, sorted(set(source_record_ids))):
        found.update(
            session.scalars(
                select(MatchRecordRow.child_id)
                .where(bulk.among(session, MatchRecordRow.source_record_id, part))
                .distinct()
            )
        )
    return found


def kept_apart(session: Session, child_ids: Sequence[int]) -> frozenset[frozenset[int]]:
    """Pairs among or around ``child_ids`` that a person decided are different children."""
    pairs: set[frozenset[int]] = set()
    for part in bulk.parts(session, sorted(set(child_ids))):
        rows = session.execute(
            select(KeptApart.child_a_id, KeptApart.child_b_id).where(
                or_(
                    bulk.among(session, KeptApart.child_a_id, part),
                    bulk.among(session, KeptApart.child_b_id, part),
                )
            )
        )
        pairs.update(frozenset(pair) for pair in rows)
    return frozenset(pairs)


def closed_identities(session: Session, child_ids: Sequence[int]) -> dict[int, int]:
    """For each of ``child_ids`` that is a new identity, the record closed for it."""
    found: dict[int, int] = {}
    for part in bulk.parts(session, sorted(set(child_ids))):
        found.update(
            (new, old)
            for old, new in session.execute(
                select(IdentityChange.old_child_id, IdentityChange.new_child_id).where(
                    bulk.among(session, IdentityChange.new_child_id, part)
                )
            )
            if new is not None
        )
    return found


def open_questions(session: Session, child_ids: Sequence[int]) -> list[tuple[int, int, str]]:
    """The open questions whether a record's child is another child (a score between
    the thresholds, or a strong score a rule stopped) that involve any of ``child_ids``:
    ``(the record's child, the other child, the question's note)``, each pair once."""
    found: dict[frozenset[int], tuple[int, int, str]] = {}
    kinds = (ReviewKind.POSSIBLE_MATCH, ReviewKind.RULE_STOPPED)
    task = ReviewTask
    for part in bulk.parts(session, sorted(set(child_ids))):
        rows = session.execute(
            select(task.child_id, task.candidate_child_id, task.note)
            .where(
                task.status == ReviewStatus.OPEN,
                task.kind.in_(kinds),
                or_(
                    bulk.among(session, task.child_id, part),
                    bulk.among(session, task.candidate_child_id, part),
                ),
            )
            .order_by(task.id)
        )
        for child, candidate, note in rows:
            found.setdefault(frozenset((child, candidate)), (child, candidate, note or ""))
    return sorted(found.values())


def joinable(session: Session, child_ids: Sequence[int]) -> set[int]:
    """Those of ``child_ids`` the matcher may join to another child by itself: open
    (active or deceased), not shielded, neither closed for a new identity nor one, and
    holding no record a person linked. The rest are as a person left them."""
    identities = select(IdentityChange.old_child_id).union(
        select(IdentityChange.new_child_id).where(IdentityChange.new_child_id.is_not(None))
    )
    linked_by_person = (
        select(SourceRecord.id)
        .where(SourceRecord.child_id == Child.id, SourceRecord.link_kind == LinkKind.MANUAL)
        .exists()
    )
    found: set[int] = set()
    for part in bulk.parts(session, sorted(set(child_ids))):
        found.update(
            session.scalars(
                select(Child.id).where(
                    bulk.among(session, Child.id, part),
                    Child.status.in_((ChildStatus.ACTIVE, ChildStatus.DECEASED)),
                    Child.shielded.is_(False),
                    Child.id.not_in(identities),
                    ~linked_by_person,
                )
            )
        )
    return found


def newest_record(session: Session) -> int:
    """The highest source record id filed for matching (0 for an empty index)."""
    return session.scalar(select(func.max(MatchRecordRow.source_record_id))) or 0


def value_counts(session: Session, *, after: int = 0) -> dict[str, dict[str, int]]:
    """For each term-frequency column, how many distinct people in the index (of its
    records filed ``after`` a record id) hold each value
    (``matching.frequencies.PERSON_KEYS`` tells people apart)."""
    found: dict[str, dict[str, int]] = {}
    with memory_to_count(session):
        for column, keys in PERSON_KEYS.items():
            fields = [getattr(MatchRecordRow, name) for name in (column, *keys)]
            known = [field.is_not(None) for field in fields]
            if after:
                known.append(MatchRecordRow.source_record_id > after)
            people = select(*fields).where(*known).distinct().subquery()
            held = people.c[column]
            found[column] = {  # a birth year as text, like the file's counts
                str(v): n for v, n in session.execute(select(held, func.count()).group_by(held))
            }
    return found


def all_records(session: Session) -> list[MatchRecord]:
    """Every match record in the index (for training and bulk scoring)."""
    rows = session.execute(
        select(*_READ).order_by(MatchRecordRow.source_record_id).execution_options(yield_per=10_000)
    )
    return [_from_values(uid, values) for _child, uid, *values in rows]
