"""Charts drawn on the server as inline SVG: they need no JavaScript and no library.

Each chart is an image to assistive technology (``role="img"``, an ``aria-label`` that
says what it shows, and a ``<title>``); its numbers are always given again in a table
next to it, so nobody needs the picture to read them. Pure: labels and numbers in,
escaped markup out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 48
LEGEND_PER_ROW, LEGEND_COLUMN, LEGEND_ROW = 2, 296, 18
# GOV.UK colours with enough contrast against white: blue, orange, green, red, purple,
# and dark grey.
COLOURS = ("#1d70b8", "#b14602", "#00703c", "#d4351c", "#4c2c92", "#505a5f")
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True, slots=True)
class Series:
    """One line (or set of bars) of a chart: its name and a value for each label."""

    name: str
    values: Sequence[float]


def _top(values: Sequence[float]) -> float:
    """The axis's highest value: the data's highest rounded up to a tidy number."""
    highest = max((v for v in values if v > 0), default=0.0)
    if highest <= 5:
        return 5.0
    step = 10 ** (len(str(int(highest))) - 1)
    return float(-(-highest // step) * step)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _legend_rows(series: Sequence[Series]) -> int:
    return 0 if len(series) < 2 else -(-len(series) // LEGEND_PER_ROW)


def _frame(
    title: str, description: str, top: float, labels: Sequence[str], series: Sequence[Series]
) -> list[str]:
    """The opening tag, the title, the grid with its values, and every few labels; the
    picture grows a row for each further row of the legend."""
    plot_h = HEIGHT - TOP - BOTTOM
    height = HEIGHT + LEGEND_ROW * max(0, _legend_rows(series) - 1)
    parts = [
        f'<svg class="cp-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' width="100%" role="img" aria-label="{escape(description)}" focusable="false">',
        f"<title>{escape(title)}</title>",
    ]
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"'
            f' stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12"'
            f' fill="{TEXT}">{_number(value)}</text>'
        )
    every = max(1, -(-len(labels) // 8))
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for index, label in enumerate(labels):
        if index % every == 0 or index == len(labels) - 1:
            x = LEFT + slot * (index + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle"'
                f' font-size="12" fill="{TEXT}">{escape(label)}</text>'
            )
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    """Each series' colour and name, two to a row below the chart."""
    parts = []
    for index, one in enumerate(series):
        row, column = divmod(index, LEGEND_PER_ROW)
        x = LEFT + column * LEGEND_COLUMN
        y = HEIGHT - 18 + row * LEGEND_ROW
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 18}" y="{y + 10}" font-size="12" fill="{TEXT}">'
            f"{escape(one.name)}</text>"
        )
    return parts


def bar_chart(
    title: str, description: str, labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """Bars for each label, one bar per series side by side, from zero."""
    top = _top([v for one in series for v in one.values])
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    bar = slot * 0.8 / max(1, len(series))
    parts = _frame(title, description, top, labels, series)
    for s_index, one in enumerate(series):
        colour = COLOURS[s_index % len(COLOURS)]
        for index, value in enumerate(one.values):
            height = plot_h * max(0.0, value) / top
            x = LEFT + slot * index + slot * 0.1 + bar * s_index
            y = TOP + plot_h - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}"'
                f' fill="{colour}"/>'
            )
    if len(series) > 1:
        parts.extend(_legend(series))
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    title: str, description: str, labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """A line per series across the labels (in order, as on a time axis), from zero."""
    top = _top([v for one in series for v in one.values])
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    parts = _frame(title, description, top, labels, series)
    for s_index, one in enumerate(series):
        colour = COLOURS[s_index % len(COLOURS)]
        points = [
            (LEFT + slot * (index + 0.5), TOP + plot_h - plot_h * max(0.0, value) / top)
            for index, value in enumerate(one.values)
        ]
        dashes = "" if s_index == 0 else f' stroke-dasharray="{4 + 2 * s_index},3"'
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3"{dashes}/>'
        )
        parts.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points
        )
    if len(series) > 1:
        parts.extend(_legend(series))
    parts.append("</svg>")
    return Markup("".join(parts))
