"""Standard forms of the values matching compares.

Pure functions: the same standardisation serves the feed pipeline, batch tracing, search
and model training, so a value is compared the same way wherever it comes from.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

import jellyfish
from nicknames import NickNamer

from contactpoint.errors import InvalidValue
from contactpoint.identifiers import parse_postcode

_NON_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
# Apostrophes join (O'Brien → obrien); hyphens, dots and other punctuation separate.
_JOINERS = str.maketrans("", "", "'’`ʼ")


@lru_cache(maxsize=65536)
def clean_name(value: str | None) -> str:
    """Lower-case ASCII letters and single spaces.

    ``"Zoë O'Brien-Smith"`` → ``"zoe obrien smith"``.
    """
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = decomposed.encode("ascii", "ignore").decode().lower().translate(_JOINERS)
    return _SPACES.sub(" ", _NON_LETTERS.sub(" ", ascii_only)).strip()


def name_tokens(value: str | None) -> tuple[str, ...]:
    """The words of a name, e.g. a double-barrelled surname's two parts."""
    cleaned = clean_name(value)
    return tuple(cleaned.split()) if cleaned else ()


def first_given_name(value: str | None) -> str:
    tokens = name_tokens(value)
    return tokens[0] if tokens else ""


def family_name_key(value: str | None) -> str:
    """Double-barrelled names in either order and with or without the hyphen compare
    equal: the parts sorted and joined, ``"Jones-Smith"`` → ``"jones smith"``."""
    return " ".join(sorted(name_tokens(value)))


PHONETIC_LENGTH = 40  # match_records.given_phonetic, family_phonetic


@lru_cache(maxsize=65536)
def phonetic(value: str) -> str:
    """Double-Metaphone-like phonetic key of one cleaned word (jellyfish metaphone), at
    most ``PHONETIC_LENGTH`` letters (its column; only a name no one bears is longer)."""
    return jellyfish.metaphone(value)[:PHONETIC_LENGTH] if value else ""


_NICKNAMES = NickNamer()
# Pairs the nicknames package relates from older or other-language usage (Amelia was
# once called Emily, Ian is John in Scots) that are different given names of children
# born in England now — each registered in its own right, twins among them ("Amelia
# and Emily"): not one child's name and its nickname.
DIFFERENT_NAMES = frozenset(
    frozenset(pair.split())
    for pair in (
        "alice lisa",
        "amelia emily",
        "anna hannah",
        "ashley leah",
        "benjamin jamie",
        "danielle ellie",
        "eileen helen",
        "elaine eleanor",
        "elaine helen",
        "elizabeth lisa",
        "ellie helen",
        "emily emma",
        "hannah joanna",
        "hannah susan",
        "hannah susannah",
        "ian john",
        "jacob jay",
        "joe joshua",
        "jonathan nathan",
        "lisa melissa",
        "marcus mark",
        "margaret rita",
        "marie rosemary",
        "mary maureen",
        "mary rosemary",
        "patrick peter",
    )
)


@lru_cache(maxsize=65536)
def name_variants(name: str) -> frozenset[str]:
    """A cleaned given name with its nickname relations: William ~ Bill ~ Will (not
    the ``DIFFERENT_NAMES``)."""
    if not name:
        return frozenset()
    related = _NICKNAMES.nicknames_of(name) | _NICKNAMES.canonicals_of(name)
    return frozenset(
        {name, *(other for other in related if frozenset((name, other)) not in DIFFERENT_NAMES)}
    )


def date_key(value: date | None) -> str:
    """``YYYY-MM-DD`` or empty."""
    return value.isoformat() if value else ""


def swapped_day_month(value: date | None) -> str:
    """The date with day and month exchanged, where that is a real date: 03/04 ↔ 04/03."""
    if value is None or value.day > 12 or value.day == value.month:
        return ""
    return date(value.year, value.day, value.month).isoformat()


