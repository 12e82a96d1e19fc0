"""Names for the synthetic population: who is called what, and how names vary.

Given names follow the year of birth for English names (popular names change) and the
family's background otherwise; family names are skewed like real life (many Smiths,
Khans and Patels, a long tail of rare names), which matters for term-frequency
adjustment in matching. The same tables say which spellings of a name are variants of
each other and what a child is called for short; recording errors use those.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from random import Random

from nicknames import NickNamer

from contactpoint.synth.sampling import Weighted, chance, reference

BACKGROUNDS = (
    "white_british",
    "black_caribbean",
    "black_african",
    "pakistani",
    "indian",
    "bangladeshi",
    "eastern_european",
    "arabic_somali",
    "chinese",
)

# Share of a background's children who have at least one middle name.
_MIDDLE_NAME_RATE = {
    "white_british": 0.78,
    "black_caribbean": 0.7,
    "black_african": 0.7,
    "pakistani": 0.5,
    "indian": 0.45,
    "bangladeshi": 0.4,
    "eastern_european": 0.2,
    "arabic_somali": 0.6,
    "chinese": 0.45,
}
# Sikh families: boys take Singh and girls Kaur as a middle name.
_SIKH_FAMILY_NAMES = frozenset(
    [
        "Singh",
        "Gill",
        "Sandhu",
        "Dhillon",
        "Johal",
        "Bains",
        "Mann",
        "Grewal",
        "Atwal",
        "Sidhu",
        "Virdi",
        "Bhogal",
        "Hayer",
        "Sahota",
    ]
)
# Gujarati families often give the father's first name as the child's middle name.
_GUJARATI_FAMILY_NAMES = frozenset(
    [
        "Patel",
        "Shah",
        "Mistry",
        "Mehta",
        "Parmar",
        "Chauhan",
        "Bhatt",
        "Desai",
        "Joshi",
        "Solanki",
        "Pandya",
        "Thakrar",
        "Lad",
    ]
)
_MUHAMMAD_FIRST = ("pakistani", "bangladeshi")
_ACCENT_FREE = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss"})


@cache
def strip_accents(value: str) -> str:
    """``Wójcik`` → ``Wojcik``, ``Zoë`` → ``Zoe``, ``Łucja`` → ``Lucja``."""
    if value.isascii():
        return value
    decomposed = unicodedata.normalize("NFKD", value.translate(_ACCENT_FREE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def masculine(family_name: str) -> str:
    """The base form of a Polish or Bulgarian family name: Kowalski, Ivanov."""
    for female, male in (("ska", "ski"), ("cka", "cki"), ("dzka", "dzki")):
        if family_name.endswith(female):
            return family_name[: -len(female)] + male
    if family_name.endswith(("ova", "eva")) and len(family_name) > 5:
        return family_name[:-1]
    return family_name


def feminine(family_name: str) -> str:
    """The form a girl or woman of a Polish or Bulgarian family carries: Kowalska, Ivanova."""
    for masculine, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if family_name.endswith(masculine):
            return family_name[: -len(masculine)] + female
    if family_name.endswith(("ov", "ev")) and len(family_name) > 4:
        return family_name + "a"
    return family_name


@dataclass(frozen=True, slots=True)
class _Pools:
    given: dict[tuple[str, str], Weighted[str]]
    middle: dict[tuple[str, str], Weighted[str]]
    parents: dict[tuple[str, str], Weighted[str]]
    family: dict[str, Weighted[str]]
    women: dict[str, Weighted[str]]
    women_only: frozenset[str]
    english_share: dict[str, float]
    english_bands: list[tuple[int, int, dict[str, Weighted[str]]]]


class NameBook:
    """Draws names for people of a background, sex and year of birth."""

    def __init__(self) -> None:
        self._pools = _build_pools()
        variants = reference("name_variants.json")
        self._variants: dict[str, list[str]] = {}
        for group in variants["variants"]:
            for name in group:
                self._variants[name.lower()] = [other for other in group if other != name]
        self._familiar: dict[str, list[str]] = variants["familiar"]
        self._twins: dict[str, list[list[str]]] = variants["twins"]
        self._nicknamer = NickNamer()
        self._familiar_cache: dict[str, list[str]] = {}

    # --- drawing names ------------------------------------------------------------

    def given(self, rng: Random, background: str, sex: str, year: int) -> str:
        """A first name for a child of this background, sex and year of birth."""
        sex = _binary(rng, sex)
        pools = self._pools
        if background == "white_british" or chance(rng, pools.english_share[background]):
            return self._english(year, sex).pick(rng)
        return pools.given[(background, sex)].pick(rng)

    def child_given_names(
        self,
        rng: Random,
        *,
        background: str,
        sex: str,
        year: int,
        family_name: str,
        father_given: str | None,
        taken: set[str],
        first: str | None = None,
    ) -> list[str]:
        """All of a child's given names, first one not already ``taken`` by a sibling."""
        if first is None:
            for _ in range(20):
                first = self.given(rng, background, sex, year)
                if first.lower() not in taken:
                    break
        assert first is not None
        names = [first]
        if background in _MUHAMMAD_FIRST and sex == "M" and chance(rng, 0.18):
            names.insert(0, "Muhammad" if chance(rng, 0.6) else "Mohammed")
            return names
        if family_name in _SIKH_FAMILY_NAMES and chance(rng, 0.8):
            names.append("Singh" if sex == "M" else "Kaur")
        elif (
            father_given
            and (background == "arabic_somali" or family_name in _GUJARATI_FAMILY_NAMES)
            and chance(rng, 0.55)
        ):
            names.append(father_given.split()[0])
        elif chance(rng, _MIDDLE_NAME_RATE[background]):
            middle = self.middle(rng, background, sex)
            if middle not in (first, family_name):
                names.append(middle)
            if background == "white_british" and chance(rng, 0.06):
                second = self.middle(rng, background, sex)
                if second not in names:
                    names.append(second)
        return names

    def middle(self, rng: Random, background: str, sex: str) -> str:
        return self._pools.middle[(background, _binary(rng, sex))].pick(rng)

    def twin(self, rng: Random, sibling: str, sibling_sex: str, sex: str) -> str | None:
        """A name like the twin's (Amelia/Emily, Jack/Jake, Taiwo/Kehinde), if one is known."""
        if sex == sibling_sex and sex in ("M", "F"):
            pairs = self._twins[sex]
            swap = False
        else:
            pairs = self._twins["MF"]
            swap = sibling_sex != "M"
        for pair in pairs:
            mine, theirs = (pair[0], pair[1]) if swap else (pair[1], pair[0])
            if theirs == sibling:
                return mine
            if sex == sibling_sex and mine == sibling:
                return theirs
        return None

    def parent_given(self, rng: Random, background: str, sex: str) -> str:
        return self._pools.parents[(background, _binary(rng, sex))].pick(rng)

    def family(self, rng: Random, background: str) -> str:
        return self._pools.family[background].pick(rng)

    def is_womans_name(self, family_name: str) -> bool:
        """Begum, Bibi, Kaur: carried by women only, never passed to a child."""
        return family_name in self._pools.women_only

    def own_family_name_of_woman(self, rng: Random, background: str) -> str:
        """A mother's own family name: Begum, Bibi, Kaur where that is the custom."""
        women = self._pools.women.get(background)
        if women is not None and chance(rng, 0.5):
            return women.pick(rng)
        return self.family(rng, background)

    def most_common_given(self, background: str, sex: str, year: int, count: int) -> list[str]:
        """The ``count`` commonest first names for a boy or girl of this background and year."""
        english = background in ("white_british", "black_caribbean")
        pool = self._english(year, sex) if english else self._pools.given[(background, sex)]
        return pool.top(count)

    def most_common_family(self, background: str, count: int) -> list[str]:
        """The ``count`` commonest family names of a background: Smith, Jones … or Khan …"""
        return self._pools.family[background].top(count)

    # --- how names vary -----------------------------------------------------------

    def variants_of(self, name: str) -> list[str]:
        """Other spellings of the same name: Muhammad for Mohammed, Aleksander for Alexander."""
        return self._variants.get(name.lower(), [])

    def familiar_forms_of(self, name: str) -> list[str]:
        """What a child called ``name`` may be called instead: Ollie for Oliver."""
        forms = self._familiar_cache.get(name)
        if forms is None:
            known = self._familiar.get(name.lower())
            forms = list(known) if known else _package_nicknames(self._nicknamer, name)
            self._familiar_cache[name] = forms
        return forms

    def _english(self, year: int, sex: str) -> Weighted[str]:
        for first, last, pools in self._pools.english_bands:
            if first <= year <= last:
                return pools[sex]
        bands = self._pools.english_bands
        return (bands[0] if year < bands[0][0] else bands[-1])[2][sex]


