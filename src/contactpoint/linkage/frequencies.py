"""The matcher's term frequencies, counted on the index in front of it (and on the file
being loaded): ``matching.frequencies`` does the sums, this module the counting."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from contactpoint.linkage import registry, store
from contactpoint.matching.frequencies import ValueCounts
from contactpoint.matching.model import MatchModel
from contactpoint.matching.record import MatchRecord


def live_counts(session: Session, incoming: Sequence[MatchRecord] = ()) -> ValueCounts:
    """How many people of the index and of the ``incoming`` records hold each value."""
    return ValueCounts.of(incoming).plus(_index_counts(session))


# An index this large changes its frequencies slowly: counted once, its counts serve
# until it has grown by a hundredth (a one-row delivery need not count a national index).
REUSE_COUNTS_FROM = 100_000
_COUNTED: dict[str, tuple[int, dict[str, dict[str, int]]]] = {}


def _index_counts(session: Session) -> dict[str, dict[str, int]]:
    where = session.get_bind().engine.url.render_as_string(hide_password=True)
    newest = store.newest_record(session)
    cached = _COUNTED.get(where)
    if cached is not None and cached[0] >= REUSE_COUNTS_FROM:
        counted_at, counts = cached
        if counted_at <= newest <= counted_at + counted_at // 100:
            return counts
    counts = store.value_counts(session)
    _COUNTED[where] = (newest, counts)
    return counts


def adapted_model(session: Session, incoming: Sequence[MatchRecord] = ()) -> MatchModel:
    """The active model, weighing values by how common they are among the people of the
    index and of the ``incoming`` records."""
    return adapt(registry.active_model(session), live_counts(session, incoming))


def adapt(model: MatchModel, counts: ValueCounts) -> MatchModel:
    tables = counts.tables(model.term_frequencies, model.average_shares())
    return model.with_term_frequencies(tables)