def day_number(value: date | None) -> int | None:
    """Days since 1 January 1 (for 'within a year' comparisons)."""
    return value.toordinal() if value else None


def postcode_parts(value: str | None) -> tuple[str, str, str]:
    """Full postcode, sector and district, or empty strings if there is none."""
    if not value:
        return "", "", ""
    try:
        postcode = parse_postcode(value)
    except InvalidValue:
        return "", "", ""
    return str(postcode), postcode.sector, postcode.district


_UNIT = re.compile(r"\b(flat|apartment|apt|unit|room)\s+[a-z0-9]+\b")
# Street types as people shorten them; the key writes them in full.
STREET_ABBREVIATIONS = {
    "road": "rd",
    "street": "st",
    "avenue": "ave",
    "lane": "ln",
    "drive": "dr",
    "close": "cl",
    "crescent": "cres",
    "court": "ct",
    "place": "pl",
    "gardens": "gdns",
    "terrace": "ter",
    "grove": "gr",
}
_STREET_TYPES = {short: full for full, short in STREET_ABBREVIATIONS.items()}
ADDRESS_KEY_LENGTH = 200  # match_records.address


def address_words(value: str | None) -> list[str]:
    """The words of the first line of an address, without flat numbers: ``"Flat 3, 12
    Cardigan Road, Leeds"`` → ``["12", "cardigan", "road"]`` (a line with no comma may
    be the whole address)."""
    if not value:
        return []
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    text = _UNIT.sub(" ", text)
    parts = [p for p in (re.sub(r"[^a-z0-9 ]+", " ", part).strip() for part in text.split(","))]
    first = next((p for p in parts if p), "")
    if first.isdigit() and len(parts) > 1:
        # "12, Cardigan Road": the number stands alone before the street.
        first = f"{first} {next((p for p in parts[parts.index(first) + 1 :] if p), '')}"
    return first.split()


def address_key(value: str | None) -> str:
    """The first line of an address as the matcher compares it: street types in full and
    no spaces, so ``"12 Cardigan Rd"``, ``"Flat 3, 12 Cardigan Road, Leeds"`` and ``"12
    Cardigan R oad"`` are all ``"12cardiganroad"`` (at most ``ADDRESS_KEY_LENGTH``
    characters). Spaces dropped or put in mid-word are among the commonest slips in
    typed addresses, and a house number left off is then two edits from the same street
    (the comparison's typo level), not a different address."""
    key = "".join(_STREET_TYPES.get(word, word) for word in address_words(value))
    return key[:ADDRESS_KEY_LENGTH]


def house_key(value: str | None) -> str:
    """The address key of a first line with a house number in it — one house — and
    nothing otherwise: ``"Sheffield"``, ``"no fixed abode"`` or ``"Cardigan Road,
    Leeds"`` name a town, a circumstance or a street that strangers share, and agreeing
    on one is no evidence of being one child (it is the place's, ``locality_key``)."""
    key = address_key(value)
    return key if any(c.isdigit() for c in key) else ""


LOCALITY_KEY_LENGTH = 100  # match_records.locality


def locality_key(value: str | None) -> str:
    """The place an address names last, lower case, letters and digits only: its town
    (``"26 Day Way, Burley, Leeds"`` → ``"leeds"``; ``"44 Forbes Street, Wintersloe,
    Kellerberrin, VIC 4510"`` → ``"vic4510"``), or the whole of a one-part address with
    no house number (``"Sheffield"``, ``"no fixed abode"``). Many children share a place:
    how many, the index counts (``matching.frequencies``), so "Leeds" or "no fixed abode"
    weighs little and a village much more. A one-part address with a number (``"12
    Cardigan Road"``) names no place."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    parts = [p for p in (re.sub(r"[^a-z0-9]+", "", part) for part in text.split(",")) if p]
    if len(parts) == 1 and any(c.isdigit() for c in parts[0]):
        return ""
    return parts[-1][:LOCALITY_KEY_LENGTH] if parts else ""
