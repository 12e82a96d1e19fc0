"""The synthetic population generator.

It makes a realistic, consistent population of children in England and each source's
files about it — with the recording errors real sources make and a few invalid rows —
plus the ground truth naming the child behind every row. Demo, tests and benchmarks run
on it. See ``docs/synthetic-population.md``.

    from contactpoint.synth import generate
    summary = generate(Path("out"), children=10_000, seed=1, as_of=date(2025, 6, 1))

``generate_messy`` writes one messy ``local`` file instead, for measuring the matcher.
"""

from contactpoint.synth.generator import (
    LocalFile,
    SynthSummary,
    build_population,
    generate,
    generate_local,
)
from contactpoint.synth.messy import generate_messy
from contactpoint.synth.sources import HEADERS, SOURCES

__all__ = [
    "HEADERS",
    "SOURCES",
    "LocalFile",
    "SynthSummary",
    "build_population",
    "generate",
    "generate_local",
    "generate_messy",
]
