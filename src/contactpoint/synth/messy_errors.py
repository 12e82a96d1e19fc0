"""Messy recording: the failure classes real sources bring, for ``generate_messy``.

A ``MessyClerk`` writes one ``local`` record about a child as a careless source would:
placeholder dates (1 January of the year, the year alone, nothing), digits mistyped
into dates and postcodes (some no longer valid), free-text places instead of
addresses, names missing, cut to an initial, swapped between the fields or given a
nickname, and the ordinary recording errors of ``errors.Recorder`` at high rates.
Every error applied is counted by kind. The rates are ``MESSY_RATES`` and
``MESSY_RECORDER_RATES``; docs/synthetic-population.md tabulates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from random import Random

from contactpoint.identifiers import is_valid, normalise_postcode
from contactpoint.synth.errors import ErrorRates, Recorder
from contactpoint.synth.geography import Address
from contactpoint.synth.names import NameBook
from contactpoint.synth.population import Child
from contactpoint.synth.sampling import chance
from contactpoint.synth.sources import Row


@dataclass(frozen=True, slots=True)
class MessyRates:
    """Chance of each messy error (per record unless the comment says otherwise)."""

    missing_date_of_birth: float  # no date at all
    year_only: float  # `2014`
    first_of_january: float  # 1 January of the right year: day and month unknown
    day_first: float  # per written date: `18/06/2012` rather than `2012-06-18`
    invalid_date_digit_typo: float  # per full date: a digit mistyped, no such date
    impossible_day: float  # per full date: a day the month lacks (30 February)
    date_digit_typo: float  # per full date: a digit mistyped, a real but wrong date
    invalid_postcode: float  # per postcode: `LS6 2A`, `AL7 REF`
    postcode_wrong_character: float  # per postcode: a valid but wrong postcode
    free_text_place: float  # `Sheffield`, `c/o grandmother, Luton`, `no fixed abode`
    missing_given_name: float  # never with missing_family_name
    missing_family_name: float
    initials_only: float  # `J`, `J.`, `J T`
    names_transposed: float  # given and family name in each other's field
    middle_name_added: float  # per record with one given name: a name not the child's
    given_names_hyphenated: float  # per record with two given names: `Lily-Mae`
    gender_inconsistent: float  # per record with a gender: the other one
    common_given_name: float  # per child: first name replaced by a common one
    common_family_name: float  # per family: family name replaced by a common one


MESSY_RATES = MessyRates(
    missing_date_of_birth=0.04,
    year_only=0.03,
    first_of_january=0.30,
    day_first=0.25,
    invalid_date_digit_typo=0.01,
    impossible_day=0.004,
    date_digit_typo=0.015,
    invalid_postcode=0.03,
    postcode_wrong_character=0.02,
    free_text_place=0.04,
    missing_given_name=0.03,
    missing_family_name=0.02,
    initials_only=0.03,
    names_transposed=0.02,
    middle_name_added=0.02,
    given_names_hyphenated=0.05,
    gender_inconsistent=0.01,
    common_given_name=0.12,
    common_family_name=0.10,
)
# The ordinary recording errors, at the rates of a careless source.
MESSY_RECORDER_RATES = ErrorRates(
    typo=0.04,
    nickname=0.08,
    transliteration=0.08,
    accents_dropped=0.4,
    given_names_swapped=0.02,
    middle_name_dropped=0.35,
    double_barrel=0.3,
    stale_family_name=0.15,
    day_month_swapped=0.03,
    day_out=0.005,
    year_out=0.005,
    missing_postcode=0.08,
    missing_address=0.1,
    missing_gender=0.06,
    stale_address=0.2,
    case_noise=0.15,
    whitespace_noise=0.05,
    postcode_noise=0.12,
    abbreviated_address=0.3,
    invalid_row=0.0,
)
MESSY_KINDS = (
    "dob_first_of_january",
    "dob_year_only",
    "dob_written_day_first",
    "dob_invalid_digit_typo",
    "dob_impossible_day",
    "dob_digit_typo",
    "postcode_invalid",
    "postcode_wrong_character",
    "pseudo_postcode",
    "free_text_place",
    "missing_given_name",
    "missing_family_name",
    "initials_only",
    "names_transposed",
    "middle_name_added",
    "given_names_hyphenated",
    "gender_inconsistent",
    "no_identifiers",
    "common_given_name",
    "common_family_name",
)
ISO, DAY_FIRST = "%Y-%m-%d", "%d/%m/%Y"
# The NHS pseudo-postcode for no fixed abode; not a postcode a parser accepts.
NO_FIXED_ABODE_POSTCODE = "ZZ99 3VZ"
_IMPOSSIBLE_DAYS = ((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31))
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_NOT_INWARD = "CIKMOV"
_RELATIVES = ("grandmother", "grandparents", "nan", "aunt", "uncle", "father", "family friend")
_HOMELESS = ("no fixed abode", "NFA", "No Fixed Abode", "homeless", "address not known")


def parse_date(text: str, fmt: str) -> date | None:
    """The date ``text`` names in ``fmt``, or None if there is no such date."""
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


class MessyClerk:
    """A careless source's clerk: writes ``local`` records with messy errors, counted."""

    def __init__(
        self,
        rng: Random,
        names: NameBook,
        *,
        as_of: date,
        towns: list[str],
        rates: MessyRates = MESSY_RATES,
        recorder_rates: ErrorRates = MESSY_RECORDER_RATES,
    ) -> None:
        self.rng = rng
        self.names = names
        self.as_of = as_of
        self.towns = towns
        self.rates = rates
        self.recorder = Recorder("local", rng, names, as_of=as_of, rates=recorder_rates)
        self.errors: dict[str, int] = {}

    def count(self, kind: str) -> None:
        if kind not in MESSY_KINDS:
            raise ValueError(f"unknown messy error {kind!r}")
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def counts(self) -> dict[str, int]:
        """Every error applied so far, messy and ordinary, by kind."""
        merged = dict(self.recorder.errors)
        for kind, number in self.errors.items():
            merged[kind] = merged.get(kind, 0) + number
        return dict(sorted(merged.items()))

    def record(self, child: Child, day: date, *, identifier_rate: float = 0.0) -> Row:
        """What the source wrote about ``child`` on ``day`` (``record_id`` left empty)."""
        given, family = self.names_of(child, day)
        born = self.date_of_birth(child.date_of_birth)
        postcode, address = self.place(child, day)
        rng = self.rng
        nhs = child.nhs_number if identifier_rate and chance(rng, identifier_rate) else ""
        upn = child.upn if identifier_rate and chance(rng, identifier_rate / 2) else ""
        if not nhs and not upn:
            self.count("no_identifiers")
        return {
            "record_id": "",
            "given_names": given,
            "family_name": family,
            "date_of_birth": born,
            "gender": self.gender(child.sex),
            "postcode": postcode,
            "address": address,
            "nhs_number": nhs,
            "upn": upn,
        }

    # --- names ------------------------------------------------------------------------

    def names_of(self, child: Child, day: date) -> tuple[str, str]:
        """Given and family name as written; never both empty."""
        rec, rng, rates = self.recorder, self.rng, self.rates
        parts = rec.given_names(child.given_names).split(" ")
        family = rec.family_name(rec.family_name_of(child, day))
        if len(parts) == 1 and chance(rng, rates.middle_name_added):
            extra = self.names.middle(rng, child.family.background, child.sex)
            if extra != parts[0]:
                parts.append(extra)
                self.count("middle_name_added")
        elif len(parts) == 2 and chance(rng, rates.given_names_hyphenated):
            parts = [f"{parts[0]}-{parts[1]}"]
            self.count("given_names_hyphenated")
        if chance(rng, rates.initials_only):
            shape = rng.random()
            if shape < 0.2 and len(parts) > 1:
                parts = [part[0] for part in parts]
            else:
                parts = [parts[0][0] + ("." if shape > 0.8 else "")]
            self.count("initials_only")
        given, family = rec.noise(" ".join(parts), family)
        if chance(rng, rates.names_transposed):
            given, family = family, given
            self.count("names_transposed")
        missing = rng.random()
        if missing < rates.missing_given_name:
            given = ""
            self.count("missing_given_name")
        elif missing < rates.missing_given_name + rates.missing_family_name:
            family = ""
            self.count("missing_family_name")
        return given, family

    # --- dates ------------------------------------------------------------------------

    def date_of_birth(self, born: date) -> str:
        """The date of birth as written: perhaps a placeholder, a typo, or nothing."""
        rng, rates = self.rng, self.rates
        # one draw picks the kind of date, so each kind's rate is a share of all records
        kind = rng.random()
        missing = rates.missing_date_of_birth
        year_only = missing + rates.year_only
        placeholder = year_only + rates.first_of_january
        if kind < missing:
            self.recorder.count("missing_date_of_birth")
            return ""
        if kind < year_only:
            self.count("dob_year_only")
            return str(born.year)
        fmt = DAY_FIRST if chance(rng, rates.day_first) else ISO
        if fmt == DAY_FIRST:
            self.count("dob_written_day_first")
        if kind < placeholder:
            self.count("dob_first_of_january")
            return date(born.year, 1, 1).strftime(fmt)
        text = self.recorder.date_of_birth(born, self.as_of).strftime(fmt)
        if chance(rng, rates.invalid_date_digit_typo):
            typed = self._digit_typo(text, fmt, real=False)
            if typed is not None:
                self.count("dob_invalid_digit_typo")
                return typed
        elif chance(rng, rates.impossible_day):
            month, day = rng.choice(_IMPOSSIBLE_DAYS)
            self.count("dob_impossible_day")
            if fmt == ISO:
                return f"{born.year:04d}-{month:02d}-{day:02d}"
            return f"{day:02d}/{month:02d}/{born.year:04d}"
        elif chance(rng, rates.date_digit_typo):
            typed = self._digit_typo(text, fmt, real=True)
            if typed is not None:
                self.count("dob_digit_typo")
                return typed
        return text

    def _digit_typo(self, text: str, fmt: str, *, real: bool) -> str | None:
        """One digit of the day or month (or the year's last) mistyped: ``2012-86-18``.

        ``real``: the result is another real date, not in the future and no older than a
        feed accepts; otherwise it is no date at all. None if no such typo was found.
        """
        rng = self.rng
        positions = [5, 6, 8, 9] if fmt == ISO else [0, 1, 3, 4]
        if real:
            positions.append(3 if fmt == ISO else 9)
        for _ in range(20):
            at = rng.choice(positions)
            digit = rng.choice([d for d in "0123456789" if d != text[at]])
            typed = text[:at] + digit + text[at + 1 :]
            parsed = parse_date(typed, fmt)
            if not real and parsed is None:
                return typed
            # real: not in the future, and no older than a feed accepts a child's birth
            if real and parsed is not None and 0 <= (self.as_of - parsed).days <= 20 * 365:
                return typed
        return None

    # --- places -----------------------------------------------------------------------

    def place(self, child: Child, day: date) -> tuple[str, str]:
        """Postcode and address as written: perhaps an old one, a place, or nothing."""
        rec, rng = self.recorder, self.rng
        home = rec.address_of(child, day)
        if not chance(rng, self.rates.free_text_place):
            return self.postcode(home.postcode), rec.address(home)
        self.count("free_text_place")
        if chance(rng, 0.3):
            if chance(rng, 0.35):
                self.count("pseudo_postcode")
                return NO_FIXED_ABODE_POSTCODE, rng.choice(_HOMELESS)
            return "", rng.choice(_HOMELESS)
        text = self._free_text(home)
        return ("" if chance(rng, 0.5) else self.postcode(home.postcode)), text

    def _free_text(self, home: Address) -> str:
        rng = self.rng
        relative = rng.choice(_RELATIVES)
        return rng.choice(
            (
                home.town,
                home.town.upper(),
                home.locality,
                f"{home.locality}, {home.town}",
                f"c/o {relative}, {rng.choice(self.towns)}",
                f"staying with {relative}, {home.town}",
                f"temporary accommodation, {home.town}",
            )
        )

    def postcode(self, postcode: str) -> str:
        """A postcode as written: missing, mistyped (valid or not), oddly spaced."""
        rec, rng = self.recorder, self.rng
        if chance(rng, rec.rates.missing_postcode):
            rec.count("missing_postcode")
            return ""
        if chance(rng, self.rates.invalid_postcode):
            postcode = _invalid_postcode(rng, postcode)
            self.count("postcode_invalid")
        elif chance(rng, self.rates.postcode_wrong_character):
            wrong = _wrong_character(rng, postcode)
            if wrong != postcode:
                postcode = wrong
                self.count("postcode_wrong_character")
        if chance(rng, rec.rates.postcode_noise):
            compact = postcode.replace(" ", "")
            postcode = rng.choice(
                (compact, postcode.lower(), compact.lower(), postcode.replace(" ", "  "),
                 f" {postcode}")
            )  # fmt: skip
            rec.count("postcode_format_noise")
        return postcode

    # --- gender -----------------------------------------------------------------------

    def gender(self, sex: str) -> str:
        """The child's sex, missing now and then, or now and then the other one."""
        written = self.recorder.gender(sex)
        if written and chance(self.rng, self.rates.gender_inconsistent):
            written = {"M": "F", "F": "M"}.get(written) or self.rng.choice("MF")
            self.count("gender_inconsistent")
        return written


