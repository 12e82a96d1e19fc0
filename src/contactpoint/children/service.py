"""Use cases of the index: taking in source rows and keeping golden records true."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from contactpoint.children import store
from contactpoint.children.facts import ChildFacts, facts_to_json
from contactpoint.children.golden import build_golden
from contactpoint.children.linking import Existing, NewChild, plan_links

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Incoming:
    """A validated source row: the cells as received and their standard facts."""

    cells: dict[str, str]
    facts: ChildFacts


@dataclass(frozen=True, slots=True)
class IngestCounts:
    new_children: int
    linked: int
    updated: int
    unchanged: int
    conflicts: int


def payload_hash(cells: dict[str, str]) -> str:
    """A stable hash of a row's cells, to recognise a re-delivered unchanged row."""
    canonical = json.dumps(cells, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def ingest(
    session: Session,
    *,
    source: str,
    feed_run_id: int,
    rows: Sequence[Incoming],
    batch: int,
    progress: Progress | None = None,
) -> IngestCounts:
    """Link each row to its child (new or existing), store it, rebuild golden records.

    Rows already held with the same content are left alone; rows held with new content
    replace their old version on the same child.
    """
    report = progress or (lambda _stage, _done, _total: None)
    hashes = [payload_hash(row.cells) for row in rows]
    held = store.existing_records(session, source, [row.facts.record_id for row in rows])
    fresh: list[int] = []
    changed: list[int] = []
    for index, row in enumerate(rows):
        previous = held.get(row.facts.record_id)
        if previous is None:
            fresh.append(index)
        elif previous[2] != hashes[index]:
            changed.append(index)
    report("link", 0, len(fresh))
    plan = plan_links(session, [rows[i].facts for i in fresh])
    report("link", len(fresh), len(fresh))

    # New children: golden records from all of each group's rows.
    group_rows: dict[int, list[int]] = defaultdict(list)
    for index, target in zip(fresh, plan.targets, strict=True):
        if isinstance(target, NewChild):
            group_rows[target.group].append(index)
    goldens = [
        build_golden([rows[i].facts for i in group_rows[g]]) for g in range(plan.new_children)
    ]
    new_ids = store.insert_children(session, goldens)
    report("write", len(new_ids), len(rows))

    child_of: dict[int, int] = {}
    for index, target in zip(fresh, plan.targets, strict=True):
        child_of[index] = target.child_id if isinstance(target, Existing) else new_ids[target.group]
    record_rows = [
        _record_row(source, feed_run_id, rows[i], hashes[i]) | {"child_id": child_of[i]}
        for i in fresh
    ]
    record_ids = store.insert_source_records(session, record_rows)

    changed_ids = [held[rows[i].facts.record_id][0] for i in changed]
    store.update_source_records(
        session,
        [
            _record_row(source, feed_run_id, rows[i], hashes[i]) | {"id": record_id}
            for i, record_id in zip(changed, changed_ids, strict=True)
        ],
        batch,
    )
    store.delete_facts(session, changed_ids)
    for i in changed:
        child_of[i] = held[rows[i].facts.record_id][1]
    store.insert_facts(
        session,
        [(child_of[i], rid, rows[i].facts) for i, rid in zip(fresh, record_ids, strict=True)]
        + [(child_of[i], rid, rows[i].facts) for i, rid in zip(changed, changed_ids, strict=True)],
    )
    report("write", len(rows), len(rows))

    touched = sorted(
        {child_of[i] for i in changed}
        | {t.child_id for t in plan.targets if isinstance(t, Existing)}
    )
    rebuild_golden_records(session, touched, batch)
    report("golden", len(touched), len(touched))
    return IngestCounts(
        new_children=plan.new_children,
        # Rows that joined a child: one already indexed, or one created earlier in the file.
        linked=len(fresh) - plan.new_children,
        updated=len(changed),
        unchanged=len(rows) - len(fresh) - len(changed),
        conflicts=plan.conflicts,
    )


def rebuild_golden_records(session: Session, child_ids: Sequence[int], batch: int) -> None:
    """Recompute each child's golden record from all of its linked source records."""
    session.flush()
    facts = store.facts_of_children(session, child_ids)
    store.update_children(
        session, {child_id: build_golden(facts[child_id]) for child_id in child_ids}, batch
    )


def _record_row(source: str, feed_run_id: int, row: Incoming, digest: str) -> dict[str, Any]:
    return {
        "source": source,
        "record_id": row.facts.record_id,
        "feed_run_id": feed_run_id,
        "recorded_on": row.facts.recorded_on,
        "payload": row.cells,
        "facts": facts_to_json(row.facts),
        "payload_hash": digest,
    }
