"""Linkage: the matching engine applied to the index (candidates, decisions, models)."""
