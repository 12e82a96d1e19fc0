"""Recording errors: how each source gets a child's details slightly wrong.

Every source row passes through a ``Recorder`` for its source. The recorder applies each
kind of error at that source's rate (GRO the most careful, DWP and local authorities the
least), and counts every error it applies by kind, which the manifest reports. A few rows
are made **invalid** on purpose (broken NHS check digit, wrong UPN check letter,
impossible or future date, unparseable postcode): counted separately, these are what a
feed loader must reject. Nothing here ever breaks a file's structure or empties a
required value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from contactpoint.identifiers import UPN_LETTERS, is_valid, normalise_postcode
from contactpoint.synth.geography import Address
from contactpoint.synth.names import NameBook, strip_accents
from contactpoint.synth.population import Child
from contactpoint.synth.sampling import chance, reference


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """Chance of each error. ``per row`` rates apply to every row; the others to rows
    where the error can happen (a name with another spelling, a child who moved …)."""

    typo: float  # per row: one name mistyped
    nickname: float  # per row whose first given name has a familiar form
    transliteration: float  # per name with another spelling
    accents_dropped: float  # per name with an accent
    given_names_swapped: float  # per row with two or more given names
    middle_name_dropped: float  # per row with a middle name
    double_barrel: float  # per double-barrelled family name
    stale_family_name: float  # per child whose family name changed
    day_month_swapped: float  # per row whose day and month are both 12 or less
    day_out: float  # per row: date of birth one day out
    year_out: float  # per row: date of birth one year out
    missing_postcode: float  # per row
    missing_address: float  # per row
    missing_gender: float  # per row, where the source may leave gender out
    stale_address: float  # per child whose family moved
    case_noise: float  # per row
    whitespace_noise: float  # per row
    postcode_noise: float  # per row: spacing or case
    abbreviated_address: float  # per row: Rd for Road, St for Street
    invalid_row: float  # per row


def source_rates() -> dict[str, ErrorRates]:
    """Each source's error rates, from ``data/error_rates.json``."""
    table = reference("error_rates.json")["sources"]
    return {source: ErrorRates(**rates) for source, rates in table.items()}


ERROR_KINDS = (
    "typo_substitution",
    "typo_transposition",
    "typo_omission",
    "typo_doubled_letter",
    "nickname",
    "transliteration",
    "accents_dropped",
    "given_names_swapped",
    "middle_name_dropped",
    "double_barrel_variant",
    "stale_family_name",
    "dob_day_month_swapped",
    "dob_off_by_one_day",
    "dob_off_by_one_year",
    "missing_postcode",
    "missing_address",
    "missing_gender",
    "missing_date_of_birth",
    "stale_address",
    "case_noise",
    "whitespace_noise",
    "postcode_format_noise",
    "abbreviated_address",
)
INVALID_KINDS = (
    "nhs_number_check_digit",
    "upn_check_letter",
    "impossible_date",
    "future_date",
    "unparseable_postcode",
)
_ABBREVIATIONS = (
    (" Road", " Rd"), (" Street", " St"), (" Avenue", " Ave"), (" Lane", " Ln"),
    (" Close", " Cl"), (" Drive", " Dr"), (" Crescent", " Cres"), (" Gardens", " Gdns"),
    (" Terrace", " Terr"), (" Place", " Pl"), (" Court", " Ct"), (" Grove", " Gr"),
)  # fmt: skip
_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = "aeiou"
_NOT_INWARD = "CIKMOV"


