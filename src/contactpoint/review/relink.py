"""Re-deciding the index with the active model (``contactpoint match relink``).

After ``match train`` and ``match activate`` the index still holds the links the old
model made. A relink decides every automatically linked source record again, exactly as
a load would (the same candidates, model, frequencies and rules), against the index
without that record:

* it still belongs to its child: nothing changes;
* it belongs to another child: it moves there — or, when it was its child's only
  record, its child is merged into that one (a merge like any other, with its redirect);
* it is no child's: it leaves its child for a new child of its own;
* it is a question (a score between the thresholds, two strong children): it stays
  where it is, and is counted as left for a data manager.

Never touched: a record a person linked (a review decision or a merge), a pair a person
kept apart, and a child that is shielded, closed for a new identity, archived, destroyed
or merged — those stay exactly as a person left them. A new identity only ever loses a
record to the record closed for it: one linked there before the clean-break rule that
fits the closed record (the birth name, say) goes back, so the new record holds no
former name, address or identifier from the old one.

Candidates are the children filed under a record's keys; or, given ``partners``, those of
the records set-based scoring paired it with (``relink_engines``: DuckDB or Spark).

Children are taken in id order, a chunk per transaction; the run remembers the last
child done, so an interrupted relink resumes there. Every change is a ``RelinkChange``
in order (and a ``LinkEvent`` per record moved, with the score and model behind it), so
``relink_undo.undo`` puts the whole run back, newest change first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.orm import Session

from contactpoint.children.facts import facts_from_json
from contactpoint.children.golden import build_golden
from contactpoint.children.store import insert_children
from contactpoint.errors import DecisionRefused, MergeRefused, NotFound
from contactpoint.kinds.children import ChildStatus, LinkKind
from contactpoint.linkage import registry, store, turns
from contactpoint.linkage.frequencies import adapt, live_counts
from contactpoint.linkage.service import BIRTH_IDENTITY, birth_surname
from contactpoint.matching.decide import Decision, Outcome, Thresholds, best_score, decide
from contactpoint.matching.keys import blocking_keys, search_keys
from contactpoint.matching.model import MatchModel
from contactpoint.matching.record import MatchRecord
from contactpoint.review.merge import merge_children, move_records, rebuild
from contactpoint.tables.children import Child, IdentityChange, SourceRecord
from contactpoint.tables.linkage import LinkEvent, RelinkChange, RelinkRun

CHUNK = 500
Partners = Mapping[int, Collection[int]]  # a record -> the records it was paired with
RELINK = "relink"
# Children a relink may change: the rest are as a person left them.
_OPEN = (ChildStatus.ACTIVE, ChildStatus.DECEASED)


class RelinkRefused(DecisionRefused):
    """A relink cannot be started or undone as asked; nothing was changed."""


@dataclass(frozen=True, slots=True)
class RelinkProgress:
    run_id: int
    model_version: str
    examined: int
    moved: int
    merged: int
    founded: int
    left: int
    remaining: int
    finished: bool


def start(session: Session, *, actor: str) -> RelinkRun:
    """The unfinished run to resume, or a new run with the active model. Refused while
    an unfinished run was made with another model (undo or finish it first)."""
    version = registry.active_version(session)
    current = session.scalars(
        select(RelinkRun).where(RelinkRun.finished_at.is_(None), RelinkRun.undone_at.is_(None))
    ).first()
    if current is not None:
        if current.model_version != version:
            raise RelinkRefused(
                f"relink run {current.id} with model {current.model_version} has not finished;"
                f" finish it with that model active, or undo it, before relinking with {version}"
            )
        return current
    run = RelinkRun(model_version=version, by=actor)
    session.add(run)
    session.flush()
    return run


def progress(session: Session, run_id: int, *, count: bool = True) -> RelinkProgress:
    """The run's figures; ``count``: also the children it has still to re-decide (a
    count over the index: once for a progress bar's length, not after every chunk)."""
    run = run_of(session, run_id)
    remaining = (
        session.scalar(
            select(func.count())
            .select_from(Child)
            .where(*_relinkable(new_identities=True), Child.id > run.position)
        )
        if count
        else 0
    )
    return RelinkProgress(
        run.id, run.model_version, run.examined, run.moved, run.merged, run.founded,
        run.left, 0 if run.finished_at else int(remaining or 0), run.finished_at is not None,
    )  # fmt: skip


def model_for(session: Session, run_id: int) -> MatchModel:
    """The run's model, weighing values by how common they are in the index: counted
    once for a run (a relink barely changes who holds which value), not for every chunk."""
    run = run_of(session, run_id)
    return adapt(registry.model(session, run.model_version), live_counts(session))


