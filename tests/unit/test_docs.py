"""Docs are checked like code: every setting and every source format is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactpoint.feeds.sources import SOURCES
from contactpoint.settings import Settings

DOCS = Path(__file__).parent.parent.parent / "docs"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`CONTACTPOINT_{name.upper()}`" in (DOCS / "configuration.md").read_text()


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_column_of_every_source_is_documented(source: str) -> None:
    text = (DOCS / "feeds.md").read_text()
    section = text.split(f"## {source} ")[1].split("\n## ")[0]
    for column in SOURCES[source].columns:
        marker = f"| {column.name} | {'yes' if column.required else ''}"
        assert marker in section, f"{source}: column {column.name} (required={column.required})"