class Recorder:
    """One source's clerk: copies a child's details with that source's errors."""

    def __init__(
        self,
        source: str,
        rng: Random,
        names: NameBook,
        *,
        as_of: date,
        day_first: bool = False,
        rates: ErrorRates | None = None,
    ) -> None:
        self.source = source
        self.as_of = as_of
        self.rng = rng
        self.names = names
        self.rates = rates or source_rates()[source]
        self.day_first = day_first
        self.errors: dict[str, int] = {}
        self.invalid: dict[str, int] = {}

    def count(self, kind: str) -> None:
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown recording error {kind!r}")
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def write_date(self, day: date | None) -> str:
        """A date as this source writes it."""
        if day is None:
            return ""
        return day.strftime("%d/%m/%Y") if self.day_first else day.isoformat()

    # --- names ------------------------------------------------------------------------

    def given_names(self, names: list[str]) -> str:
        rng, rates = self.rng, self.rates
        names = list(names)
        if len(names) >= 2 and chance(rng, rates.given_names_swapped):
            names[0], names[1] = names[1], names[0]
            self.count("given_names_swapped")
        elif len(names) >= 2 and chance(rng, rates.middle_name_dropped):
            names = names[:1]
            self.count("middle_name_dropped")
        forms = self.names.familiar_forms_of(names[0])
        if forms and chance(rng, rates.nickname):
            names[0] = rng.choice(forms)
            self.count("nickname")
        return " ".join(self.spelling(name) for name in names)

    def family_name(self, name: str) -> str:
        double = "-" in name and not name.startswith("Al-")
        if double and chance(self.rng, self.rates.double_barrel):
            first, second = name.split("-", 1)
            name = self.rng.choice((f"{first} {second}", f"{second}-{first}", first, second))
            self.count("double_barrel_variant")
        return " ".join(self.spelling(part) for part in name.split(" "))

    def family_name_of(self, child: Child, day: date) -> str:
        """The child's family name on ``day`` — or, if the source missed a change, the old one."""
        history = [name for since, name in child.family_names if since <= day]
        if len(history) > 1 and chance(self.rng, self.rates.stale_family_name):
            self.count("stale_family_name")
            return history[-2]
        return history[-1]

    def spelling(self, name: str) -> str:
        """Another spelling of the same name, or the name without its accents."""
        variants = self.names.variants_of(name)
        if variants and chance(self.rng, self.rates.transliteration):
            name = self.rng.choice(variants)
            self.count("transliteration")
        if name != strip_accents(name) and chance(self.rng, self.rates.accents_dropped):
            name = strip_accents(name)
            self.count("accents_dropped")
        return name

    def plain(self, name: str) -> str:
        """An adult's name: accents may be lost, nothing else."""
        if name != strip_accents(name) and chance(self.rng, self.rates.accents_dropped):
            self.count("accents_dropped")
            return strip_accents(name)
        return name

    def noise(self, given: str, family: str) -> tuple[str, str]:
        """Typing errors, case and stray spaces over a row's given and family names."""
        rng, rates = self.rng, self.rates
        if chance(rng, rates.typo):
            if chance(rng, 0.5):
                given = self._typo(given)
            else:
                family = self._typo(family)
        if chance(rng, rates.case_noise):
            change = str.upper if chance(rng, 0.75) else str.lower
            which = rng.randrange(3)
            given = change(given) if which != 1 else given
            family = change(family) if which != 0 else family
            self.count("case_noise")
        if chance(rng, rates.whitespace_noise):
            pad = rng.choice((" {}", "{} ", "  {}", "{}  "))
            if chance(rng, 0.5):
                given = pad.format(given)
            else:
                family = pad.format(family)
            self.count("whitespace_noise")
        return given, family

    def _typo(self, value: str) -> str:
        rng = self.rng
        letters = [i for i in range(1, len(value)) if value[i].isalpha()]
        if len(value) < 3 or len(letters) < 2:
            return value
        i = rng.choice(letters)
        kind = rng.choice(("substitution", "transposition", "omission", "doubled_letter"))
        if (
            kind == "transposition"
            and i >= 2
            and value[i - 1].isalpha()
            and value[i - 1] != value[i]
        ):
            value = value[: i - 1] + value[i] + value[i - 1] + value[i + 1 :]
        elif kind == "omission" and len(value) >= 4:
            value = value[:i] + value[i + 1 :]
        elif kind == "doubled_letter":
            value = value[:i] + value[i] + value[i:]
        else:
            kind = "substitution"
            value = value[:i] + self._near(value[i]) + value[i + 1 :]
        self.count(f"typo_{kind}")
        return value

    def _near(self, letter: str) -> str:
        """A letter a typist might hit instead: a neighbouring key or another vowel."""
        lower = letter.lower()
        if lower in _VOWELS and chance(self.rng, 0.5):
            options = [v for v in _VOWELS if v != lower]
        else:
            options = []
            for row, keys in enumerate(_KEYBOARD):
                at = keys.find(lower)
                if at < 0:
                    continue
                options += [keys[j] for j in (at - 1, at + 1) if 0 <= j < len(keys)]
                for other in (row - 1, row + 1):
                    if 0 <= other < len(_KEYBOARD) and at < len(_KEYBOARD[other]):
                        options.append(_KEYBOARD[other][at])
            options = options or [c for c in "etaoinshr" if c != lower]
        chosen = self.rng.choice(options)
        return chosen.upper() if letter.isupper() else chosen

    # --- dates, sex, addresses ------------------------------------------------------------

    def date_of_birth(self, born: date, latest: date) -> date:
        """Day and month swapped, or one day or one year out — never after ``latest``."""
        rng, rates = self.rng, self.rates
        if born.day <= 12 and born.day != born.month and chance(rng, rates.day_month_swapped):
            swapped = date(born.year, born.day, born.month)
            if swapped <= latest:
                self.count("dob_day_month_swapped")
                return swapped
        if chance(rng, rates.day_out):
            shifted = born + timedelta(days=rng.choice((-1, 1)))
            self.count("dob_off_by_one_day")
            return shifted if shifted <= latest else born - timedelta(days=1)
        if chance(rng, rates.year_out):
            shifted = _add_years(born, rng.choice((-1, 1)))
            self.count("dob_off_by_one_year")
            return shifted if shifted <= latest else _add_years(born, -1)
        return born

    def gender(self, sex: str) -> str:
        """The child's sex, or nothing where the source did not record it."""
        if chance(self.rng, self.rates.missing_gender):
            self.count("missing_gender")
            return ""
        return sex

    def address_of(self, child: Child, day: date) -> Address:
        """Where the source thinks the child lives on ``day`` (perhaps where it used to)."""
        previous = child.previous_address(day)
        if previous is not None and chance(self.rng, self.rates.stale_address):
            self.count("stale_address")
            return previous
        return child.address_on(day)

    def address(self, address: Address | None) -> str:
        if address is None:
            return ""
        if chance(self.rng, self.rates.missing_address):
            self.count("missing_address")
            return ""
        text = address.text
        if chance(self.rng, self.rates.abbreviated_address):
            short = text
            for long_form, abbreviation in _ABBREVIATIONS:
                short = short.replace(long_form + ",", abbreviation + ",")
            if short != text:
                self.count("abbreviated_address")
                text = short
        return text

    def postcode(self, postcode: str) -> str:
        rng = self.rng
        if chance(rng, self.rates.missing_postcode):
            self.count("missing_postcode")
            return ""
        if chance(rng, self.rates.postcode_noise):
            outward, inward = postcode.split(" ")
            postcode = rng.choice(
                (outward + inward, postcode.lower(), (outward + inward).lower(),
                 f"{outward}  {inward}", f" {postcode}")
            )  # fmt: skip
            self.count("postcode_format_noise")
        return postcode

    # --- invalid rows ---------------------------------------------------------------------

    def spoil(self, row: dict[str, str], candidates: list[tuple[str, str]]) -> None:
        """Now and then make one value of the row invalid, as the loader must catch."""
        if not chance(self.rng, self.rates.invalid_row):
            return
        usable = [(kind, column) for kind, column in candidates if row.get(column)]
        if not usable:
            return
        kind, column = self.rng.choice(usable)
        row[column] = self._invalid(kind, row[column])
        self.invalid[kind] = self.invalid.get(kind, 0) + 1

    def _invalid(self, kind: str, value: str) -> str:
        rng = self.rng
        if kind == "nhs_number_check_digit":
            last = int(value[-1])
            return value[:-1] + str((last + rng.randint(1, 9)) % 10)
        if kind == "upn_check_letter":
            return rng.choice([c for c in UPN_LETTERS if c != value[0]]) + value[1:]
        if kind == "unparseable_postcode":
            return _unparseable(rng, value)
        year = int(value[-4:] if self.day_first else value[:4])
        if kind == "impossible_date":
            month, day = rng.choice(((2, 30), (4, 31), (6, 31), (9, 31), (11, 31)))
            if year % 4 and chance(rng, 0.3):
                month, day = 2, 29
        else:  # future_date: the year keyed wrongly, 2019 → 2091
            day_ = date.fromisoformat(value) if not self.day_first else _dmy(value)
            swapped = int(f"{year // 100}{year % 10}{year // 10 % 10}")
            year = swapped if swapped > self.as_of.year + 10 else year + 100
            month, day = day_.month, min(day_.day, 28 if day_.month == 2 else day_.day)
        if self.day_first:
            return f"{day:02d}/{month:02d}/{year:04d}"
        return f"{year:04d}-{month:02d}-{day:02d}"


def _dmy(value: str) -> date:
    day, month, year = value.split("/")
    return date(int(year), int(month), int(day))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _unparseable(rng: Random, postcode: str) -> str:
    """A postcode no parser accepts: cut short, or a letter where the digit goes."""
    compact = re.sub(r"\s", "", postcode.upper())
    outward, inward = compact[:-3], compact[-3:]
    options = [
        f"{outward} {inward[:2]}",
        f"{outward} O{inward[1:]}",
        f"{outward} {inward[0]}{rng.choice(_NOT_INWARD)}{inward[2]}",
    ]
    for option in options[rng.randrange(3) :] + options:
        if not is_valid(normalise_postcode, option):
            return option
    return "UNKNOWN"
