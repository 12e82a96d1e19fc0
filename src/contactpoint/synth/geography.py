"""Where the synthetic population lives: local authorities, streets and postcodes.

Twenty-seven real English authorities with their ONS GSS codes, DfE LA numbers and real
postcode districts. Each authority gets streets drawn once per run; a street lies in one
postcode district and sector and its houses share a handful of postcode units, so
neighbours share a postcode as they do in life (which matters to blocking on postcode).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from contactpoint.synth.sampling import Weighted, chance, reference

INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

_STREET_TYPES = Weighted(
    [
        "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Grove",
        "Gardens", "Terrace", "Place", "Court", "Walk", "Mews", "Rise", "View", "Green",
    ],
    [25, 20, 10, 8, 8, 7, 5, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1],
)  # fmt: skip
_STREET_WORDS = [
    "Oak",
    "Elm",
    "Ash",
    "Beech",
    "Birch",
    "Willow",
    "Cedar",
    "Hawthorn",
    "Holly",
    "Rowan",
    "Chestnut",
    "Maple",
    "Laburnum",
    "Lime",
    "Victoria",
    "Albert",
    "Alexandra",
    "Queen's",
    "King's",
    "Windsor",
    "York",
    "Stanley",
    "Richmond",
    "Grosvenor",
    "Clarence",
    "Church",
    "Chapel",
    "Mill",
    "School",
    "Station",
    "Park",
    "Manor",
    "Grange",
    "Castle",
    "Bridge",
    "Meadow",
    "Orchard",
    "Springfield",
    "Fairfield",
    "Highfield",
    "Westfield",
    "Brookfield",
    "Woodland",
    "Hillside",
    "Riverside",
    "Valley",
    "Moor",
    "Heath",
    "Farm",
    "North",
    "South",
    "East",
    "West",
    "New",
    "Main",
    "Market",
    "Union",
    "Cross",
    "Wellington",
    "Nelson",
    "Trafalgar",
    "Jubilee",
    "Coronation",
    "Carlton",
    "Melbourne",
    "Beaconsfield",
    "Balmoral",
    "Sandringham",
    "Kensington",
    "Belmont",
    "Ashfield",
]
_ALWAYS = (
    "High Street", "Church Lane", "Station Road", "Victoria Road", "Park Road", "Mill Lane",
    "School Lane", "Green Lane", "Manor Road", "Church Street", "London Road", "The Crescent",
    "The Avenue", "The Green", "Chapel Street", "Queen Street", "King Street", "New Road",
)  # fmt: skip


@dataclass(frozen=True, eq=False, slots=True)
class LocalAuthority:
    """An English local authority and what the generator needs to know about it."""

    gss: str
    name: str
    council: str
    post_town: str | None
    dfe: int
    weight: float
    domain: str
    phone_area: str
    gp_prefix: str
    gro_districts: tuple[str, ...]
    hospitals: tuple[str, ...]
    mix: Weighted[str]
    districts: tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False, slots=True)
class Street:
    name: str
    outward: str
    locality: str
    sector: int
    units: tuple[str, ...]
    houses: int


@dataclass(frozen=True, eq=False, slots=True)
class Address:
    """A home address; ``lines`` is what a source writes, joined by ``", "``."""

    premises: str
    street: str
    locality: str
    town: str
    postcode: str
    authority: LocalAuthority

    @property
    def lines(self) -> list[str]:
        lines = [f"{self.premises} {self.street}"]
        if self.locality != self.town:
            lines.append(self.locality)
        lines.append(self.town)
        return lines

    @property
    def text(self) -> str:
        return ", ".join(self.lines)


@dataclass(slots=True)
class Geography:
    """The authorities and, once ``lay_out_streets`` has run, their streets."""

    authorities: list[LocalAuthority]
    by_weight: Weighted[LocalAuthority]
    streets: dict[str, list[Street]] = field(default_factory=dict)

    def other_authority(self, rng: Random, current: LocalAuthority) -> LocalAuthority:
        """Where a family moving out of ``current`` goes (weighted by population)."""
        while True:
            candidate = self.by_weight.pick(rng)
            if candidate is not current:
                return candidate

    def address(self, rng: Random, authority: LocalAuthority) -> Address:
        """A home in ``authority``: a house, or now and then a flat."""
        street = rng.choice(self.streets[authority.gss])
        number = rng.randint(1, street.houses)
        unit = street.units[(number - 1) // 24 % len(street.units)]
        premises = str(number)
        if chance(rng, 0.14):
            premises = f"Flat {rng.randint(1, 12)}, {number}"
        town = authority.post_town or street.locality
        postcode = f"{street.outward} {street.sector}{unit}"
        return Address(premises, street.name, street.locality, town, postcode, authority)


def load_geography() -> Geography:
    """The reference table of authorities, without streets."""
    authorities = []
    for item in reference("local_authorities.json")["authorities"]:
        mix = item["mix"]
        authorities.append(
            LocalAuthority(
                gss=item["gss"],
                name=item["name"],
                council=item["council"],
                post_town=item["post_town"],
                dfe=item["dfe"],
                weight=item["weight"],
                domain=item["domain"],
                phone_area=item["phone_area"],
                gp_prefix=item["gp_prefix"],
                gro_districts=tuple(item["gro_districts"]),
                hospitals=tuple(item["hospitals"]),
                mix=Weighted(list(mix), list(mix.values())),
                districts=tuple(item["districts"].items()),
            )
        )
    by_weight = Weighted(authorities, [a.weight for a in authorities])
    return Geography(authorities, by_weight)


def lay_out_streets(rng: Random, geography: Geography, children: int) -> None:
    """Give each authority enough streets for its share of ``children``."""
    from faker.providers.person.en_GB import Provider as EnglishPeople

    total = sum(a.weight for a in geography.authorities)
    by_frequency = sorted(EnglishPeople.last_names.items(), key=lambda item: -item[1])
    words = [*_STREET_WORDS, *(name for name, _ in by_frequency[:150] if name.isalpha())]
    for authority in geography.authorities:
        families = children * authority.weight / total / 1.8
        count = max(25, int(families / 5))
        streets: list[Street] = []
        used: set[tuple[str, str]] = set()
        while len(streets) < count:
            outward, locality = rng.choice(authority.districts)
            if chance(rng, 0.08):
                name = rng.choice(_ALWAYS)
            else:
                name = f"{rng.choice(words)} {_STREET_TYPES.pick(rng)}"
            if (name, outward) in used:
                continue
            used.add((name, outward))
            houses = rng.choice((12, 24, 40, 60, 90, 140))
            units = tuple(
                rng.choice(INWARD_LETTERS) + rng.choice(INWARD_LETTERS)
                for _ in range(max(1, houses // 24))
            )
            streets.append(Street(name, outward, locality, rng.randint(0, 9), units, houses))
        geography.streets[authority.gss] = streets
