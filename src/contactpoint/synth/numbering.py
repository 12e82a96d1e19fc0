"""Issuing the identifiers children carry, each valid and distinct within a run.

NHS numbers have a modulus-11 check digit (bodies whose check would be 10 are skipped)
and lie in the 400 000 000–499 999 999 or 600 000 000–799 999 999 body ranges; UPNs carry
the DfE check letter; GRO entries and child benefit references follow their formats.
"""

from __future__ import annotations

import string
from random import Random

from contactpoint.identifiers import UPN_LETTERS, nhs_check_digit, upn_check_letter
from contactpoint.synth.sampling import chance


class Numbering:
    """Hands out identifiers; never the same one twice in a population."""

    def __init__(self, rng: Random) -> None:
        self._rng = rng
        self._nhs: set[str] = set()
        self._references: set[str] = set()
        self._temporary: set[str] = set()
        self._entries: dict[tuple[str, int, str], int] = {}
        self._pupils: dict[tuple[int, int, int], int] = {}

    def nhs_number(self) -> str:
        rng = self._rng
        while True:
            if chance(rng, 0.7):
                body = str(rng.randrange(400_000_000, 500_000_000))
            else:
                body = str(rng.randrange(600_000_000, 800_000_000))
            check = nhs_check_digit(body)
            if check is None:
                continue
            number = f"{body}{check}"
            if number not in self._nhs:
                self._nhs.add(number)
                return number

    def gro_birth_entry(self, year: int, district: str) -> str:
        """``YYYY/DDD/NNNNN``: year of registration, three-letter registration district,
        entry number (the form the feed loader accepts)."""
        return f"{year}/{district}/{self._next_entry('B', year, district):05d}"

    def gro_death_entry(self, year: int, district: str) -> str:
        """``YYYY/DDD/DNNNNN``."""
        return f"{year}/{district}/D{self._next_entry('D', year, district):05d}"

    def _next_entry(self, register: str, year: int, district: str) -> int:
        key = (register, year, district)
        # entries are numbered in order; births of children outside this population
        # fall in between
        previous = self._entries.get(key, 0)
        entry = previous + self._rng.randint(1, 3)
        self._entries[key] = entry
        return entry

    def upn(self, la: int, establishment: int, year: int) -> str:
        """LA number, establishment number, two-digit year of allocation, serial; check
        letter first."""
        key = (la, establishment, year % 100)
        serial = self._pupils.get(key, 0) + 1
        if serial > 999:  # a full year at one school: allocate under the next number
            return self.upn(la, establishment + 1, year)
        self._pupils[key] = serial
        body = f"{la:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
        return upn_check_letter(body) + body

    def temporary_upn(self, la: int, establishment: int, year: int) -> str:
        """A temporary UPN: a letter in the last position, later replaced by a permanent one."""
        rng = self._rng
        while True:
            body = (
                f"{la:03d}{establishment:04d}{year % 100:02d}{rng.randint(0, 99):02d}"
                f"{rng.choice(UPN_LETTERS)}"
            )
            if body not in self._temporary:
                self._temporary.add(body)
                return upn_check_letter(body) + body

    def child_benefit_reference(self) -> str:
        """``CHB`` + 8 digits + 2 letters, one per claim."""
        rng = self._rng
        while True:
            reference = (
                f"CHB{rng.randint(0, 99_999_999):08d}"
                f"{rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}"
            )
            if reference not in self._references:
                self._references.add(reference)
                return reference
