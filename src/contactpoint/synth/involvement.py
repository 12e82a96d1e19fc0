"""Children known to local authority children's services.

About 4 % of children: 0.7 % looked after (most living with foster carers, some placed
in another authority), 0.5 % on a child protection plan, and the rest with early help,
youth justice, CAMHS, the disabled children's team or health visiting. Brothers and
sisters are often on plans or in care together. A few unborn children on a pre-birth
plan are known through their mother.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from contactpoint.synth.geography import Geography
from contactpoint.synth.names import NameBook
from contactpoint.synth.population import Child, Family, Involvement, Person, Residence, Unborn
from contactpoint.synth.sampling import chance, day_between, unique_number
from contactpoint.synth.services import Services

LOOKED_AFTER = 0.007
CHILD_PROTECTION = 0.005
OTHER_SERVICES = {
    "early help": 0.014,
    "youth justice": 0.0035,
    "CAMHS": 0.003,
    "children with disabilities": 0.005,
    "health visiting": 0.0025,
}
UNBORN_PER_CHILD = 0.0002
PLACED_OUT_OF_AREA = 0.4


class _Register:
    """Involves children one at a time, giving each a child id in its authority."""

    def __init__(
        self, rng: Random, names: NameBook, services: Services, geography: Geography, as_of: date
    ) -> None:
        self.rng, self.names, self.services = rng, names, services
        self.geography, self.as_of = geography, as_of
        self._ids: dict[str, set[int]] = {}

    def child_id(self, gss: str) -> str:
        return str(unique_number(self.rng, self._ids.setdefault(gss, set()), 100000, 9999999))

    def involve(self, family: Family, service: str, start: date) -> Involvement:
        rng = self.rng
        authority = family.address_on(self.as_of).authority
        practitioner = rng.choice(self.services.practitioners[(authority.gss, service)])
        carer, relationship = _carer(rng, self.names, family)
        early_help = service == "early help"
        return Involvement(
            authority=authority,
            la_child_id=self.child_id(authority.gss),
            service=service,
            practitioner=practitioner,
            start=start,
            lead_professional=chance(rng, 0.6 if early_help else 0.3),
            early_help_assessment=chance(rng, 0.7 if early_help else 0.1),
            carer=carer,
            carer_relationship=relationship,
        )

    def looked_after(self, child: Child) -> None:
        rng, as_of = self.rng, self.as_of
        start = day_between(rng, max(child.date_of_birth, as_of - timedelta(days=1800)), as_of)
        involvement = self.involve(child.family, "social care", start)
        involvement.lead_professional = True
        end = None
        if chance(rng, 0.15) and start + timedelta(days=30) < as_of:
            end = day_between(rng, start + timedelta(days=30), as_of - timedelta(days=1))
        else:
            carer = Person(
                self.names.parent_given(rng, "white_british", "F"),
                self.names.family(rng, "white_british"),
                "F",
            )
            involvement.carer, involvement.carer_relationship = carer, "foster carer"
            home = involvement.authority
            if chance(rng, PLACED_OUT_OF_AREA):
                home = self.geography.other_authority(rng, home)
            child.placements.append(Residence(start, self.geography.address(rng, home)))
        involvement.looked_after = (start, end)
        child.involvement = involvement

    def protected(self, child: Child) -> None:
        rng, as_of = self.rng, self.as_of
        start = day_between(rng, max(child.date_of_birth, as_of - timedelta(days=730)), as_of)
        involvement = self.involve(child.family, "social care", start)
        involvement.lead_professional = chance(rng, 0.9)
        involvement.early_help_assessment = chance(rng, 0.3)
        end = None
        if chance(rng, 0.2) and start + timedelta(days=90) < as_of:
            end = day_between(rng, start + timedelta(days=90), as_of - timedelta(days=1))
        involvement.cp_plan = (start, end)
        child.involvement = involvement

    def supported(self, child: Child, service: str) -> None:
        rng, as_of = self.rng, self.as_of
        start = day_between(rng, max(child.date_of_birth, as_of - timedelta(days=1100)), as_of)
        child.involvement = self.involve(child.family, service, start)


def involve(
    rng: Random,
    names: NameBook,
    people: list[Child],
    families: list[Family],
    services: Services,
    geography: Geography,
    as_of: date,
) -> list[Unborn]:
    """Decide who is known to children's services; return the unborn children known."""
    register = _Register(rng, names, services, geography, as_of)
    living = [c for c in people if c.alive_on(as_of) and c.in_england_on(as_of)]
    if not living:
        return []
    total = len(people)
    _select(register, living, "looked after", total * LOOKED_AFTER, siblings=0.5)
    _select(register, living, "child protection", total * CHILD_PROTECTION, siblings=0.7)
    for service, rate in OTHER_SERVICES.items():
        _select(register, living, service, total * rate, siblings=0.2)
    return _unborn(rng, register, families, total, as_of)


