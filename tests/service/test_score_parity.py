"""Bulk scoring (Splink on DuckDB) and online scoring (our scorer) agree on every pair.

The records are the index's own, loaded through the feeds into each database and read
back; Splink scores the blocked pairs with the shipped model's parameters and term
frequencies; the online scorer must give the same weight for each of them.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from contactpoint.linkage import registry
from contactpoint.linkage import store as match_store
from contactpoint.matching.train import bulk_scores
from contactpoint.synth import generate
from tests.builders import load_population

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parity")
    generate(out, children=1200, seed=23, as_of=AS_OF)
    return out


def test_bulk_and_online_scoring_give_the_same_weight_for_every_pair(
    session: Session, population: Path
) -> None:
    load_population(session, population, AS_OF)
    records = {r.uid: r for r in match_store.all_records(session)}
    model = registry.active_model(session)
    pairs = bulk_scores(model.document, list(records.values()))
    assert len(pairs) >= 1000
    sample = random.Random(1).sample(pairs, 1500) if len(pairs) > 1500 else pairs
    differences = [
        abs(model.weight(records[left], records[right]) - weight) for left, right, weight in sample
    ]
    assert max(differences) < 1e-9
    # The sample spans the range of scores, not only certain matches.
    weights = sorted(weight for _l, _r, weight in sample)
    assert weights[0] < 0 < weights[-1]