def step(
    session: Session,
    run_id: int,
    *,
    thresholds: Thresholds,
    chunk: int = CHUNK,
    model: MatchModel | None = None,
    partners: Partners | None = None,
) -> bool:
    """Re-decide the next ``chunk`` children of the run in the caller's transaction,
    with ``model`` (``model_for``; counted here when not given); True when the run has
    finished; ``partners``: candidates paired set-based (``relink_engines``), not by
    keys. A step takes the index's turn: no feed load decides rows meanwhile."""
    turns.take(session)
    run = run_of(session, run_id, lock=True)
    if run.finished_at is not None or run.undone_at is not None:
        return True
    if registry.active_version(session) != run.model_version:
        raise RelinkRefused(
            f"relink run {run.id} was started with model {run.model_version}, which is no"
            " longer active; undo it, or activate that model again to finish it"
        )
    ids = list(
        session.scalars(
            select(Child.id)
            .where(*_relinkable(new_identities=True), Child.id > run.position)
            .order_by(Child.id)
            .limit(chunk)
        )
    )
    if not ids:
        run.finished_at = func.now()
        session.flush()
        return True
    _Relink(session, run, thresholds, model or model_for(session, run_id), partners).children(ids)
    run.position = ids[-1]
    run.examined += len(ids)
    session.flush()
    return False


def _relinkable(*, new_identities: bool = False) -> tuple[ColumnElement[bool], ...]:
    """Children a relink may change (``new_identities``: and new identities, whose
    records it only ever sends back to the closed record)."""
    closed = select(IdentityChange.old_child_id)
    new = select(IdentityChange.new_child_id).where(IdentityChange.new_child_id.is_not(None))
    where = [Child.status.in_(_OPEN), Child.shielded.is_(False), Child.id.not_in(closed)]
    return (*where, *([] if new_identities else [Child.id.not_in(new)]))


def run_of(session: Session, run_id: int, *, lock: bool = False) -> RelinkRun:
    query = select(RelinkRun).where(RelinkRun.id == run_id)
    if lock:
        query = query.with_for_update()
    run = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if run is None:
        raise NotFound(f"no relink run with id {run_id}")
    return run


