"""the matcher's address key is written without spaces and with street types in full
("57 Bedford S treet" and "57 Bedford St" are both ``57bedfordstreet``): recompute it for
the records already indexed, from the address each source record gave, and refile the
keys that hold it — both names at one house (``fh``) and, new, the date of birth at one
house (``da``)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 23:20:00.000000
"""

from collections.abc import Callable, Sequence

from alembic import op

from contactpoint.matching.standardise import STREET_ABBREVIATIONS, address_key, address_words
from contactpoint.migrations.addresses import numbered, rewrite

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAMES = "family_phonetic IS NOT NULL AND given_phonetic IS NOT NULL"


def upgrade() -> None:
    _rekey(address_key)
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        " SELECT substr('da:' || dob || ':' || address, 1, 80), source_record_id, child_id"
        f" FROM match_records WHERE dob IS NOT NULL AND {numbered()}"
    )


def downgrade() -> None:
    _rekey(_former_key)


def _former_key(line: str | None) -> str:
    """The key before this revision: words apart, street types abbreviated."""
    words = (STREET_ABBREVIATIONS.get(word, word) for word in address_words(line))
    return " ".join(words)[:200]


def _rekey(key: Callable[[str | None], str]) -> None:
    rewrite(lambda line: {"address": key(line) or None})
    op.execute("DELETE FROM match_keys WHERE key LIKE 'fh:%' OR key LIKE 'da:%'")
    op.execute(
        "INSERT INTO match_keys (key, source_record_id, child_id)"
        " SELECT substr('fh:' || family_phonetic || ':' || given_phonetic || ':' || address,"
        " 1, 80), source_record_id, child_id"
        f" FROM match_records WHERE {_NAMES} AND {numbered()}"
    )
