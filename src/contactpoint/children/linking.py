"""Which child each incoming source row describes.

For now a row links to a child only on an exact shared identifier (NHS number, UPN, GRO
birth entry, child benefit claim line, local authority id); the probabilistic matching
engine replaces ``plan_links`` without changing its callers. A row whose identifiers
point at two different children is never linked to either at random: it becomes a new
child and is counted as a conflict for review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contactpoint.children import store
from contactpoint.children.facts import ChildFacts
from contactpoint.children.models import IdentifierScheme


@dataclass(frozen=True, slots=True)
class Existing:
    """Link to a child already in the index."""

    child_id: int


@dataclass(frozen=True, slots=True)
class NewChild:
    """Create a child; rows with the same ``group`` describe the same new child."""

    group: int


Target = Existing | NewChild


@dataclass(frozen=True, slots=True)
class LinkPlan:
    targets: list[Target]
    new_children: int
    conflicts: int


def plan_links(session: Session, rows: Sequence[ChildFacts]) -> LinkPlan:
    """Decide a target for each row, against the index and against the file itself."""
    held = store.children_by_identifier(
        session, ((i.scheme, i.value) for facts in rows for i in facts.identifiers)
    )
    owners: dict[tuple[IdentifierScheme, str], Target] = {
        key: Existing(next(iter(ids))) for key, ids in held.items() if len(ids) == 1
    }
    ambiguous = {key for key, ids in held.items() if len(ids) > 1}
    targets: list[Target] = []
    groups = conflicts = 0
    for facts in rows:
        keys = [(i.scheme, i.value) for i in facts.identifiers]
        candidates = {owners[key] for key in keys if key in owners}
        target: Target
        if len(candidates) == 1 and not any(key in ambiguous for key in keys):
            target = candidates.pop()
        else:
            if candidates or any(key in ambiguous for key in keys):
                conflicts += 1
            target = NewChild(groups)
            groups += 1
        for key in keys:
            owners.setdefault(key, target)
        targets.append(target)
    return LinkPlan(targets, groups, conflicts)