class _Relink:
    """One chunk: its children's records and every child filed under their keys, kept
    up to date as records move, so each decision sees the changes before it."""

    def __init__(
        self, session: Session, run: RelinkRun, thresholds: Thresholds, model: MatchModel,
        partners: Partners | None,
    ) -> None:  # fmt: skip
        self.session, self.run, self.thresholds, self.model = session, run, thresholds, model
        self.partners = partners
        self.actor = f"matcher (relink run {run.id})"
        self.records: dict[int, list[MatchRecord]] = defaultdict(list)
        self.owner: dict[int, int] = {}
        self.filed: dict[str, set[int]] = defaultdict(set)  # key -> record uids

    def children(self, ids: Sequence[int]) -> None:
        session = self.session
        mine = store.records_of_children(session, ids)
        if self.partners is None:
            wanted = {key: None for rs in mine.values() for r in rs for key in search_keys(r)}
            around = {
                c for found in store.children_for_keys(session, wanted).values() for c in found
            }
        else:
            paired = [
                uid for rs in mine.values() for r in rs for uid in self.partners.get(r.uid, ())
            ]
            around = store.children_of_records(session, paired)
        open_ids = set(
            session.scalars(select(Child.id).where(Child.id.in_(around | set(ids)), *_relinkable()))
        )
        loaded = store.records_of_children(session, sorted(around & open_ids - set(ids)))
        for child_id, records in (mine | loaded).items():
            for record in records:
                self._file(record, child_id)
        self.kept_apart = set(store.kept_apart(session, sorted(open_ids)))
        self.manual = set(
            session.scalars(
                select(SourceRecord.id).where(
                    SourceRecord.child_id.in_(ids), SourceRecord.link_kind == LinkKind.MANUAL
                )
            )
        )
        self.open = open_ids
        for new, old in store.closed_identities(session, ids).items():
            self._clean_break(new, old)
        for child_id in ids:
            if child_id in open_ids:
                for record in list(self.records.get(child_id, ())):
                    if record.uid not in self.manual:
                        self._redecide(record)

    def _clean_break(self, new: int, old: int) -> None:
        """A new identity holds nothing of the record closed for it: a record linked to
        it before the clean-break rule (``linkage.service._clean_break``) that fits the
        closed record goes back there. Its own records (its NHS number or UPN) stay."""
        closed = store.records_of_children(self.session, [old]).get(old, [])
        for record in [r for r in self.records.get(new, []) if r.uid not in self.manual]:
            rest = [r for r in self.records[new] if r.uid != record.uid]
            theirs = {r.nhs_number for r in rest} | {r.upn for r in rest}
            if not closed or not rest or {record.nhs_number, record.upn} & (theirs - {None}):
                continue
            score = best_score(self.model, record, closed)
            if score.weight >= self.thresholds.review or any(
                birth_surname(record, r) for r in closed
            ):
                decision = Decision(Outcome.LINK, old, score, rule=BIRTH_IDENTITY)
                self._move([record], new, old, decision)

    def _file(self, record: MatchRecord, child_id: int) -> None:
        self.records[child_id].append(record)
        self.owner[record.uid] = child_id
        for key in blocking_keys(record):
            self.filed[key].add(record.uid)

    def _redecide(self, record: MatchRecord) -> None:
        current = self.owner[record.uid]
        rest = [r for r in self.records[current] if r.uid != record.uid]
        paired = (
            {uid for key in search_keys(record) for uid in self.filed.get(key, ())}
            if self.partners is None
            else {uid for uid in self.partners.get(record.uid, ()) if uid in self.owner}
        )
        near = {self.owner[uid] for uid in paired if uid != record.uid}
        candidates: dict[int, list[MatchRecord]] = {
            child: self.records[child] for child in sorted(near) if child in self.open
        }
        candidates.pop(current, None)
        if rest:
            candidates[current] = rest
        decision = decide(self.model, record, candidates, self.thresholds, self.kept_apart)
        target = decision.child
        if decision.outcome is Outcome.REVIEW:
            self.run.left += 1
        elif decision.outcome is Outcome.NEW and rest:
            self._found(record, current, decision)
        if decision.outcome is not Outcome.LINK or target is None:
            return
        if decision.joins is not None:
            # The record shows two children to be one: the younger joins the older.
            older = min(target, decision.joins)
            if self._merge(max(target, decision.joins), older):
                target = older
            current = self.owner[record.uid]
        if target == current:
            return
        if frozenset((current, target)) in self.kept_apart:
            self.run.left += 1  # a person decided these are two children
        elif rest:
            self._move([record], current, target, decision)
        else:
            self._merge(max(current, target), min(current, target))  # the older stays

    def _merge(self, merged: int, survivor: int) -> bool:
        """Merge ``merged`` into ``survivor`` as the matcher; False if refused."""
        try:
            with self.session.begin_nested():
                done = merge_children(
                    self.session, survivor, merged, self.actor,
                    f"relink run {self.run.id} with model {self.run.model_version}",
                    by_person=False,
                )  # fmt: skip
        except MergeRefused:
            self.run.left += 1
            return False
        moving = self.records.pop(merged, [])
        for record in moving:
            self.owner[record.uid] = survivor
        self.records[survivor].extend(moving)
        self.open.discard(merged)
        for pair in [pair for pair in self.kept_apart if merged in pair]:
            self.kept_apart.discard(pair)
            self.kept_apart.add(frozenset(survivor if c == merged else c for c in pair))
        self._change(merged, survivor, [r.uid for r in moving], merge_id=done.id)
        self.run.merged += 1
        return True

    def _found(self, record: MatchRecord, current: int, decision: Decision[int]) -> None:
        facts = self.session.scalars(
            select(SourceRecord.facts).where(SourceRecord.id == record.uid)
        ).one()
        (child_id,) = insert_children(self.session, [build_golden([facts_from_json(facts)])])
        self.open.add(child_id)
        self._move([record], current, child_id, decision, founded=True)
        self.run.founded += 1

    def _move(
        self,
        records: Sequence[MatchRecord],
        current: int,
        target: int,
        decision: Decision[int],
        *,
        founded: bool = False,
    ) -> None:
        ids = [r.uid for r in records]
        move_records(self.session, ids, target, {})
        score = decision.score
        change = self._change(current, target, ids, founded=founded)
        self.session.execute(
            insert(LinkEvent),
            [
                {
                    "source_record_id": uid,
                    "from_child_id": current,
                    "to_child_id": target,
                    "action": RELINK,
                    "weight": score.weight if score else None,
                    "model_version": self.run.model_version,
                    "explanation": [{"relink_change_id": change.id, "levels": score.levels}]
                    if score
                    else [{"relink_change_id": change.id}],
                    "by": self.actor,
                    "reason": decision.rule or f"relink run {self.run.id}",
                }
                for uid in ids
            ],
        )
        rebuild(self.session, [current, target])
        for record in records:
            self.records[current].remove(record)
            self.records[target].append(record)
            self.owner[record.uid] = target
        if not founded:
            self.run.moved += len(ids)

    def _change(
        self,
        from_child: int,
        to_child: int,
        ids: Sequence[int],
        *,
        founded: bool = False,
        merge_id: int | None = None,
    ) -> RelinkChange:
        change = RelinkChange(
            run_id=self.run.id, merge_id=merge_id, from_child_id=from_child,
            to_child_id=to_child, source_record_ids=list(ids), founded=founded,
        )  # fmt: skip
        self.session.add(change)
        self.session.flush()
        return change


def runs(session: Session) -> list[RelinkRun]:
    return list(session.scalars(select(RelinkRun).order_by(RelinkRun.id.desc())))


def state(run: RelinkRun) -> str:
    return "undone" if run.undone_at else "finished" if run.finished_at else "unfinished"
