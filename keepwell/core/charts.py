"""Charts drawn on the server as SVG: grouped bars and lines, with the figures as a table.

A page builds a :class:`Chart` from figures it already has and shows it with the
``core/includes/chart.html`` include, which puts the same figures in a table beside it for
screen readers and for anyone who would rather read. Nothing here needs JavaScript.

Drawing choices, each for a reason:

* the palette is NHS.UK colours with at least 3:1 contrast against white (WCAG 1.4.11), and
  every series after the first also has a pattern (bars) or a dash and marker shape (lines),
  so colour is never the only cue;
* axes use round ticks (1, 2, 2.5 or 5 times a power of ten) and always include zero, so
  negative values (a fall in wellbeing) sit below a zero line;
* a missing or suppressed value (``None``) is a gap marked "*", never a zero;
* long category names turn bars sideways (horizontal bars with wrapped names); many short
  ones on a vertical axis are slanted or thinned, so no two labels overlap;
* everything a user typed is XML-escaped, and characters XML cannot carry are replaced;
* the SVG has a ``viewBox`` and no fixed size in the page, so it scales to its container.

Pure Python: no Django. The words around a chart (captions, the "*" note) are the
template's, so they can be translated.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

SUPPRESSED = "*"
KINDS = ("bar", "line")

# NHS.UK colours, each at least 3:1 against white: blue, green, dark pink, purple, grey, pink.
PALETTE = ("#005eb8", "#007f3b", "#7c2855", "#330072", "#425563", "#ae2573")
TEXT = "#212b32"
SECONDARY_TEXT = "#4c6272"
GRID = "#d8dde0"
DASHES = ("", "6 3", "2 3", "9 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "circle")

WIDTH = 400
FONT = 14
LINE = 17
PLOT_HEIGHT = 220
WIDEST_BAR = 48
SLANT = 40  # degrees, for x labels that do not fit side by side
SLANTED_MAX = 96  # a slanted label is cut to this many units
SIDEWAYS_LABEL = 10 * FONT * 0.6  # a bar chart turns sideways past about 10 characters
SIDEWAYS_CATEGORIES = 16
LIMIT = 1e300  # where values are drawn (not shown): beyond this the arithmetic overflows

_Scale = Callable[[float], float]  # a value to its coordinate

# Characters XML 1.0 cannot carry (controls, lone surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # None = not shown (suppressed "*" or no data)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))


@dataclass(frozen=True)
class Chart:
    """What a chart shows; :meth:`svg` draws it and :meth:`rows` tables the same figures."""

    title: str
    categories: tuple[str, ...]  # x axis: months, deciles 1..10, areas, ...
    series: tuple[Series, ...]
    kind: str = "bar"  # "bar" (grouped) or "line"
    unit: str = ""  # "per 1,000 residents", "hours", "%"
    description: str = ""  # one sentence: what the chart shows

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "series", tuple(self.series))
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"series {series.name!r} has {len(series.values)} values "
                    f"for {len(self.categories)} categories"
                )

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: no categories or no series (all-suppressed still draws its "*")."""
        return not self.categories or not self.series

    @property
    def has_suppressed(self) -> bool:
        return any(shown(v) is None for s in self.series for v in s.values)

    @property
    def sideways(self) -> bool:
        """Horizontal bars: names too long to stand under a bar, or too many of them."""
        if self.kind != "bar" or self.is_empty:
            return False
        longest = max(text_width(_clean(c), FONT) for c in self.categories)
        return longest > SIDEWAYS_LABEL or len(self.categories) > SIDEWAYS_CATEGORIES

    def rows(self) -> list[tuple[str, list[str]]]:
        """The data table: each category with its formatted values ("*" where not shown)."""
        return [
            (category, [format_value(s.values[i]) for s in self.series])
            for i, category in enumerate(self.categories)
        ]

    def svg(self) -> str:
        return _Drawing(self).render()


