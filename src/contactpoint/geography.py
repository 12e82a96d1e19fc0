"""Which local authority a postcode lies in.

The reference table (``reference/local_authorities.csv``) maps postcode districts to
English local authorities. It covers the authorities of the synthetic population; a
production deployment replaces it with the ONS Postcode Directory. A postcode outside
the table has no known authority, which is reported, never guessed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from contactpoint.identifiers import parse_postcode


@dataclass(frozen=True, slots=True)
class LocalAuthority:
    code: str
    name: str
    postcode_districts: tuple[str, ...]


@lru_cache(maxsize=1)
def local_authorities() -> dict[str, LocalAuthority]:
    """Every authority in the reference table, by ONS code."""
    table = resources.files("contactpoint.reference").joinpath("local_authorities.csv")
    rows = csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"), newline=""))
    return {
        row["la_code"]: LocalAuthority(
            row["la_code"], row["name"], tuple(row["postcode_districts"].split())
        )
        for row in rows
    }


@lru_cache(maxsize=1)
def _district_index() -> dict[str, str]:
    return {
        district: authority.code
        for authority in local_authorities().values()
        for district in authority.postcode_districts
    }


def la_for_postcode(postcode: str) -> str | None:
    """The ONS code of the authority whose area holds ``postcode``, if known."""
    return _district_index().get(parse_postcode(postcode).district)