def _binary(rng: Random, sex: str) -> str:
    """Names are drawn from the boys' or girls' list; a child of unspecified sex gets either."""
    if sex in ("M", "F"):
        return sex
    return "M" if chance(rng, 0.5) else "F"


def _package_nicknames(nicknamer: NickNamer, name: str) -> list[str]:
    """The nicknames package, kept to forms that begin like the name (drops Erin for Aaron)."""
    found = sorted(nicknamer.nicknames_of(name))
    return [n.title() for n in found if len(n) >= 3 and n[0] == name[0].lower()]


@cache
def _build_pools() -> _Pools:
    # Faker's tables are read only when a population is generated (the service's
    # other commands start without it).
    from faker.providers.person.en_GB import Provider as EnglishPeople

    given_data = reference("given_names.json")
    family_data = reference("family_names.json")
    english_tail = {
        "M": [n for n in EnglishPeople.first_names_male if n.isalpha()],
        "F": [n for n in EnglishPeople.first_names_female if n.isalpha()],
    }
    bands = []
    for band in given_data["english_bands"]:
        pools = {}
        for sex in ("M", "F"):
            top = band[sex]
            tail = [n for n in english_tail[sex] if n not in top]
            weights = [1 / rank**0.7 for rank in range(1, len(top) + 1)]
            tail_weight = weights[-1] * 0.35
            pools[sex] = Weighted(top + tail, weights + [tail_weight] * len(tail))
        bands.append((band["from"], band["to"], pools))

    given: dict[tuple[str, str], Weighted[str]] = {}
    middle: dict[tuple[str, str], Weighted[str]] = {}
    parents: dict[tuple[str, str], Weighted[str]] = {}
    english_share = {"white_british": 1.0}
    for sex in ("M", "F"):
        middle[("white_british", sex)] = Weighted.zipf(given_data["english_middle"][sex], 0.6)
        parents[("white_british", sex)] = Weighted.zipf(english_tail[sex], 0.5)
    for background, data in given_data["backgrounds"].items():
        english_share[background] = data.get("english_share", 0.08)
        for sex in ("M", "F"):
            given[(background, sex)] = Weighted.zipf(data[sex], 0.7)
            middle[(background, sex)] = Weighted.zipf(data[f"middle_{sex}"], 0.5)
            parents[(background, sex)] = Weighted.zipf(data[f"parents_{sex}"], 0.5)

    white_british = _white_british_family_names(family_data["not_white_british"])
    tails = _family_name_tails(white_british.items)
    family = {"white_british": white_british}
    for background, names in family_data["backgrounds"].items():
        exponent, top_share, tail = tails[background]
        family[background] = _with_tail(names, exponent, top_share, tail)
    women = {
        background: Weighted.zipf(names, 0.8) for background, names in family_data["women"].items()
    }
    women_only = frozenset(
        name
        for names in family_data["women"].values()
        for name in names
        if name not in {n for pool in family_data["backgrounds"].values() for n in pool}
    )
    return _Pools(given, middle, parents, family, women, women_only, english_share, bands)


