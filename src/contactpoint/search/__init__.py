"""Practitioner search: a partial record matched against the index with the matching
engine's own standardisation, blocking keys and model, ranked best first (docs/matching.md,
"Search")."""
