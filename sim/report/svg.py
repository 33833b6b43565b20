"""SVG building blocks: plot frames, axes, stacked bars, legends, markers, label placement, the wide/narrow pair.

Every chart is an <svg class="chart"> with a viewBox and width="100%": it scales to the page's width. It is drawn
three times, at WIDE, MEDIUM and NARROW units (responsive() wraps them; the CSS shows the one that fits the screen),
so its text stays legible on a phone instead of shrinking to a third of its size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .style import CHART_WIDTHS, WIDE
from .text import esc


def nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum >= value, and its tick step (about 5 ticks)."""
    if value <= 0:
        return 1, 1
    raw = value / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(step, 1)
    top = step * -(-value // step)
    return top, step


def date_label(d: date) -> str:
    return f"{d:%b} {d.day}"


def date_ticks(dates: Sequence[date], most: int) -> list[int]:
    """Indexes of the dates to label: at most `most`, every 1, 2 days or on Mondays every 1, 2, 4, 13, 26, 52 weeks."""
    n = len(dates)
    step = next((s for s in (1, 2, 7, 14, 28, 91, 182, 364) if math.ceil(n / s) <= most), 728)
    first = next((i for i, d in enumerate(dates) if d.weekday() == 0), 0) if step >= 7 else 0
    return list(range(first, n, step))


@dataclass
class Frame:
    """A plot area inside an SVG `width` units wide: x by day index (or fraction of days), y by value."""

    days: int
    top_value: float
    width: int = WIDE
    height: int = 260
    left: int = 56
    right: int = 16
    top: int = 14
    bottom: int = 46

    @property
    def most_ticks(self) -> int:
        """How many date labels fit along the x axis (one every 62 units at least)."""
        return max(int(self.plot_w / 62), 2)

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def x(self, day: float) -> float:
        return self.left + self.plot_w * day / max(self.days, 1)

    def y(self, value: float) -> float:
        return self.top + self.plot_h * (1 - value / self.top_value)


def axes(f: Frame, dates: Sequence[date], y_title: str, step: float, fmt: Callable[[float], str] = lambda v: f"{v:g}") -> str:
    parts = []
    v = 0.0
    while v <= f.top_value + 1e-9:
        y = f.y(v)
        parts.append(f'<line x1="{f.left}" x2="{f.width - f.right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{f.left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{esc(fmt(v))}</text>')
        v += step
    base = f.y(0)
    parts.append(f'<line x1="{f.left}" x2="{f.width - f.right}" y1="{base:.1f}" y2="{base:.1f}" class="axis"/>')
    for i in date_ticks(dates, f.most_ticks):
        x = f.x(i + 0.5)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 4:.1f}" class="axis"/>')
        parts.append(f'<text x="{x:.1f}" y="{base + 17:.1f}" class="tick" text-anchor="middle">{esc(date_label(dates[i]))}</text>')
    if dates:
        span = f"{dates[0]:%Y-%m-%d} – {dates[-1]:%Y-%m-%d}"
        parts.append(
            f'<text x="{f.left + f.plot_w / 2:.1f}" y="{f.height - 6}" class="axis-title" text-anchor="middle">date ({span})</text>'
        )
    mid = f.top + f.plot_h / 2
    parts.append(f'<text transform="translate(14 {mid:.1f}) rotate(-90)" class="axis-title" text-anchor="middle">{esc(y_title)}</text>')
    return "".join(parts)


def chart_svg(width: float, height: float, body: str, label: str) -> str:
    """A chart: scales to the width of its container, keeping its proportions."""
    return (
        f'<svg class="chart" viewBox="0 0 {width:g} {height:g}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'role="img" aria-label="{esc(label)}">{body}</svg>'
    )


def responsive(draw: Callable[[int], str]) -> str:
    """The same chart drawn for a wide, a medium and a narrow screen; the CSS shows one of them."""
    return '<div class="figure">' + "".join(f'<div class="{name}">{draw(w)}</div>' for name, w in CHART_WIDTHS.items()) + "</div>"


def legend(items: Iterable[tuple[str, str]], shape: str = "box") -> str:
    spans = "".join(f'<span class="key"><i class="{shape}" style="background:{color}"></i>{esc(label)}</span>' for label, color in items)
    return f'<div class="legend">{spans}</div>'


def empty(text: str) -> str:
    return f'<p class="empty">{esc(text)}</p>'


