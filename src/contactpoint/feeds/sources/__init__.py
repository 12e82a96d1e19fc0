"""The sources the index accepts, one module each, registered by name."""

from __future__ import annotations

from contactpoint.errors import UnknownSource
from contactpoint.feeds.sources import (
    dwp_child_benefit,
    gro_births,
    gro_deaths,
    la_childrens_services,
    local,
    nhs_demographics,
    school_census,
)
from contactpoint.feeds.sources.base import Source

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        gro_births.SOURCE,
        gro_deaths.SOURCE,
        dwp_child_benefit.SOURCE,
        nhs_demographics.SOURCE,
        school_census.SOURCE,
        la_childrens_services.SOURCE,
        local.SOURCE,
    )
}


def get_source(name: str) -> Source:
    """The source called ``name``, or ``UnknownSource`` listing the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownSource(f"unknown source '{name}': use one of {', '.join(SOURCES)}") from None


__all__ = ["SOURCES", "Source", "get_source"]