def _suits(kind: str, age: int) -> float:
    """How likely a child of ``age`` is to be one chosen for ``kind`` of involvement."""
    if kind == "looked after":
        return 0.5 + age / 34  # more teenagers than babies
    if kind == "child protection":
        return 1 - age / 30  # more young children
    if kind == "youth justice":
        return 1.0 if age >= 10 else 0.0
    if kind == "health visiting":
        return 1.0 if age < 5 else 0.0
    if kind == "CAMHS":
        return 1.0 if age >= 5 else 0.0
    return 1.0


def _select(
    register: _Register, living: list[Child], kind: str, target: float, *, siblings: float
) -> None:
    """Involve about ``target`` children, with brothers and sisters now and then."""
    rng, as_of = register.rng, register.as_of

    def suits(child: Child) -> float:
        if child.involvement is not None:
            return 0.0
        if not (child.alive_on(as_of) and child.in_england_on(as_of)):
            return 0.0
        return _suits(kind, (as_of - child.date_of_birth).days // 365)

    def make(child: Child) -> None:
        if kind == "looked after":
            register.looked_after(child)
        elif kind == "child protection":
            register.protected(child)
        else:
            register.supported(child, kind)

    wanted = round(target)
    done = 0
    for _ in range(wanted * 40 + 10):
        if done >= wanted:
            return
        child = rng.choice(living)
        if not chance(rng, suits(child)):
            continue
        make(child)
        done += 1
        for sibling in child.family.children:
            if done < wanted and suits(sibling) > 0 and chance(rng, siblings):
                make(sibling)
                done += 1


def _carer(rng: Random, names: NameBook, family: Family) -> tuple[Person, str]:
    if family.lone_father and family.father is not None:
        return family.father, "father"
    if chance(rng, 0.04):
        grandmother = Person(
            names.parent_given(rng, "white_british", "F"),
            family.mother.maiden_name or family.mother.family_name,
            "F",
        )
        return grandmother, "grandparent"
    return family.mother, "mother"


def _unborn(
    rng: Random, register: _Register, families: list[Family], total: int, as_of: date
) -> list[Unborn]:
    known = [f for f in families if any(c.involvement is not None for c in f.children)]
    at_home = [f for f in families if f.left_england is None and f.arrived is None]
    unborn: list[Unborn] = []
    chosen: set[int] = set()
    for number in range(1, max(1, round(total * UNBORN_PER_CHILD)) + 1):
        pool = known if known and chance(rng, 0.7) else at_home or families
        family = rng.choice(pool)
        if family.key in chosen:
            continue
        chosen.add(family.key)
        start = as_of - timedelta(days=rng.randint(7, 150))
        involvement = register.involve(family, "social care", start)
        involvement.carer, involvement.carer_relationship = family.mother, "mother"
        if chance(rng, 0.6):
            involvement.cp_plan = (start, None)  # a pre-birth child protection plan
        given = rng.choice(("Baby", "Baby", "Baby", "Unborn", "Unborn Baby"))
        unborn.append(Unborn(f"U{number:07d}", family, given, involvement))
    return unborn