def shown(value: float | None) -> float | None:
    """The value to draw, or None for a gap (None itself, NaN or infinity)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def format_value(value: float | None) -> str:
    """How a figure reads in the table: "1,234", "12.5", "−0.25"; "*" when not shown."""
    number = shown(value)
    if number is None:
        return SUPPRESSED
    if abs(number) >= 1e15:
        text = f"{number:.3g}"
    elif number == int(number):
        text = f"{int(number):,}"
    else:
        text = f"{number:,.2f}".rstrip("0").rstrip(".")
    if text in ("-0", "0"):
        return "0"
    return text.replace("-", "\u2212", 1) if text.startswith("-") else text


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round ticks covering ``low``..``high`` and zero, about ``target`` steps apart."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1.0
    span = high - low
    magnitude = 10.0 ** math.floor(math.log10(span / max(target, 1)))
    step = magnitude * 10
    for multiple in (1, 2, 2.5, 5, 10):
        if span / (multiple * magnitude) <= target:
            step = multiple * magnitude
            break
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [(first + i) * step for i in range(last - first + 1)]


def tick_labels(ticks: list[float]) -> list[str]:
    """The ticks' labels, short and in one unit: "0", "2.5", "250k", "1.25m", "3bn"."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    largest = max(abs(t) for t in ticks)
    divisor, suffix = 1.0, ""
    for size, name in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if largest >= max(size, 1e5):
            divisor, suffix = size, name
            break
    labels = []
    for tick in ticks:
        if abs(tick) < step / 2:
            text = "0"
        elif largest >= 1e13:
            text = f"{tick:.2g}"
        else:
            text = f"{tick / divisor:,.{_decimals(step / divisor)}f}{suffix}"
        labels.append(text.replace("-", "\u2212", 1) if text.startswith("-") else text)
    return labels


def _decimals(step: float) -> int:
    for places in range(7):
        if abs(round(step, places) - step) <= abs(step) * 1e-9:
            return places
    return 6