def stacked_bars(
    dates: Sequence[date],
    series: dict[str, list[float]],
    colors: dict[str, str],
    labels: dict[str, str],
    y_title: str,
    width: int = WIDE,
) -> str:
    totals = [sum(values[i] for values in series.values()) for i in range(len(dates))]
    top, step = nice_max(max(totals, default=0))
    f = Frame(len(dates), top, width=width)
    parts = [axes(f, dates, y_title, step)]
    slot = f.plot_w / max(len(dates), 1)
    bar = max(slot * 0.78, 1)
    for i, d in enumerate(dates):
        acc = 0.0
        x = f.x(i) + (slot - bar) / 2
        for key, values in series.items():
            value = values[i]
            if not value:
                continue
            y0, y1 = f.y(acc), f.y(acc + value)
            tip = f"{d.isoformat()}: {labels.get(key, key)} {value:g}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar:.1f}" height="{max(y0 - y1, 0.5):.1f}" fill="{colors[key]}">'
                f"<title>{esc(tip)}</title></rect>"
            )
            acc += value
    return chart_svg(f.width, f.height, "".join(parts), y_title)


def spread(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Label centres as near as may be to `wanted`, at least `gap` apart, inside [low, high] when they fit there.

    Labels that would collide are gathered into a block centred on their wanted positions (so a crowd spreads
    both ways instead of pushing the labels below it down), and blocks that then touch are merged. Returned in the
    order given. Labels that cannot all fit between low and high keep their gap and run past `high`: they never overlap.
    """
    blocks: list[tuple[float, list[float]]] = []  # (centre of its first label, the wanted positions it holds)
    for value in sorted(wanted):
        members = [value]
        while True:
            first = sum(members) / len(members) - gap * (len(members) - 1) / 2
            first = max(min(first, high - gap * (len(members) - 1)), low)
            if blocks and blocks[-1][0] + gap * len(blocks[-1][1]) > first + 1e-9:
                members = blocks.pop()[1] + members
                continue
            blocks.append((first, members))
            break
    placed = [first + gap * n for first, members in blocks for n in range(len(members))]
    order = sorted(range(len(wanted)), key=lambda k: wanted[k])
    out = [0.0] * len(wanted)
    for n, k in enumerate(order):
        out[k] = placed[n]
    return out


# ---------------------------------------------------------------------- markers (timelines and their legends)
_SHAPES = {
    "dot": '<circle id="{id}" r="{r}"/>',
    "square": '<rect id="{id}" x="-{r}" y="-{r}" width="{d}" height="{d}"/>',
    "diamond": '<polygon id="{id}" points="0,-{R} {R},0 0,{R} -{R},0"/>',
    "up": '<polygon id="{id}" points="0,-{R} {R},{r} -{R},{r}"/>',
    "down": '<polygon id="{id}" points="-{R},-{r} {R},-{r} 0,{R}"/>',
    "ring": '<circle id="{id}" r="{q}"/>',
    "cross": '<path id="{id}" d="M-{r},-{r}L{r},{r}M-{r},{r}L{r},-{r}"/>',
}
MARKER_SIZES = {"mk": 4.5, "ev": 3.8}  # contacts, borrower events


def marker_defs() -> str:
    """The marker shapes, once for the page; timelines and legends draw them with <use>."""
    shapes = "".join(
        template.format(id=f"{prefix}-{shape}", r=f"{r:g}", d=f"{2 * r:g}", R=f"{r + 1:g}", q=f"{r - 0.5:g}")
        for prefix, r in MARKER_SIZES.items()
        for shape, template in _SHAPES.items()
    )
    return f'<svg class="defs" width="0" height="0" aria-hidden="true"><defs>{shapes}</defs></svg>'


def use_marker(shape: str, x: str, y: float, color: str, tip: str = "", prefix: str = "mk", shift: float = 0) -> str:
    """One marker at (x, y); x may be a percentage. `shift` moves it right by that many px (several on one day)."""
    shape = shape if shape in _SHAPES else "dot"
    if shape == "ring":
        paint = f'fill="#fff" stroke="{color}" stroke-width="2"'
    elif shape == "cross":
        paint = f'fill="none" stroke="{color}" stroke-width="2.2"'
    else:
        paint = f'fill="{color}"'
    moved = f' transform="translate({shift:g} 0)"' if shift else ""
    title = f"<title>{esc(tip)}</title>" if tip else ""
    return f'<use href="#{prefix}-{shape}" x="{x}" y="{y:g}" {paint}{moved}>{title}</use>'


def glyph(shape: str, color: str) -> str:
    """A marker as a legend icon."""
    return f'<svg class="glyph" width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">{use_marker(shape, "0", 0, color)}</svg>'
