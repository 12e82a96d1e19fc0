"""Queries and bulk writes for the index. Never commits: the caller's unit of work does.

Bulk statements keep a national-scale load to a few round trips per thousand rows; every
``IN`` list is cut into parts (``bulk.parts``) so no database's parameter limit is reached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from contactpoint import bulk
from contactpoint.children.facts import ChildFacts, as_row, facts_from_json
from contactpoint.children.golden import Golden, build_golden
from contactpoint.children.returns import note_returns
from contactpoint.errors import InvalidValue
from contactpoint.identifiers import new_cp_id, normalise_cp_id
from contactpoint.kinds.children import ChildStatus, IdentifierScheme
from contactpoint.tables.children import (
    FACT_TABLES,
    Address,
    Carer,
    Child,
    ChildIdentifier,
    ChildName,
    ServiceRegistration,
    SourceRecord,
)


def child_id_of(session: Session, cp_id: str) -> int | None:
    """The child a ContactPoint ID (as typed) names, whatever its status; None if none."""
    try:
        wanted = normalise_cp_id(cp_id)
    except InvalidValue:
        return None
    return session.scalar(select(Child.id).where(Child.cp_id == wanted))


def existing_records(
    session: Session, source: str, record_ids: Sequence[str]
) -> dict[str, tuple[int, int, str]]:
    """``record_id -> (source record id, child id, payload hash)`` for records held."""
    found: dict[str, tuple[int, int, str]] = {}
    for part in bulk.parts(session, record_ids):
        rows = session.execute(
            select(
                SourceRecord.record_id,
                SourceRecord.id,
                SourceRecord.child_id,
                SourceRecord.payload_hash,
            ).where(
                SourceRecord.source == source, bulk.among(session, SourceRecord.record_id, part)
            )
        )
        for record_id, row_id, child_id, payload_hash in rows:
            found[record_id] = (row_id, child_id, payload_hash)
    return found


def children_by_identifier(
    session: Session, wanted: Iterable[tuple[IdentifierScheme, str]]
) -> dict[tuple[IdentifierScheme, str], set[int]]:
    """Which children hold each identifier; an identifier may (wrongly) be on several."""
    by_scheme: dict[IdentifierScheme, list[str]] = defaultdict(list)
    for scheme, value in sorted(set(wanted)):
        by_scheme[scheme].append(value)
    found: dict[tuple[IdentifierScheme, str], set[int]] = defaultdict(set)
    for scheme, values in by_scheme.items():
        for part in bulk.parts(session, values):
            rows = session.execute(
                select(ChildIdentifier.value, ChildIdentifier.child_id).where(
                    ChildIdentifier.scheme == scheme,
                    bulk.among(session, ChildIdentifier.value, part),
                )
            )
            for value, child_id in rows:
                found[(scheme, value)].add(child_id)
    return found


def facts_of_children(session: Session, child_ids: Sequence[int]) -> dict[int, list[ChildFacts]]:
    """Every linked source record's facts, by child."""
    found: dict[int, list[ChildFacts]] = defaultdict(list)
    for part in bulk.parts(session, child_ids):
        rows = session.execute(
            select(SourceRecord.child_id, SourceRecord.facts)
            .where(bulk.among(session, SourceRecord.child_id, part))
            .order_by(SourceRecord.id)
        )
        for child_id, facts in rows:
            found[child_id].append(facts_from_json(facts))
    return found


def allocate_cp_ids(session: Session, count: int) -> list[str]:
    """``count`` fresh ContactPoint IDs, none already held (random IDs can collide)."""
    fresh: list[str] = []
    while len(fresh) < count:
        batch = sorted({new_cp_id() for _ in range(count - len(fresh))} - set(fresh))
        taken: set[str] = set()
        for part in bulk.parts(session, batch):
            taken.update(
                session.scalars(select(Child.cp_id).where(bulk.among(session, Child.cp_id, part)))
            )
        fresh.extend(cp_id for cp_id in batch if cp_id not in taken)
    return fresh