def _family_name_tails(british: list[str]) -> dict[str, tuple[float, float, list[str]]]:
    """Per background: Zipf exponent of the listed names, their share, and a long tail.

    Khan, Patel and Begum dominate their communities; Polish and Nigerian family names
    are far more diverse, so most of those come from a long tail.
    """
    from faker.providers.person.en_IN import Provider as IndianPeople
    from faker.providers.person.pl_PL import Provider as PolishPeople
    from faker.providers.person.ro_RO import Provider as RomanianPeople
    from faker.providers.person.tw_GH import Provider as GhanaianPeople
    from faker.providers.person.yo_NG import Provider as YorubaPeople
    from faker.providers.person.zh_TW import Provider as ChinesePeople

    polish = [*PolishPeople.male_last_names, *PolishPeople.unisex_last_names]
    return {
        "pakistani": (0.8, 1.0, []),
        "bangladeshi": (0.8, 1.0, []),
        "arabic_somali": (0.7, 1.0, []),
        "indian": (0.9, 0.8, list(IndianPeople.last_names)),
        "black_african": (0.5, 0.5, [*YorubaPeople.last_names, *GhanaianPeople.last_names_male]),
        "black_caribbean": (0.6, 0.7, british[:400]),
        "eastern_european": (0.5, 0.35, [*polish, *RomanianPeople.last_names]),
        "chinese": (0.8, 0.85, [n.title() for n in ChinesePeople.last_romanized_names]),
    }


def _with_tail(top: list[str], exponent: float, top_share: float, tail: list[str]) -> Weighted[str]:
    listed = set(top)
    rest = [name for name in dict.fromkeys(tail) if name not in listed]
    weights = [1 / rank**exponent for rank in range(1, len(top) + 1)]
    if not rest or top_share >= 1:
        return Weighted(top, weights)
    scale = top_share / sum(weights)
    rest_weight = (1 - top_share) / len(rest)
    return Weighted(top + rest, [w * scale for w in weights] + [rest_weight] * len(rest))


def _white_british_family_names(exclude: list[str]) -> Weighted[str]:
    """Faker's en_GB frequency table (Smith 1.15 %, Jones 0.94 % …) plus a long tail.

    The table covers about 40 % of people; the rest are spread thinly over other
    British and Irish names, as the real long tail is.
    """
    from faker.providers.person.en_GB import Provider as EnglishPeople
    from faker.providers.person.en_IE import Provider as IrishPeople

    skip = set(exclude)
    table = [
        (name, weight) for name, weight in EnglishPeople.last_names.items() if name not in skip
    ]
    known = {name for name, _ in table}
    tail = []
    for name in IrishPeople.last_names:
        if name not in known and name.replace("'", "").isalpha():
            known.add(name)
            tail.append(name)
    covered = sum(weight for _, weight in table)
    tail_weight = (100 - covered) * 0.6 / len(tail)
    names = [name for name, _ in table] + tail
    weights = [weight for _, weight in table] + [tail_weight] * len(tail)
    return Weighted(names, weights)
