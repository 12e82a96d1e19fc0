"""Children as a file's rows join them, and the looks that join children again once the
whole file is in.

While a file is decided, the children of the index and the file's new children are one
union: a row that shows two to be one child joins them, and each child is known by one
``Ref``. When the last row is in, two more looks:

* a child the file founded on a record that could not show who it was (a name part or
  the date missing, another child nearly a match) joins the child its fuller records
  formed (``second_look``);
* two indexed children are asked again whether they are one (``ask_again``) when the
  file brings evidence about one of them: an open question between them
  (``held_questions``), or a record of the file that joined one and nearly matched the
  other (``Decision.near``). A record was kept from a child by a rule that only the
  missing evidence made necessary — "Grace" and "Lottie Grace" born the same day to one
  family are twins until the birth registration shows there was one birth — and when
  the registration arrives, the record joins the child as it would have had the
  registration come first. So the index a set of files builds does not depend on the
  order they arrive in.

In both, a child joins another only when *every* one of its records links there,
breaking no rule; a pair a person kept apart is never joined. Asked again, a child whose
records do not all reach the other child at all (the link threshold, or the same
family's evidence) is passed over before its candidates are gathered: most asks are
near misses, and gathering is what a national index pays for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from sqlalchemy.orm import Session

from contactpoint.linkage import store
from contactpoint.matching.decide import Outcome, Thresholds, decide
from contactpoint.matching.evidence import one_family
from contactpoint.matching.keys import search_keys
from contactpoint.matching.model import MatchModel
from contactpoint.matching.record import MatchRecord
from contactpoint.matching.rules import either_twin

Ref = int | tuple[str, int]  # a child id, or ("new", group) for a child of this file
KeptApart = set[frozenset[Ref]]


def order(ref: Ref) -> tuple[int, int]:
    """Children already indexed first, the oldest first: the one a joined set keeps."""
    return (0, ref) if isinstance(ref, int) else (1, ref[1])


class Children:
    """The children of the index and of the file so far, as rows join them: each child
    is known by one ``Ref``, and rows that show two to be one child join them."""

    def __init__(self) -> None:
        self.parent: dict[Ref, Ref] = {}
        self.records: dict[Ref, list[MatchRecord]] = defaultdict(list)
        self.added_keys: dict[str, set[Ref]] = defaultdict(set)

    def find(self, ref: Ref) -> Ref:
        root = ref
        while root in self.parent:
            root = self.parent[root]
        while ref != root:
            self.parent[ref], ref = root, self.parent[ref]
        return root

    def join(self, one: Ref, other: Ref, kept_apart: KeptApart) -> tuple[Ref, Ref]:
        """Join two children; return (the one kept, the one joined into it). Pairs kept
        apart now name the child the joined one became."""
        keep, merged = sorted((self.find(one), self.find(other)), key=order)
        self.parent[merged] = keep
        self.records[keep].extend(self.records.pop(merged, []))
        for pair in [pair for pair in kept_apart if merged in pair]:
            kept_apart.discard(pair)
            kept_apart.add(frozenset(keep if r == merged else r for r in pair))
        return keep, merged

    def candidates(
        self, record: MatchRecord, filed: Mapping[str, set[int]]
    ) -> dict[Ref, list[MatchRecord]]:
        """The children, indexed or of this file so far, filed under the record's keys."""
        refs: set[Ref] = set()
        for key in search_keys(record):
            refs.update(self.find(ref) for ref in filed.get(key, ()))
            refs.update(self.find(ref) for ref in self.added_keys.get(key, ()))
        # In a fixed order (not a set's, which varies with the string hash seed), so ties
        # between candidates are decided the same way on every run.
        return {ref: self.records[ref] for ref in sorted(refs, key=order)}


def _where_all_link(
    model: MatchModel,
    thresholds: Thresholds,
    children: Children,
    ref: Ref,
    filed: Mapping[str, set[int]],
    kept_apart: KeptApart,
) -> Ref | None:
    """The one child every record of ``ref`` links to, breaking no rule; else None."""
    records = children.records[ref]
    candidates: dict[Ref, list[MatchRecord]] = {}
    for record in records:
        candidates |= children.candidates(record, filed)
    candidates.pop(ref, None)
    targets = set()
    for record in records:
        decision = decide(model, record, candidates, thresholds, kept_apart)
        if decision.outcome is not Outcome.LINK or decision.also or decision.joins:
            return None
        targets.add(decision.child)
    if len(targets) != 1:
        return None
    (target,) = targets
    if target is None or frozenset((ref, target)) in kept_apart:
        return None
    if either_twin(model, ref, target, {**candidates, ref: records}):
        return None  # a child known by no given name, and a twin of ``ref``'s in view
    return target


