"""Search the index: a practitioner's partial record matched against every child with the
matching engine's standardisation, blocking keys and active model, best first.

A search is a few indexed queries: the candidate children filed under the query's keys
in ``match_keys``, read in the same statement (or the child with a ContactPoint ID), the
children merged ones lead to, by primary key, and the candidates' match records by
child. Scoring is the online scorer, in Python. Access policy (shielding, archived
records, roles) and auditing belong to the caller: each result carries the facts policy
needs — the child's id, status and responsible authority — and nothing else about the
child.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from contactpoint.kinds.children import ChildStatus
from contactpoint.linkage import registry
from contactpoint.matching.record import MatchRecord
from contactpoint.search import store
from contactpoint.search.lookup import lookup_stages, query_record
from contactpoint.search.query import Criteria, IdentifierKind, SearchQuery
from contactpoint.search.rank import Ranked, rank
from contactpoint.search.reasons import reason
from contactpoint.search.store import ChildRow

LIMIT = 20
# More candidate children than this and the query is too broad to be worth scoring.
MAX_CANDIDATES = 500
# Merges are followed this many steps at most (a chain longer than this is a fault).
_MAX_MERGE_STEPS = 10


class Outcome(enum.StrEnum):
    RESULTS = "results"
    TOO_MANY = "too_many"


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One child found, with the facts access policy decides on and why it matched."""

    child_id: int
    cp_id: str
    status: ChildStatus
    responsible_la_code: str | None
    # The match weight of the child's best record against the query (log2 odds).
    weight: float
    reason: str


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """The results (possibly none), or ``too_many`` with the fields that would narrow
    the search down."""

    outcome: Outcome
    results: tuple[SearchResult, ...] = ()
    narrow_by: tuple[str, ...] = ()
    message: str = ""


def search(
    session: Session, query: SearchQuery, *, today: date | None = None, limit: int = LIMIT
) -> SearchOutcome:
    """The children matching ``query``, best first: at most ``limit``, or ``too_many``
    when more than ``limit`` are relevant. Destroyed children are never returned; a
    merged child is returned as the child it was merged into, once."""
    criteria = query.criteria
    model = registry.active_model(session)
    record = query_record(criteria)
    candidates = _Candidates()
    identifier = criteria.identifier
    if identifier is not None and identifier.kind is IdentifierKind.CP_ID:
        asked = store.child_by_cp_id(session, identifier.value)
        if asked is None:
            return SearchOutcome(Outcome.RESULTS)
        candidates.add(session, {asked.id: asked})
        candidates.load_records(session)
        by_cp_id = next(iter(candidates.survivors()), None)
        pinned = rank(model, record, criteria, candidates.records, by_cp_id=by_cp_id)
        merged = asked.status is ChildStatus.MERGED
        return _results(candidates, pinned, record, criteria, merged)
    ranked: list[Ranked] = []
    for keys in lookup_stages(record, criteria, today or date.today()):
        found = store.children_under_keys(session, keys)
        candidates.add(session, {i: c for i, c in found.items() if i not in candidates.children})
        if len(candidates.survivors()) > MAX_CANDIDATES:
            return _too_many(criteria, limit)
        candidates.load_records(session)
        ranked = rank(model, record, criteria, candidates.records)
        if ranked:
            break
    if len(ranked) > limit:
        return _too_many(criteria, limit)
    return _results(candidates, ranked, record, criteria, False)


