"""Server-drawn charts: an accessible image of the numbers, escaped, that scales."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from contactpoint.web.charts import Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_is_an_image_with_a_title_and_a_label_saying_what_it_shows() -> None:
    chart = bar_chart("Rows each day", "Rows: 1 Nov 3, 2 Nov 5", ["1 Nov", "2 Nov"],
                      [Series("Rows", [3, 5])])  # fmt: skip

    root = ElementTree.fromstring(str(chart))
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Rows: 1 Nov 3, 2 Nov 5"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Rows each day"
    assert len(root.findall(f"{SVG}rect")) == 2


def test_the_tallest_bar_reaches_a_tidy_top_of_the_axis() -> None:
    chart = str(bar_chart("t", "d", ["a", "b"], [Series("n", [0, 37])]))

    assert ">40</text>" in chart  # the axis tops out at 40, not 37
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', chart)]
    assert heights[0] == 0 and 0 < heights[1] < 196


def test_bars_of_several_series_stand_side_by_side_with_a_legend() -> None:
    chart = str(
        bar_chart("t", "d", ["a", "b"], [Series("Linked", [1, 2]), Series("Apart", [0, 1])])
    )

    assert chart.count("<rect") == 4 + 2  # four bars and two legend keys
    assert ">Linked</text>" in chart and ">Apart</text>" in chart


def test_a_line_chart_draws_a_line_per_series_with_a_point_per_day() -> None:
    chart = str(line_chart("Queue", "d", ["1", "2", "3"], [Series("Open", [4, 2, 0])]))

    assert chart.count("<polyline") == 1
    assert chart.count("<circle") == 3


def test_text_in_a_chart_is_escaped() -> None:
    chart = str(bar_chart("<b>", 'say "hi"', ["<i>"], [Series("&", [1])]))

    assert "<b>" not in chart and "<i>" not in chart
    assert "&lt;b&gt;" in chart and "&#34;hi&#34;" in chart
    ElementTree.fromstring(chart)


def test_an_empty_chart_still_draws_its_axis() -> None:
    chart = str(line_chart("Nothing yet", "d", [], [Series("Open", [])]))

    assert ">5</text>" in chart
    ElementTree.fromstring(chart)


def test_a_legend_of_more_than_two_series_wraps_and_the_picture_grows_to_hold_it() -> None:
    series = [Series(f"Source {n}", [n, n + 1]) for n in range(6)]
    root = ElementTree.fromstring(str(line_chart("Records", "d", ["1", "2"], series)))

    assert root.get("viewBox") == "0 0 640 296"
    keys = [(r.get("x"), r.get("y")) for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert keys == [(x, y) for y in ("242", "260", "278") for x in ("48", "344")]
