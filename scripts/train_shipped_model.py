"""Train the model shipped with the service on a synthetic population.

    .venv/bin/python scripts/train_shipped_model.py [--children 20000] [--seed 42]

Generates the population (a seed the demo and benchmarks do not use), standardises
every source row as the feeds do, trains with Splink and writes
src/contactpoint/matching/data/model.json. Nothing real goes in: only synthetic data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from datetime import date
from pathlib import Path

from contactpoint.feeds.pipeline import standardise_rows
from contactpoint.feeds.sources import get_source
from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.model import MODEL_FORMAT
from contactpoint.matching.record import match_record
from contactpoint.matching.train import train
from contactpoint.synth import SOURCES, generate

OUT = Path(__file__).parent.parent / "src" / "contactpoint" / "matching" / "data" / "model.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", default="2026-11-01")
    options = parser.parse_args()
    as_of = date.fromisoformat(options.as_of)
    records = []
    with tempfile.TemporaryDirectory() as work:
        generate(Path(work), children=options.children, seed=options.seed, as_of=as_of)
        for source in SOURCES:
            rows = standardise_rows(
                get_source(source),
                (Path(work) / f"{source}.csv").read_bytes(),
                file_name=source,
                today=as_of,
            )
            records.extend(match_record(len(records), row.facts) for row in rows.rows)
    # A fingerprint of the comparisons and of the records as standardised: a model
    # trained on other comparisons (a level or a term-frequency column added) or on
    # values standardised another way (an address key written differently) is another
    # version, never the same name.
    digest = hashlib.sha256(json.dumps([c.splink() for c in COMPARISONS], sort_keys=True).encode())
    for record in records:
        digest.update(json.dumps(record.as_dict(), sort_keys=True).encode())
    fingerprint = digest.hexdigest()[:8]
    version = (
        f"synthetic-{options.children // 1000}k-seed{options.seed}"
        f"-{MODEL_FORMAT.rsplit('/', 1)[1]}-{fingerprint}"
    )
    document = train(records, version=version, seed=options.seed)
    document["trained_on"] = (
        f"synthetic population: {options.children} children, seed {options.seed},"
        f" as of {as_of}; {len(records)} source records"
    )
    OUT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB), version {version}")


if __name__ == "__main__":
    main()