class _Candidates:
    """The candidate children found so far: their rows (with the children merged ones
    lead to) and the match records of each survivor, destroyed children left out."""

    def __init__(self) -> None:
        self.children: dict[int, ChildRow] = {}
        self.survivor_of: dict[int, int] = {}
        self.records: dict[int, list[MatchRecord]] = {}
        self._loaded: set[int] = set()

    def add(self, session: Session, rows: Mapping[int, ChildRow]) -> None:
        self.children.update(rows)
        self.survivor_of = _survivors(session, self.children)

    def survivors(self) -> set[int]:
        return {
            survivor
            for survivor in self.survivor_of.values()
            if self.children[survivor].status is not ChildStatus.DESTROYED
        }

    def load_records(self, session: Session) -> None:
        kept = self.survivors()
        wanted = [c for c, s in self.survivor_of.items() if s in kept and c not in self._loaded]
        found = store.records_of_children(session, wanted)
        for child_id in wanted:
            survivor = self.survivor_of[child_id]
            self.records.setdefault(survivor, []).extend(found.get(child_id, []))
        self._loaded.update(wanted)


def _results(
    candidates: _Candidates,
    ranked: list[Ranked],
    query: MatchRecord,
    criteria: Criteria,
    merged_cp_id: bool,
) -> SearchOutcome:
    return SearchOutcome(
        Outcome.RESULTS,
        tuple(
            _result(candidates.children[r.child_id], r, query, criteria, merged_cp_id)
            for r in ranked
        ),
    )


def _result(
    child: ChildRow, ranked: Ranked, query: MatchRecord, criteria: Criteria, merged_cp_id: bool
) -> SearchResult:
    return SearchResult(
        child_id=child.id,
        cp_id=child.cp_id,
        status=child.status,
        responsible_la_code=child.responsible_la_code,
        weight=ranked.score.weight,
        reason=reason(
            ranked.score,
            query,
            ranked.record,
            criteria,
            by_cp_id=ranked.by_cp_id,
            merged_cp_id=merged_cp_id,
        ),
    )


def _survivors(session: Session, children: dict[int, ChildRow]) -> dict[int, int]:
    """Each child's survivor: itself, or the child its merges lead to. Loads the
    survivors into ``children``."""
    for _step in range(_MAX_MERGE_STEPS):
        wanted = {
            child.merged_into_id
            for child in children.values()
            if child.status is ChildStatus.MERGED and child.merged_into_id is not None
        } - set(children)
        if not wanted:
            break
        children.update(store.children(session, wanted))
    return {child_id: _follow(children, child_id) for child_id in list(children)}


def _follow(children: Mapping[int, ChildRow], child_id: int) -> int:
    seen = {child_id}
    child = children[child_id]
    while child.status is ChildStatus.MERGED and child.merged_into_id is not None:
        if child.merged_into_id not in children:
            break
        child = children[child.merged_into_id]
        if child.id in seen:
            break  # a cycle is a fault in the data; stop where it closes
        seen.add(child.id)
    return child.id


def _too_many(criteria: Criteria, limit: int) -> SearchOutcome:
    narrow = narrowing_fields(criteria)
    words = [_WORDS[name] for name in narrow]
    if criteria.born is not None and "date_of_birth" in narrow:
        words[0] = "an exact date of birth"
    if criteria.postcode is not None and "postcode" in narrow:
        words[narrow.index("postcode")] = "the full postcode"
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
    return SearchOutcome(
        Outcome.TOO_MANY,
        narrow_by=narrow,
        message=f"More than {limit} children match. Narrow the search with {listed}.",
    )


_WORDS = {
    "date_of_birth": "a date of birth",
    "given_names": "given names",
    "family_name": "a family name",
    "postcode": "a postcode",
    "gender": "gender",
    "identifier": "an identifier (NHS number, UPN or ContactPoint ID)",
}


def narrowing_fields(criteria: Criteria) -> tuple[str, ...]:
    """The fields that would narrow a search down, most telling first: any not given,
    a date of birth given only as a year or range, a postcode given only in part."""
    missing = {
        "date_of_birth": criteria.date_of_birth is None,
        "given_names": criteria.given_names is None,
        "family_name": criteria.family_name is None,
        "postcode": not criteria.full_postcode,
        "gender": criteria.gender is None,
        "identifier": criteria.identifier is None,
    }
    return tuple(name for name, wanted in missing.items() if wanted)
