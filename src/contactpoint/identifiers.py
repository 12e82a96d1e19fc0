"""Identifiers a child may carry: validation, normalisation and generation.

Pure functions, no database. Each ``normalise_*`` returns the canonical form or raises
``InvalidValue`` with a reason a person can act on; each ``is_valid_*`` never raises.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from random import Random

import phonenumbers
from nhs_number import validate as _nhs_validate

from contactpoint.errors import InvalidValue

# --- ContactPoint ID ------------------------------------------------------------------
# Eight random symbols of Crockford's base 32 (no I, L, O, U: nothing to misread over the
# phone) and a check symbol from the same alphabet, computed with the Damm algorithm over
# the quasigroup x*y = 2x + y in GF(32). Because that quasigroup is totally
# anti-symmetric, the check catches every single-symbol error and every transposition of
# two adjacent symbols (Luhn mod 32 misses some, e.g. 0Z/Z0). Written CP-XXXX-XXXX-C.

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_CP_ID_BODY = 8
_GF32_MODULUS = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


def _times_two(value: int) -> int:
    doubled = value << 1
    return doubled ^ _GF32_MODULUS if doubled & 0b100000 else doubled


def _damm32(symbols: str) -> int:
    interim = 0
    for symbol in symbols:
        interim = _times_two(interim) ^ CROCKFORD.index(symbol)
    return interim


def _check_symbol(body: str) -> str:
    return CROCKFORD[_times_two(_damm32(body))]


def new_cp_id(rng: Random | None = None) -> str:
    """A fresh ContactPoint ID in canonical form, e.g. ``CP-7K3M-9Q2X-4``.

    Random rather than sequential so an ID reveals nothing about when or where the
    child was registered and cannot be enumerated.
    """
    if rng is None:
        body = "".join(secrets.choice(CROCKFORD) for _ in range(_CP_ID_BODY))
    else:
        body = "".join(rng.choice(CROCKFORD) for _ in range(_CP_ID_BODY))
    return _format_cp_id(body + _check_symbol(body))


def _format_cp_id(symbols: str) -> str:
    return f"CP-{symbols[:4]}-{symbols[4:8]}-{symbols[8]}"


def normalise_cp_id(value: str) -> str:
    """Canonical ``CP-XXXX-XXXX-C`` from any case, spacing or hyphenation."""
    compact = re.sub(r"[\s\-]", "", value.upper())
    if compact.startswith("CP") and len(compact) == _CP_ID_BODY + 3:
        # The prefix, not the first two symbols of a bare ID that happen to be "CP".
        compact = compact[2:]
    compact = compact.translate(_CROCKFORD_ALIASES)
    if len(compact) != _CP_ID_BODY + 1:
        raise InvalidValue("ContactPoint ID", value, "must be CP followed by 9 characters")
    if any(symbol not in CROCKFORD for symbol in compact):
        raise InvalidValue("ContactPoint ID", value, "contains a character that is not allowed")
    if _damm32(compact) != 0:
        raise InvalidValue("ContactPoint ID", value, "check character does not match")
    return _format_cp_id(compact)


# --- NHS number -----------------------------------------------------------------------


def normalise_nhs_number(value: str) -> str:
    """Ten digits with a valid modulus-11 check digit; spaces and hyphens are dropped."""
    digits = re.sub(r"[\s\-]", "", value)
    if not re.fullmatch(r"\d{10}", digits):
        raise InvalidValue("NHS number", value, "must be 10 digits")
    if not _nhs_validate.is_valid(digits):
        raise InvalidValue("NHS number", value, "check digit does not match (modulus 11)")
    return digits


def format_nhs_number(value: str) -> str:
    """The 3-3-4 form people read, e.g. ``943 476 5919``."""
    return f"{value[:3]} {value[3:6]} {value[6:]}"


def nhs_check_digit(nine_digits: str) -> int | None:
    """Modulus-11 check digit for nine digits; None where the body cannot be used (10)."""
    total = sum(int(d) * w for d, w in zip(nine_digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


# --- Unique Pupil Number --------------------------------------------------------------
# DfE: 13 characters, a check letter then 12 characters (LA number, establishment
# number, year of allocation, serial). Check letter: characters 2-13 weighted 2-13,
# summed, modulo 23, indexed into the letters below. A temporary UPN carries a letter
# in position 13, valued by its index in the same list.

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(body: str) -> str:
    """Check letter for the 12 characters after it."""
    total = 0
    for weight, char in zip(range(2, 14), body, strict=True):
        value = int(char) if char.isdigit() else UPN_LETTERS.index(char)
        total += weight * value
    return UPN_LETTERS[total % 23]


def normalise_upn(value: str) -> str:
    """Thirteen characters with a valid check letter, upper case."""
    upn = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(rf"[{UPN_LETTERS}]\d{{11}}[0-9{UPN_LETTERS}]", upn):
        raise InvalidValue(
            "UPN", value, "must be a check letter, 11 digits and a digit or letter (13 in all)"
        )
    if upn_check_letter(upn[1:]) != upn[0]:
        raise InvalidValue("UPN", value, "check letter does not match")
    return upn


# --- UK postcode ----------------------------------------------------------------------

_POSTCODE = re.compile(
    r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})$"
)


@dataclass(frozen=True, slots=True)
class Postcode:
    """A UK postcode split into the parts matching and geography use."""

    outward: str
    inward: str

    def __str__(self) -> str:
        return f"{self.outward} {self.inward}"

    @property
    def area(self) -> str:
        """Letters of the outward code, e.g. ``LS``."""
        return re.match(r"[A-Z]+", self.outward).group(0)  # type: ignore[union-attr]

    @property
    def district(self) -> str:
        """The outward code, e.g. ``LS6``."""
        return self.outward

    @property
    def sector(self) -> str:
        """Outward code and the inward digit, e.g. ``LS6 2``."""
        return f"{self.outward} {self.inward[0]}"


def parse_postcode(value: str) -> Postcode:
    """Parse a UK postcode in any case and spacing."""
    compact = re.sub(r"\s", "", value.upper())
    match = _POSTCODE.match(compact)
    if match is None:
        raise InvalidValue("postcode", value, "is not a UK postcode")
    return Postcode(match["outward"], match["inward"])


def normalise_postcode(value: str) -> str:
    """Canonical ``LS6 2AB`` form."""
    return str(parse_postcode(value))


def is_valid(normaliser: type | object, value: str) -> bool:
    """True where ``normaliser(value)`` succeeds: ``is_valid(normalise_upn, x)``."""
    try:
        normaliser(value)  # type: ignore[operator]
    except InvalidValue:
        return False
    return True


def normalise_phone(value: str) -> str:
    """A UK telephone number in E.164 form (+441132224444)."""
    try:
        number = phonenumbers.parse(value.strip(), "GB")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidValue("telephone number", value, "is not a valid UK telephone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
