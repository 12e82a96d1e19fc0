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


# An index this large is counted once by a process, then only its new records are added
# to the counts (each chunk of a national file, each delivery a server takes in), so a
# load's cost does not grow with the index it counts. Below it, everything is counted
# each time: small, and exact.
REUSE_COUNTS_FROM = 100_000
_COUNTED: dict[str, tuple[int, dict[str, dict[str, int]]]] = {}


def _index_counts(session: Session) -> dict[str, dict[str, int]]:
    where = session.get_bind().engine.url.render_as_string(hide_password=True)
    newest = store.newest_record(session)
    cached = _COUNTED.get(where)
    if cached is not None and REUSE_COUNTS_FROM <= cached[0] <= newest:
        counted_at, counts = cached
        if newest > counted_at:
            # People already counted who come again are counted twice, as a file's people
            # are beside the index's (``ValueCounts.plus``): shares hardly move. A record
            # replaced is not taken off. (A newest record below the counted one — a load
            # rolled back, the index emptied — counts everything again.)
            # Added to copies: models made from the counts before (another request's,
            # in a server) keep the tables they were made with.
            counts = {column: dict(held) for column, held in counts.items()}
            for column, added in store.value_counts(session, after=counted_at).items():
                held = counts.setdefault(column, {})
                for value, people in added.items():
                    held[value] = held.get(value, 0) + people
            _COUNTED[where] = (newest, counts)
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