def insert_children(session: Session, goldens: Sequence[Golden]) -> list[int]:
    """Insert one child per golden record; their primary keys in the same order."""
    cp_ids = allocate_cp_ids(session, len(goldens))
    ids = bulk.allocate_ids(session, Child, len(goldens))
    bulk.insert_rows(
        session,
        Child,
        [
            {"id": child_id, "cp_id": cp_id, **as_row(golden)}
            for child_id, cp_id, golden in zip(ids, cp_ids, goldens, strict=True)
        ],
    )
    return ids


# Statuses a golden record's rebuild must not undo: where the record is in its life
# (archived, destroyed, merged, closed for a new identity) is not the sources' to say.
KEPT_STATUSES = frozenset(
    {ChildStatus.ARCHIVED, ChildStatus.DESTROYED, ChildStatus.MERGED, ChildStatus.CLOSED}
)


def update_children(session: Session, goldens: dict[int, Golden], batch: int) -> None:
    kept: set[int] = set()
    for ids in bulk.parts(session, sorted(goldens)):
        kept.update(
            session.scalars(
                select(Child.id).where(
                    bulk.among(session, Child.id, ids), Child.status.in_(KEPT_STATUSES)
                )
            )
        )
    rows = [{"id": child_id, **as_row(g)} for child_id, g in sorted(goldens.items())]
    for row in rows:
        if row["id"] in kept:
            del row["status"]
    # One executemany per set of columns.
    for group in ([r for r in rows if "status" in r], [r for r in rows if "status" not in r]):
        for part in bulk.batches(group, batch):
            session.execute(update(Child), list(part))


def insert_source_records(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert source records; their primary keys in the same order."""
    ids = bulk.allocate_ids(session, SourceRecord, len(rows))
    bulk.insert_rows(
        session,
        SourceRecord,
        [{"id": row_id, **row} for row_id, row in zip(ids, rows, strict=True)],
    )
    return ids


def update_source_records(session: Session, rows: list[dict[str, Any]], batch: int) -> None:
    for part in bulk.batches(rows, batch):
        session.execute(update(SourceRecord), list(part))


def delete_facts(session: Session, source_record_ids: Sequence[int]) -> None:
    """Remove the facts taken from these source records (before re-deriving them)."""
    for table in FACT_TABLES:
        for part in bulk.parts(session, source_record_ids):
            session.execute(delete(table).where(bulk.among(session, table.source_record_id, part)))


def insert_facts(session: Session, linked: Sequence[tuple[int, int, ChildFacts]]) -> None:
    """Write the fact rows of ``(child id, source record id, facts)`` triples."""
    rows: dict[type, list[dict[str, Any]]] = defaultdict(list)
    for child_id, record_id, facts in linked:
        keys = {"child_id": child_id, "source_record_id": record_id}
        if facts.given_names or facts.family_name:
            rows[ChildName].append(
                {**keys, "given_names": facts.given_names, "family_name": facts.family_name}
            )
        for identifier in facts.identifiers:
            rows[ChildIdentifier].append({**keys, **as_row(identifier)})
        if facts.address:
            rows[Address].append({**keys, **as_row(facts.address), "known_from": facts.recorded_on})
        for carer in facts.carers:
            rows[Carer].append({**keys, **as_row(carer)})
        for registration in facts.registrations:
            rows[ServiceRegistration].append({**keys, **as_row(registration)})
    for table, table_rows in rows.items():
        bulk.insert_rows(session, table, table_rows)


def rebuild_golden_records(session: Session, child_ids: Sequence[int]) -> None:
    """Recompute each child's golden record from all of its linked source records."""
    session.flush()
    facts = facts_of_children(session, child_ids)
    update_children(
        session, {child_id: build_golden(facts[child_id]) for child_id in child_ids}, 5000
    )
    # A child who left England and whom a source now places here again has come back.
    note_returns(session, child_ids)
