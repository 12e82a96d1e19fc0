"""The children's-services file of changes that ``bench/signposting.py`` loads: rows
already held, changed as a later delivery would change them, and new rows for children
of the index, in the feed's own format (docs/feeds.md). Names, addresses and
practitioners are the synthetic generator's; nothing is real.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from signposting_world import SOURCE, Known, World
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.kinds.children import IdentifierScheme
from contactpoint.synth import HEADERS
from contactpoint.tables.children import Carer, ChildIdentifier, SourceRecord


def changes_file(
    session: Session, world: World, path: Path, rows: int, seed: int
) -> dict[str, int]:
    """A children's-services file of ``rows`` changes: two in five rows already held,
    changed; the rest new rows for children of the index. Returns counts by kind."""
    rng = random.Random(f"{seed}:bench-signposting-changes")
    held = session.execute(
        select(SourceRecord.record_id, SourceRecord.child_id, SourceRecord.payload)
        .where(SourceRecord.source == SOURCE)
        .order_by(SourceRecord.id)
    ).all()
    counts: dict[str, int] = defaultdict(int)
    out: list[dict[str, Any]] = []
    for _record_id, _child_id, payload in held[: round(rows * 0.4)]:
        out.append(_changed(dict(payload), world, rng, counts))
    with_cs = {child_id for _r, child_id, _p in held}
    record_ids = {r for r, _c, _p in held}
    la_ids = {str(p.get("la_child_id")) for _r, _c, p in held}
    candidates = [c for c in world.flagged + world.others if c.id not in with_cs]
    # Half of the new rows are about children others are working with already.
    involved = [c for c in candidates if c.id in world.involved]
    fresh = rng.sample(involved, min(len(involved), (rows - len(out)) // 2))
    taken = {c.id for c in fresh}
    rest = [c for c in candidates if c.id not in taken]
    fresh += rng.sample(rest, rows - len(out) - len(fresh))
    identifiers = _identifiers(session, [c.id for c in fresh])
    carers = _carers(session, [c.id for c in fresh])
    for child in fresh:
        out.append(
            _new(
                child,
                world,
                rng,
                identifiers.get(child.id, {}),
                carers.get(child.id),
                record_ids,
                la_ids,
                counts,
            )
        )
    rng.shuffle(out)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, HEADERS[SOURCE])
        writer.writeheader()
        writer.writerows(out)
    return dict(counts)


def _changed(
    row: dict[str, Any], world: World, rng: random.Random, counts: dict[str, int]
) -> dict[str, Any]:
    day = world.today - timedelta(days=rng.randint(0, 20))
    draw = rng.random()
    if row.get("cp_plan_start") and not row.get("cp_plan_end") and draw < 0.3:
        row["cp_plan_end"] = str(max(day, date.fromisoformat(row["cp_plan_start"])))
        counts["changed: plan ended"] += 1
    elif not row.get("cp_plan_start") and draw < 0.25:
        row["cp_plan_start"] = str(day)
        counts["changed: plan started"] += 1
    elif draw < 0.6 and row.get("service_type"):
        pool = world.practitioners.get((row["la_code"], row["service_type"]), [])
        person = rng.choice(pool) if pool else None
        if person is None or person.email == row.get("practitioner_email"):
            row["practitioner_role"] = f"Senior {row.get('practitioner_role') or 'Practitioner'}"[
                :200
            ]
        else:
            row.update(
                practitioner_name=person.name,
                practitioner_role=person.role,
                practitioner_email=person.email,
                practitioner_phone=person.phone,
                involvement_start=str(day),
            )
        counts["changed: another practitioner"] += 1
    else:
        row["lead_professional"] = "N" if row.get("lead_professional") == "Y" else "Y"
        counts["changed: lead professional"] += 1
    return row


def _new(
    child: Known,
    world: World,
    rng: random.Random,
    ids: dict[IdentifierScheme, str],
    carer: tuple[str, str, str] | None,
    record_ids: set[str],
    la_ids: set[str],
    counts: dict[str, int],
) -> dict[str, Any]:
    authority = world.authorities.get(child.la_code) or next(iter(world.authorities.values()))
    while (record_id := f"{authority.dfe}-{rng.randint(10**7, 10**8 - 1)}") in record_ids:
        pass
    record_ids.add(record_id)
    while (la_id := str(rng.randint(100000, 9999999))) in la_ids:
        pass
    la_ids.add(la_id)
    service = rng.choice(
        (
            "social care",
            "early help",
            "early help",
            "youth justice",
            "children with disabilities",
            "health visiting",
        )
    )
    person = rng.choice(world.practitioners[(authority.gss, service)])
    start = world.today - timedelta(days=rng.randint(0, 400))
    draw = rng.random()
    plan = str(start) if draw < 0.12 else ""
    looked_after = str(start) if 0.12 <= draw < 0.2 else ""
    counts["new: with a plan" if plan else "new: looked after" if looked_after else "new"] += 1
    given, family, relationship = carer or ("", "", "")
    return {
        "record_id": record_id,
        "la_code": authority.gss,
        "la_child_id": la_id,
        "given_names": child.given_names,
        "family_name": child.family_name,
        "date_of_birth": str(child.date_of_birth),
        "gender": child.gender,
        "nhs_number": ids.get(IdentifierScheme.NHS_NUMBER, ""),
        "upn": ids.get(IdentifierScheme.UPN, ""),
        "address": child.address,
        "postcode": child.postcode,
        "carer_given_names": given,
        "carer_family_name": family,
        "carer_relationship": relationship,
        "service_type": service,
        "organisation": person.organisation,
        "practitioner_name": person.name,
        "practitioner_role": person.role,
        "practitioner_email": person.email,
        "practitioner_phone": person.phone,
        "involvement_start": str(start),
        "lead_professional": "Y" if rng.random() < 0.3 else "N",
        "early_help_assessment": "Y" if service == "early help" and rng.random() < 0.7 else "N",
        "cp_plan_start": plan,
        "cp_plan_end": "",
        "looked_after_start": looked_after,
        "looked_after_end": "",
    }


def _identifiers(session: Session, child_ids: list[int]) -> dict[int, dict[IdentifierScheme, str]]:
    found: dict[int, dict[IdentifierScheme, str]] = defaultdict(dict)
    for child_id, scheme, value in session.execute(
        select(ChildIdentifier.child_id, ChildIdentifier.scheme, ChildIdentifier.value).where(
            ChildIdentifier.child_id.in_(child_ids),
            ChildIdentifier.scheme.in_((IdentifierScheme.NHS_NUMBER, IdentifierScheme.UPN)),
        )
    ):
        found[child_id].setdefault(scheme, value)
    return found


def _carers(session: Session, child_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    found: dict[int, tuple[str, str, str]] = {}
    for child_id, given, family, relationship in session.execute(
        select(Carer.child_id, Carer.given_names, Carer.family_name, Carer.relationship)
        .where(Carer.child_id.in_(child_ids), Carer.given_names.is_not(None))
        .order_by(Carer.id)
    ):
        found.setdefault(child_id, (given or "", family or "", relationship or "mother"))
    return found