def _could_link(
    model: MatchModel,
    thresholds: Thresholds,
    records: Sequence[MatchRecord],
    others: Sequence[MatchRecord],
) -> bool:
    """Whether every one of ``records`` reaches the other child at all: a link to it
    needs the link threshold against one of its records, or the same family's evidence
    (``decide`` links nowhere else). Without it ``_where_all_link`` cannot name it."""
    return bool(others) and all(
        max(model.weight(record, other) for other in others) >= thresholds.link
        or one_family(record, others)
        for record in records
    )


def _filed(
    session: Session,
    children: Children,
    refs: Sequence[Ref],
    known: dict[str, set[int]] | None = None,
) -> dict[str, set[int]]:
    """The indexed children filed under the search keys of ``refs``' records; with
    ``known``, only the keys it lacks are looked up, and it is added to."""
    filed = {} if known is None else known
    wanted = {
        key: None
        for ref in refs
        for record in children.records[children.find(ref)]
        for key in sorted(search_keys(record))
        if key not in filed
    }
    if wanted:
        found = store.children_for_keys(session, wanted)
        filed.update({key: found.get(key, set()) for key in wanted})
    return filed


def second_look(
    session: Session,
    model: MatchModel,
    thresholds: Thresholds,
    children: Children,
    doubtful: Sequence[Ref],
    kept_apart: KeptApart,
) -> None:
    """Decide the doubtful new children again, now that the whole file is in: a child
    founded by an incomplete record before its fuller records arrived joins the child
    they formed when every one of its records links there, breaking no rule."""
    filed = _filed(session, children, doubtful)
    for founded in doubtful:
        ref = children.find(founded)
        if ref != founded:
            continue  # joined another child already
        target = _where_all_link(model, thresholds, children, ref, filed, kept_apart)
        if target is not None:
            children.join(target, ref, kept_apart)


class Ask(NamedTuple):
    """Two indexed children to ask again whether they are one, and why."""

    row: int  # the file's row that brought the evidence
    child: int
    other: int
    why: str


def held_questions(session: Session, children: Children, row_refs: Sequence[Ref]) -> list[Ask]:
    """The open questions in the index between two children, one of which this file's
    rows joined (the evidence that raised the question may have arrived)."""
    first_row: dict[int, int] = {}
    for row, ref in enumerate(row_refs):
        for child in (ref, children.find(ref)):
            if isinstance(child, int):
                first_row.setdefault(child, row)
    return [
        Ask(min(first_row.get(c, len(row_refs)) for c in (child, other)), child, other, note)
        for child, other, note in store.open_questions(session, sorted(first_row))
    ]


def ask_again(
    session: Session,
    model: MatchModel,
    thresholds: Thresholds,
    children: Children,
    asks: Sequence[Ask],
    seen: set[int],
    kept_apart: KeptApart,
) -> list[tuple[Ask, int, int]]:
    """Decide each pair again now that the whole file is in: when every record of one
    child links to the other, breaking no rule, the two are joined (the older kept).
    Returns each join as ``(the ask, the child kept, the child joined into it)``; only
    children the matcher may change by itself (``store.joinable``) are joined."""
    involved = sorted({c for ask in asks for c in (ask.child, ask.other)})
    if not involved:
        return []
    may_join = store.joinable(session, involved)
    unseen = sorted(set(involved) - seen)
    for child, records in store.records_of_children(session, unseen).items():
        children.records[children.find(child)].extend(records)
    seen.update(unseen)
    kept_apart.update(
        frozenset(children.find(c) for c in pair) for pair in store.kept_apart(session, unseen)
    )
    asked = [ask for ask in asks if {ask.child, ask.other} <= may_join]
    # Which children may reach which, as the file left them; the keys of those that
    # may are looked up at once (one query for the file, not one an ask).
    reaches: dict[tuple[Ref, Ref], bool] = {}
    changed: set[Ref] = set()  # children a join below has given more records

    def reach(ref: Ref, to: Ref) -> bool:
        if changed & {ref, to} or (ref, to) not in reaches:
            reaches[ref, to] = _could_link(
                model, thresholds, children.records[ref], children.records[to]
            )
        return reaches[ref, to]

    pairs = [(children.find(ask.child), children.find(ask.other)) for ask in asked]
    reaching = {
        ref
        for one, other in pairs
        for ref, to in ((one, other), (other, one))
        if ref != to and reach(ref, to)
    }
    filed = _filed(session, children, sorted(reaching, key=order))
    joins = []
    for ask in asked:
        one, other = children.find(ask.child), children.find(ask.other)
        if one == other:
            continue
        for ref, to in ((one, other), (other, one)):
            if not reach(ref, to):
                continue
            _filed(session, children, [ref], filed)
            target = _where_all_link(model, thresholds, children, ref, filed, kept_apart)
            if target is not None and target in (one, other):
                kept, joined = children.join(target, ref, kept_apart)
                changed.update((kept, joined))
                if isinstance(kept, int) and isinstance(joined, int):  # always: both indexed
                    joins.append((ask, kept, joined))
                break
    return joins
