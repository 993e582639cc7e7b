"""Charts: any figures draw as well-formed, accessible SVG, and the table carries them all."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwell.core.charts import (
    FONT,
    PALETTE,
    SLANT,
    SUPPRESSED,
    Chart,
    Series,
    format_value,
    nice_ticks,
    text_width,
    tick_labels,
)

SVG = "{http://www.w3.org/2000/svg}"
DECILES = tuple(str(n) for n in range(1, 11))
MONTHS = ("Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026")


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg())


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def hints(root: ET.Element) -> list[str]:
    """The hover text of every bar, marker and "*": one per value drawn."""
    return [
        t.text or ""
        for element in root.iter()
        if element.tag in {f"{SVG}rect", f"{SVG}circle", f"{SVG}polygon", f"{SVG}text"}
        for t in element.findall(f"{SVG}title")
    ]


# --- what a reader sees ---------------------------------------------------------------------


def test_the_svg_names_itself_for_screen_readers_and_scales_to_its_column():
    chart = Chart(
        "Help requests by decile",
        DECILES,
        (Series("Requests", tuple(range(10))),),
        description="More requests come from the most deprived tenth.",
    )
    root = parse(chart)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Help requests by decile"
    assert desc.text == "More requests come from the most deprived tenth."
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox").startswith("0 0 ")
    assert root.get("aria-hidden") is None


def test_axis_ticks_are_round_numbers_that_include_zero():
    assert nice_ticks(3, 97) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(-0.8, 1.2) == [-1.0, -0.5, 0, 0.5, 1.0, 1.5]
    assert nice_ticks(5, 5) == [0, 1, 2, 3, 4, 5]
    assert tick_labels(nice_ticks(0, 0)) == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]


def test_tick_labels_are_short_and_in_one_unit_for_big_numbers():
    assert tick_labels(nice_ticks(0, 1.1e6)) == ["0", "0.25m", "0.50m", "0.75m", "1.00m", "1.25m"]
    assert tick_labels(nice_ticks(-2.3e8, 1.5e9)) == ["\u22120.5bn", "0", "0.5bn", "1.0bn", "1.5bn"]
    assert tick_labels(nice_ticks(0, 4e5)) == ["0", "100k", "200k", "300k", "400k"]
    assert tick_labels(nice_ticks(0, 12_000)) == [
        "0",
        "2,500",
        "5,000",
        "7,500",
        "10,000",
        "12,500",
    ]


def test_figures_read_as_people_write_them():
    assert format_value(1234) == "1,234"
    assert format_value(12.5) == "12.5"
    assert format_value(-0.25) == "\u22120.25"
    assert format_value(0.0) == "0"
    assert format_value(-0.001) == "0"
    assert format_value(None) == SUPPRESSED
    assert format_value(float("nan")) == SUPPRESSED


def test_a_suppressed_value_is_a_gap_marked_with_a_star_not_a_zero_bar():
    chart = Chart("Referrals", ("North", "South"), (Series("Referrals", (12, None)),))
    root = parse(chart)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars] == ["Referrals, North: 12"]
    assert SUPPRESSED in texts(root)
    assert chart.rows() == [("North", ["12"]), ("South", ["*"])]
    assert chart.has_suppressed


def zero_line(root: ET.Element) -> ET.Element:
    return next(line for line in root.iter(f"{SVG}line") if line.get("stroke-width") == "1.5")


def bar(root: ET.Element) -> dict[str, float]:
    rect = next(r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None)
    return {key: float(rect.get(key)) for key in ("x", "y", "width", "height")}


def test_a_fall_is_drawn_below_the_zero_line():
    root = parse(Chart("Mean change", ("North",), (Series("Control", (-0.5,)),)))
    zero = float(zero_line(root).get("y1"))
    drawn = bar(root)
    assert drawn["y"] == pytest.approx(zero, abs=0.1)
    assert drawn["height"] > 50


def test_a_fall_is_drawn_left_of_the_zero_line_when_bars_lie_sideways():
    chart = Chart("Mean change", ("Wellbrook befriending",), (Series("Control", (-0.5,)),))
    assert chart.sideways
    root = parse(chart)
    zero = float(zero_line(root).get("x1"))
    drawn = bar(root)
    assert drawn["x"] + drawn["width"] == pytest.approx(zero, abs=0.1)
    assert drawn["width"] > 50


def test_long_area_names_turn_the_bars_sideways_and_wrap():
    name = "Riverside Community Hub gardening group for people recovering from illness"
    chart = Chart("Services", (name, "North"), (Series("Services", (3, 5)),))
    assert chart.sideways
    root = parse(chart)
    shown = texts(root)
    assert "North" in shown
    assert not any(name == t for t in shown), "the whole name is cut to two lines"
    assert any(t.endswith("…") for t in shown)
    assert not Chart("By decile", DECILES, (Series("n", (1,) * 10),)).sideways


def test_many_months_slant_their_labels_so_they_do_not_overlap():
    months = tuple(f"{m} 2026" for m in ("January", "February", "March", "April", "May"))
    chart = Chart("Hours", months * 2, (Series("Hours", (1,) * 10),), kind="line")
    root = parse(chart)
    slanted = [t for t in root.iter(f"{SVG}text") if (t.get("transform") or "").startswith("rot")]
    assert len(slanted) == 10


def test_more_than_one_series_has_a_legend_and_patterns_besides_colour():
    chart = Chart(
        "Need by decile",
        DECILES[:3],
        (Series("Requests", (1, 2, 3)), Series("Referrals", (3, 2, 1))),
    )
    root = parse(chart)
    assert {"Requests", "Referrals"} <= set(texts(root))
    assert len(list(root.iter(f"{SVG}pattern"))) == 1
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None}
    assert PALETTE[0] in fills and any(f.startswith("url(#") for f in fills)
    assert "Requests" not in texts(parse(Chart("One", ("a",), (Series("Requests", (1,)),))))


def test_lines_differ_by_dash_and_marker_shape_too():
    chart = Chart(
        "Wellbeing",
        MONTHS,
        (Series("Life satisfaction", (6, 6.2, None, 6.5, 6.6, 7)), Series("Anxiety", (5,) * 6)),
        kind="line",
    )
    root = parse(chart)
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == 2
    assert paths[0].get("d").count("M") == 2, "the gap breaks the line"
    assert paths[0].get("stroke-dasharray") is None and paths[1].get("stroke-dasharray")
    assert len(list(root.iter(f"{SVG}circle"))) >= 5
    assert len(list(root.iter(f"{SVG}rect"))) >= 6


def test_the_palette_stands_out_from_white_by_at_least_three_to_one():
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in PALETTE:
        assert (1.05) / (luminance(colour) + 0.05) >= 3, colour


def test_what_people_typed_is_escaped():
    chart = Chart(
        '<script>alert("x")</script>',
        ("<b>North</b> & South",),
        (Series('"Quoted" & <em>', (1,)),),
    )
    markup = chart.svg()
    assert "<script>" not in markup and "<b>" not in markup and "<em>" not in markup
    root = ET.fromstring(markup)
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script>'


def test_no_categories_says_so_instead_of_drawing_empty_axes():
    chart = Chart("Hours given", (), ())
    assert chart.is_empty
    assert texts(parse(chart)) == ["No figures for this period"]
    assert chart.rows() == []


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="3 values for 2 categories"):
        Chart("Bad", ("a", "b"), (Series("n", (1, 2, 3)),))
    with pytest.raises(ValueError, match="kind"):
        Chart("Bad", ("a",), (Series("n", (1,)),), kind="pie")


# --- any figures at all ---------------------------------------------------------------------

values = st.one_of(
    st.none(),
    st.just(0.0),
    st.integers(-(10**6), 10**6).map(float),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e100, max_value=1e100),
)
# Any characters at all: controls, lone surrogates, right-to-left and wide scripts.
labels = st.text(st.characters(exclude_categories=()), max_size=80)


@st.composite
def charts(draw) -> Chart:
    categories = tuple(draw(st.lists(labels, min_size=1, max_size=14)))
    series = tuple(
        Series(draw(labels), tuple(draw(values) for _ in categories))
        for _ in range(draw(st.integers(1, 5)))
    )
    kind = draw(st.sampled_from(["bar", "line"]))
    return Chart(draw(labels), categories, series, kind=kind, unit=draw(labels))


@settings(max_examples=150, deadline=None)
@given(charts())
def test_any_figures_give_well_formed_svg_with_every_value_in_the_table(chart):
    root = ET.fromstring(chart.svg())
    assert root.get("role") == "img"
    rows = chart.rows()
    assert [category for category, _ in rows] == list(chart.categories)
    for i, (_, cells) in enumerate(rows):
        assert cells == [format_value(s.values[i]) for s in chart.series]
        for cell, series in zip(cells, chart.series, strict=True):
            value = series.values[i]
            if value is None:
                assert cell == SUPPRESSED
            else:
                number = float(cell.replace("\u2212", "-").replace(",", ""))
                assert number == pytest.approx(value, rel=1e-2, abs=0.006)
    # Every value is drawn once (a bar, a marker or a "*"), each naming its figure.
    drawn = hints(root)
    assert len(drawn) == len(chart.categories) * len(chart.series)
    for element in root.iter():
        for attribute in ("x", "y", "width", "height"):
            if element.get(attribute) is not None:
                assert "nan" not in element.get(attribute) and "inf" not in element.get(attribute)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.lists(st.text(max_size=30), min_size=n, max_size=n),
            st.sampled_from(["bar", "line"]),
        )
    )
)
def test_labels_along_the_bottom_never_overlap(drawn):
    """Side by side, each label fits its own band; slanted, they stand a line's height apart."""
    names, kind = drawn
    chart = Chart("Labels", tuple(names), (Series("n", (1.0,) * len(names)),), kind=kind)
    if chart.sideways:
        return
    root = parse(chart)
    level, slanted = [], []
    for text in root.iter(f"{SVG}text"):
        if text.find(f"{SVG}title") is not None or text.get("text-anchor") == "start":
            continue
        if (text.get("transform") or "").startswith("rotate"):
            slanted.append(float(text.get("x")))
        elif text.get("text-anchor") == "middle":
            level.append((float(text.get("x")), text_width(text.text or "", FONT)))
    for (x1, w1), (x2, w2) in zip(level, level[1:], strict=False):
        assert x2 - x1 >= (w1 + w2) / 2
    for x1, x2 in zip(slanted, slanted[1:], strict=False):
        assert (x2 - x1) * math.sin(math.radians(SLANT)) >= FONT


