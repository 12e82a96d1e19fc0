"""Why two records or children match: each comparison's part in the match weight."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.errors import NotFound
from contactpoint.identifiers import normalise_cp_id
from contactpoint.linkage import registry
from contactpoint.linkage import store as match_store
from contactpoint.matching.model import Score
from contactpoint.matching.record import MatchRecord
from contactpoint.tables.children import Child, SourceRecord


@dataclass(frozen=True, slots=True)
class PairExplanation:
    left: str
    right: str
    model_version: str
    score: Score


def _records(session: Session, reference: str) -> tuple[str, list[MatchRecord]]:
    """A ContactPoint ID (all its records) or ``source:record_id`` (one record)."""
    if ":" in reference and not reference.upper().startswith("CP"):
        source, record_id = reference.split(":", 1)
        row = session.execute(
            select(SourceRecord.id, SourceRecord.child_id).where(
                SourceRecord.source == source, SourceRecord.record_id == record_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no source record {reference}")
        records = match_store.records_of_children(session, [row.child_id])[row.child_id]
        return reference, [r for r in records if r.uid == row.id]
    cp_id = normalise_cp_id(reference)
    child_id = session.scalar(select(Child.id).where(Child.cp_id == cp_id))
    if child_id is None:
        raise NotFound(f"no child {cp_id}")
    records = match_store.records_of_children(session, [child_id]).get(child_id, [])
    if not records:
        raise NotFound(f"{cp_id} holds no source records (merged into another child?)")
    return cp_id, records


def explain(session: Session, left: str, right: str) -> PairExplanation:
    """The best-scoring pair of records of ``left`` and ``right`` with the active model,
    field by field."""
    left_name, left_records = _records(session, left)
    right_name, right_records = _records(session, right)
    model = registry.active_model(session)
    best = max(
        (model.score(a, b) for a in left_records for b in right_records),
        key=lambda s: s.weight,
    )
    return PairExplanation(left_name, right_name, model.version, best)
