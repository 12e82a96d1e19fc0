"""Alembic's migrations (``versions/``, run through ``env.py``) and what they share."""