# --- the include -----------------------------------------------------------------------------


def test_the_include_puts_the_same_figures_in_a_table_beside_the_chart():
    chart = Chart(
        "Hours given by month",
        MONTHS[:2],
        (Series("Hours", (12.5, None)),),
        unit="hours",
    )
    html = render_to_string("core/includes/chart.html", {"chart": chart, "heading": "Month"})
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert (
        '<caption class="nhsuk-table__caption nhsuk-u-visually-hidden">Hours given by month' in html
    )
    assert '<th scope="col" class="nhsuk-table__header">Month</th>' in html
    assert re.search(r'<th scope="row"[^>]*>Jan 2026</th><td[^>]*>12.5</td>', html)
    assert re.search(r'<th scope="row"[^>]*>Feb 2026</th><td[^>]*>\*</td>', html)
    assert "* means the figure is not shown" in html
    assert "Hours given by month (hours)</caption>" in html


def test_the_include_can_leave_the_table_to_the_page():
    chart = Chart("Open requests", ("North",), (Series("Urgent", (2,)),))
    html = render_to_string("core/includes/chart.html", {"chart": chart, "table": False})
    assert "<svg" in html and "<table" not in html
    assert "keepwell-chart--alone" in html


def test_the_include_says_plainly_when_there_is_nothing_to_show():
    html = render_to_string("core/includes/chart.html", {"chart": Chart("Hours", (), ())})
    assert "No figures for this period" in html
    assert "<svg" not in html and "<table" not in html


def test_what_people_typed_is_escaped_in_the_table_too():
    chart = Chart("Areas", ("<i>North</i>",), (Series("<b>n</b>", (1,)),))
    html = render_to_string("core/includes/chart.html", {"chart": chart})
    assert "<i>North</i>" not in html and "&lt;i&gt;North&lt;/i&gt;" in html
    assert "<b>n</b>" not in html