@lru_cache(maxsize=4096)
def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn: wide (CJK) characters count double, marks nothing.
    Remembered: a page of charts measures the same labels again and again."""
    width = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += size * (1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6)
    return width


def wrap(text: str, width: float, size: float, lines: int = 2) -> list[str]:
    """Break ``text`` into at most ``lines`` lines no wider than ``width``; "…" if cut."""
    words = text.split() or [""]
    out: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            out.append(current)
        current = word
        while text_width(current, size) > width:
            cut = _fit(current, width, size)
            out.append(current[:cut])
            current = current[cut:]
    out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = _ellipsis(out[-1] + " …", width, size)
    return out


def _fit(text: str, width: float, size: float) -> int:
    """How many leading characters of ``text`` fit in ``width`` (at least one)."""
    used = 0.0
    for index, char in enumerate(text):
        used += text_width(char, size)
        if used > width:
            return max(index, 1)
    return len(text)


def _ellipsis(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    return text[: _fit(text, width - text_width("…", size), size)].rstrip() + "…"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _esc(text: str) -> str:
    """Escaped for XML text and double-quoted attributes alike."""
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _n(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Drawing:
    """One rendering of a chart: lays it out, then writes the SVG elements in order."""

    def __init__(self, chart: Chart) -> None:
        self.chart = chart
        digest = hashlib.sha256(repr(chart).encode("utf-8", "backslashreplace")).hexdigest()
        self.id = f"chart-{digest[:12]}"
        self.parts: list[str] = []
        points = [shown(v) for s in chart.series for v in s.values]
        drawn = [max(-LIMIT, min(LIMIT, v)) for v in points if v is not None]
        self.low = min(drawn, default=0.0)
        self.high = max(drawn, default=0.0)

    def render(self) -> str:
        chart = self.chart
        if chart.is_empty:
            height: float = 3.0 * LINE
            self.text(WIDTH / 2, 2 * LINE, "No figures for this period", anchor="middle")
        elif chart.sideways:
            height = self.sideways()
        else:
            height = self.upright()
        description = chart.description or chart.title
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="keepwell-chart__svg" role="img" '
            f'viewBox="0 0 {WIDTH} {_n(height)}" width="{WIDTH}" height="{_n(height)}" '
            f'font-size="{FONT}" aria-labelledby="{self.id}-title {self.id}-desc">'
            f'<title id="{self.id}-title">{_esc(chart.title)}</title>'
            f'<desc id="{self.id}-desc">{_esc(description)}</desc>'
        )
        return head + self.defs() + "".join(self.parts) + "</svg>"

    # --- pieces ----------------------------------------------------------------------------

    def text(
        self,
        x: float,
        y: float,
        words: str,
        *,
        anchor: str = "start",
        fill: str = TEXT,
        extra: str = "",
    ) -> None:
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}"{extra}>'
            f"{_esc(words)}</text>"
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str, width: float) -> None:
        self.parts.append(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
            f'stroke="{colour}" stroke-width="{_n(width)}"/>'
        )

    def fill(self, index: int) -> str:
        return PALETTE[index % len(PALETTE)] if index == 0 else f"url(#{self.id}-p{index})"

    def defs(self) -> str:
        """One pattern per series after the first: stripes, dots, hatching in its colour."""
        if self.chart.kind != "bar" or len(self.chart.series) < 2:
            return ""
        shapes = (
            '<path d="M-1 1l2-2M0 6l6-6M5 7l2-2" stroke="{c}" stroke-width="2"/>',
            '<circle cx="3" cy="3" r="1.6" fill="{c}"/>',
            '<path d="M0 1.5h6M0 4.5h6" stroke="{c}" stroke-width="1.5"/>',
            '<path d="M0 0l6 6M6 0l-6 6" stroke="{c}" stroke-width="1.2"/>',
            '<path d="M1.5 0v6M4.5 0v6" stroke="{c}" stroke-width="1.5"/>',
        )
        patterns = []
        for index in range(1, len(self.chart.series)):
            colour = PALETTE[index % len(PALETTE)]
            shape = shapes[(index - 1) % len(shapes)].format(c=colour)
            patterns.append(
                f'<pattern id="{self.id}-p{index}" patternUnits="userSpaceOnUse" '
                f'width="6" height="6"><rect width="6" height="6" fill="#ffffff"/>{shape}'
                f"</pattern>"
            )
        return "<defs>" + "".join(patterns) + "</defs>"

    def swatch(self, index: int, x: float, y: float) -> None:
        """The legend's key for a series: its bar fill, or its line with its marker."""
        colour = PALETTE[index % len(PALETTE)]
        if self.chart.kind == "bar":
            self.parts.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="14" height="14" '
                f'fill="{self.fill(index)}" stroke="{colour}" stroke-width="1.5"/>'
            )
            return
        dash = DASHES[index % len(DASHES)]
        self.parts.append(
            f'<line x1="{_n(x - 4)}" y1="{_n(y + 7)}" x2="{_n(x + 18)}" y2="{_n(y + 7)}" '
            f'stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
        self.marker(index, x + 7, y + 7, "")

    def marker(self, index: int, x: float, y: float, label: str) -> None:
        colour = PALETTE[index % len(PALETTE)]
        shape = MARKERS[index % len(MARKERS)]
        hint = f"<title>{_esc(label)}</title>" if label else ""
        paint = f'fill="{colour}" stroke="{colour}"'
        if shape == "circle":
            element = f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" {paint}>{hint}</circle>'
        elif shape == "square":
            element = (
                f'<rect x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8" {paint}>{hint}</rect>'
            )
        else:
            offsets = {
                "triangle": ((0, -5), (5, 4), (-5, 4)),
                "diamond": ((0, -5), (5, 0), (0, 5), (-5, 0)),
                "cross": ((-4, -4), (4, 4), (0, 0), (4, -4), (-4, 4), (0, 0)),
            }[shape]
            points = " ".join(f"{_n(x + dx)},{_n(y + dy)}" for dx, dy in offsets)
            width = ' stroke-width="2"' if shape == "cross" else ""
            element = f'<polygon points="{points}" {paint}{width}>{hint}</polygon>'
        self.parts.append(element)

    def legend(self, top: float) -> float:
        """Lay the series names out in rows under the top edge; the height used."""
        if len(self.chart.series) < 2:
            return 0.0
        x, y = 8.0, top
        for index, series in enumerate(self.chart.series):
            name = _ellipsis(_clean(series.name), WIDTH - 48, FONT)
            width = 22 + text_width(name, FONT) + 16
            if x > 8 and x + width > WIDTH - 8:
                x, y = 8.0, y + LINE + 6
            self.swatch(index, x, y)
            self.text(x + 22, y + 11, name)
            x += width
        return y + LINE + 10 - top

    def suppressed(self, x: float, y: float, label: str) -> None:
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="middle" fill="{TEXT}" '
            f'font-weight="bold">{SUPPRESSED}<title>{_esc(label)}</title></text>'
        )

    def hint(self, series: Series, category: str, value: float | None) -> str:
        unit = f" {self.chart.unit}" if self.chart.unit else ""
        return f"{series.name}, {category}: {format_value(value)}{unit}"

    # --- upright: vertical bars or lines over categories along the bottom -----------------

    def upright(self) -> float:
        chart = self.chart
        top = 8 + self.legend(8)
        if chart.unit:
            self.text(8, top + 10, chart.unit, fill=SECONDARY_TEXT)
            top += LINE + 4
        ticks = nice_ticks(self.low, self.high)
        labels = tick_labels(ticks)
        left = max(28.0, max(text_width(t, FONT) for t in labels) + 12)
        names = [_clean(c) for c in chart.categories]
        count = len(names)
        band = (WIDTH - left - 12) / count
        widest = max(text_width(n, FONT) for n in names)
        slanted = widest > band - 4
        if slanted:
            names = [_ellipsis(n, SLANTED_MAX, FONT) for n in names]
            widest = max(text_width(n, FONT) for n in names)
            reach = widest * math.cos(math.radians(SLANT))
            left = max(left, reach - band / 2 + 4)
            band = (WIDTH - left - 12) / count
        # Slanted labels a band apart stand band × sin(slant) apart: keep that a line's height.
        gap = band * math.sin(math.radians(SLANT))
        every = max(1, math.ceil((FONT + 2) / gap)) if slanted else 1
        below = (
            widest * math.sin(math.radians(SLANT)) + FONT * math.cos(math.radians(SLANT)) + 12
            if slanted
            else LINE + 8
        )
        plot_top = top + 8
        height = plot_top + PLOT_HEIGHT + below + 4

        def y_of(value: float) -> float:
            clipped = max(-LIMIT, min(LIMIT, value))
            return plot_top + PLOT_HEIGHT * (ticks[-1] - clipped) / (ticks[-1] - ticks[0])

        for tick, label in zip(ticks, labels, strict=True):
            y = y_of(tick)
            self.line(left, y, WIDTH - 12, y, TEXT if tick == 0 else GRID, 1.5 if tick == 0 else 1)
            self.text(left - 6, y + 4, label, anchor="end", fill=SECONDARY_TEXT)
        base = plot_top + PLOT_HEIGHT
        for i, name in enumerate(names):
            if i % every:
                continue
            x = left + band * (i + 0.5)
            if slanted:
                self.text(
                    x + 4,
                    base + 14,
                    name,
                    anchor="end",
                    extra=f' transform="rotate(-{SLANT} {_n(x + 4)} {_n(base + 14)})"',
                )
            else:
                self.text(x, base + LINE + 2, name, anchor="middle")
        zero = y_of(0.0)
        if chart.kind == "bar":
            self.bars_upright(left, band, zero, y_of)
        else:
            self.lines(left, band, zero, y_of)
        return height

    def bars_upright(self, left: float, band: float, zero: float, y_of: _Scale) -> None:
        chart = self.chart
        width = min(band * 0.8 / len(chart.series), WIDEST_BAR)
        margin = (band - width * len(chart.series)) / 2
        for i, category in enumerate(chart.categories):
            for j, series in enumerate(chart.series):
                x = left + band * i + margin + width * j
                value = shown(series.values[i])
                label = self.hint(series, category, series.values[i])
                if value is None:
                    self.suppressed(x + width / 2, zero - 4, label)
                    continue
                y = y_of(value)
                self.bar(j, x, min(y, zero), width, abs(zero - y), label)

    def bar(self, index: int, x: float, y: float, width: float, height: float, label: str) -> None:
        colour = PALETTE[index % len(PALETTE)]
        self.parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" '
            f'fill="{self.fill(index)}" stroke="{colour}" stroke-width="1">'
            f"<title>{_esc(label)}</title></rect>"
        )

    def lines(self, left: float, band: float, zero: float, y_of: _Scale) -> None:
        chart = self.chart
        for j, series in enumerate(chart.series):
            colour = PALETTE[j % len(PALETTE)]
            dash = DASHES[j % len(DASHES)]
            path: list[str] = []
            pen_down = False
            for i, raw in enumerate(series.values):
                value = shown(raw)
                if value is None:
                    pen_down = False
                    continue
                x = left + band * (i + 0.5)
                path.append(f"{'L' if pen_down else 'M'}{_n(x)} {_n(y_of(value))}")
                pen_down = True
            if path:
                self.parts.append(
                    f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
                )
            for i, raw in enumerate(series.values):
                value = shown(raw)
                x = left + band * (i + 0.5)
                label = self.hint(series, chart.categories[i], raw)
                if value is None:
                    self.suppressed(x, zero - 4, label)
                else:
                    self.marker(j, x, y_of(value), label)

    # --- sideways: horizontal bars, category names wrapped on the left --------------------

    def sideways(self) -> float:
        chart = self.chart
        top = 8 + self.legend(8)
        name_width = WIDTH * 0.4
        names = [wrap(_clean(c), name_width - 8, FONT) for c in chart.categories]
        left = max(text_width(line, FONT) for lines in names for line in lines) + 10
        left = min(left, name_width)
        bar = 14.0 if len(chart.series) > 1 else 18.0
        band = max(bar * len(chart.series) + 10, max(len(lines) for lines in names) * LINE + 6)
        ticks = nice_ticks(self.low, self.high)
        labels = tick_labels(ticks)
        right = 8 + max(text_width(t, FONT) for t in labels) / 2
        plot_width = WIDTH - left - right
        # Fewer ticks until their labels stand apart.
        for target in (4, 3, 2, 1):
            if len(ticks) < 2 or max(text_width(t, FONT) for t in labels) + 8 <= plot_width / (
                len(ticks) - 1
            ):
                break
            ticks = nice_ticks(self.low, self.high, target)
            labels = tick_labels(ticks)
        plot_top = top + 4
        plot_height = band * len(chart.categories)
        base = plot_top + plot_height

        def x_of(value: float) -> float:
            clipped = max(-LIMIT, min(LIMIT, value))
            return left + plot_width * (clipped - ticks[0]) / (ticks[-1] - ticks[0])

        for tick, label in zip(ticks, labels, strict=True):
            x = x_of(tick)
            self.line(x, plot_top, x, base, GRID, 1)
            self.text(x, base + LINE, label, anchor="middle", fill=SECONDARY_TEXT)
        zero = x_of(0.0)
        self.line(zero, plot_top, zero, base, TEXT, 1.5)
        for i, category in enumerate(chart.categories):
            middle = plot_top + band * (i + 0.5)
            lines = names[i]
            first = middle - (len(lines) - 1) * LINE / 2 + 4
            for k, words in enumerate(lines):
                self.text(left - 8, first + k * LINE, words, anchor="end")
            for j, series in enumerate(chart.series):
                y = middle - bar * len(chart.series) / 2 + bar * j
                value = shown(series.values[i])
                label = self.hint(series, category, series.values[i])
                if value is None:
                    self.suppressed(zero + 8, y + bar - 3, label)
                    continue
                x = x_of(value)
                self.bar(j, min(x, zero), y + 1, abs(x - zero), bar - 2, label)
        height = base + LINE + 8
        if chart.unit:
            self.text(WIDTH - 8, height + 8, chart.unit, anchor="end", fill=SECONDARY_TEXT)
            height += LINE + 8
        return height
