"""Queries of signposting: flags and involvements of many children at once, and each
child's brothers and sisters. Never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from contactpoint import bulk
from contactpoint.access.state import consent_covers, consents_of
from contactpoint.kinds.children import ChildStatus
from contactpoint.settings import get_settings
from contactpoint.tables.children import Carer, Child
from contactpoint.tables.signposting import Involvement, VulnerabilityFlag


def active_on(flag: VulnerabilityFlag, today: date) -> bool:
    return flag.started_on <= today and (flag.ended_on is None or flag.ended_on >= today)


def visible_on(flag: VulnerabilityFlag, today: date) -> bool:
    """Active, or ended no longer ago than ``flag_visible_days``."""
    if flag.started_on > today:
        return False
    keep = timedelta(days=get_settings().flag_visible_days)
    return flag.ended_on is None or flag.ended_on + keep >= today


def flags_of(session: Session, child_ids: Collection[int]) -> dict[int, list[VulnerabilityFlag]]:
    """Every flag of each child, latest start first."""
    found: dict[int, list[VulnerabilityFlag]] = defaultdict(list)
    ids = sorted(set(child_ids))
    for part in bulk.parts(session, ids):
        for flag in session.scalars(
            select(VulnerabilityFlag)
            .where(bulk.among(session, VulnerabilityFlag.child_id, part))
            .order_by(VulnerabilityFlag.started_on.desc(), VulnerabilityFlag.id)
        ):
            assert flag.child_id is not None
            found[flag.child_id].append(flag)
    return found


def flagged_children(
    session: Session, child_ids: Iterable[int], today: date
) -> dict[int, list[VulnerabilityFlag]]:
    """The children among ``child_ids`` with an active flag, and those flags."""
    return {
        child_id: active
        for child_id, flags in flags_of(session, list(child_ids)).items()
        if (active := [f for f in flags if active_on(f, today)])
    }


def involvements_of(session: Session, child_ids: Collection[int]) -> dict[int, list[Involvement]]:
    """Every involvement held for each child (active and past), earliest start first."""
    found: dict[int, list[Involvement]] = defaultdict(list)
    for part in bulk.parts(session, sorted(set(child_ids))):
        for involvement in session.scalars(
            select(Involvement)
            .where(bulk.among(session, Involvement.child_id, part))
            .order_by(Involvement.started_on, Involvement.id)
        ):
            found[involvement.child_id].append(involvement)
    return found


def is_active(involvement: Involvement, today: date) -> bool:
    return involvement.ended_on is None and involvement.active_until >= today


def is_visible(involvement: Involvement, today: date) -> bool:
    """Active, or ended but still visible as a past involvement."""
    return is_active(involvement, today) or (
        involvement.visible_until is not None and involvement.visible_until >= today
    )


def siblings(session: Session, child_ids: Collection[int]) -> dict[int, set[int]]:
    """Each child's brothers and sisters in the index: other living children with a
    parent or carer of the same name at the same postcode."""
    mine, theirs = aliased(Carer), aliased(Carer)
    found: dict[int, set[int]] = defaultdict(set)
    for part in bulk.parts(session, sorted(set(child_ids))):
        rows = session.execute(
            select(mine.child_id, theirs.child_id)
            .join(
                theirs,
                and_(
                    theirs.family_name == mine.family_name,
                    theirs.given_names == mine.given_names,
                    theirs.postcode == mine.postcode,
                    theirs.child_id != mine.child_id,
                ),
            )
            .join(Child, Child.id == theirs.child_id)
            .where(
                bulk.among(session, mine.child_id, part),
                mine.family_name.is_not(None),
                mine.given_names.is_not(None),
                mine.postcode.is_not(None),
                Child.status == ChildStatus.ACTIVE,
            )
            .distinct()
        )
        for child_id, sibling_id in rows:
            found[child_id].add(sibling_id)
    return found


def shareable(session: Session, held: Mapping[int, Sequence[Involvement]]) -> set[int]:
    """The involvements others may be told of: every one that is not a sensitive
    service, and sensitive ones whose sharing the child's recorded consent covers."""
    ok: set[int] = set()
    for child_id, found in held.items():
        consents: set[str] | None = None
        for involvement in found:
            if not involvement.sensitive:
                ok.add(involvement.id)
                continue
            if consents is None:
                consents = consents_of(session, child_id)
            if consent_covers(involvement.service_type, consents):
                ok.add(involvement.id)
    return ok
