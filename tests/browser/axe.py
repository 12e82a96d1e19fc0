"""Accessibility checks with axe-core, the npm package ``make install`` puts in node_modules.

``assert_accessible(page)`` runs axe on the page as it stands, against WCAG 2.0, 2.1 and
2.2 at levels A and AA, and fails with one readable line per problem; then it checks the
page reflows at 320 CSS pixels wide (WCAG 1.4.10): nothing but a table's own scrolling
region may make the page scroll sideways.

axe is evaluated through Playwright rather than added as a ``<script>`` element: the
service's Content-Security-Policy allows only scripts from the service and the one with
the page's nonce, so Chromium refuses an injected inline script. Evaluation from the test
driver is not subject to the page's policy, so the tests need no ``bypass_csp`` and the
policy stays in force for everything the page itself runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AND_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@cache
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        raise FileNotFoundError(f"{AXE_SCRIPT} is missing: run 'make install'")
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """What axe finds against WCAG 2.0, 2.1 and 2.2 A and AA on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_A_AND_AA
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per rule broken (id, impact, what it asks, help address), then one line per
    element: its selector (``>>`` steps into a frame or shadow root) and the start of its HTML."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " >> ".join(str(part) for part in node["target"])
            lines.append(f"    {target}    {node['html'][:100]}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail if axe finds any WCAG 2.0, 2.1 or 2.2 A or AA violation on the page, or if
    the page does not reflow at 320 CSS pixels."""
    violations = axe_violations(page)
    assert not violations, f"axe found accessibility problems on {page.url}:\n" + describe(
        violations
    )
    assert_reflows(page)


REFLOW_WIDTH = 320


def assert_reflows(page: Page) -> None:
    """At 320 CSS pixels wide the page must not scroll sideways (WCAG 1.4.10); the
    viewport is put back as it was."""
    before = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 900})
    try:
        # What sticks out, to say where to look: boxes past the edge, and boxes whose
        # content is wider than they are (a long word, a label that does not wrap).
        wide: list[str] = page.evaluate(
            """width => [...document.querySelectorAll('main *')]
                .filter(e => !e.closest('.cp-table-scroll'))
                .filter(e => e.getBoundingClientRect().right > width + 1
                             || e.scrollWidth > e.clientWidth + 1)
                .slice(0, 8)
                .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`
                          + ` (${e.scrollWidth}px: `
                          + `${(e.textContent || '').trim().slice(0, 30)})`)""",
            REFLOW_WIDTH,
        )
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        if before:
            page.set_viewport_size(before)
    assert width <= REFLOW_WIDTH, (
        f"{page.url} scrolls sideways at {REFLOW_WIDTH}px ({width}px wide): {wide}"
    )