def _invalid_postcode(rng: Random, postcode: str) -> str:
    """A postcode no parser accepts: ``LS6 2A``, ``AL7 REF``, ``LS6 2AC``, ``LS6``."""
    outward, inward = postcode.split(" ")
    letter = rng.choice("ABCDEFGHJKLMNOPRSTUWY")
    options = [
        f"{outward} {inward[:2]}",
        f"{outward} {letter}{inward[1:]}",
        f"{outward} {inward[0]}{inward[1]}{rng.choice(_NOT_INWARD)}",
        f"{outward} {inward[1]}{inward[0]}{inward[2]}",
        f"{outward} O{inward[1:]}",
    ]
    start = rng.randrange(len(options))
    for option in options[start:] + options[:start]:
        if not is_valid(normalise_postcode, option):
            return option
    return outward


def _wrong_character(rng: Random, postcode: str) -> str:
    """A postcode one character out that still parses: ``LS6 3AB``, ``LS8 2AB``, ``LS6 2AD``."""
    outward, inward = postcode.split(" ")
    where = rng.randrange(3)
    if where == 0:
        inward = rng.choice([d for d in "0123456789" if d != inward[0]]) + inward[1:]
    elif where == 1:
        at = rng.choice((1, 2))
        letter = rng.choice([c for c in _INWARD_LETTERS if c != inward[at]])
        inward = inward[:at] + letter + inward[at + 1 :]
    elif outward[-1].isdigit():
        outward = outward[:-1] + rng.choice([d for d in "123456789" if d != outward[-1]])
    typed = f"{outward} {inward}"
    return typed if is_valid(normalise_postcode, typed) else postcode
