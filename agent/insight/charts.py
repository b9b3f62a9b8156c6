"""Charts as inline SVG strings for the server-rendered dashboard: no JavaScript, no CDN.

Pure functions of their data. Each chart is one well-formed `<svg>` that scales with CSS
(`viewBox`, `max-width:100%`), names itself for screen readers (`role="img"`, `<title>`) and
marks every data point `class="mark"` with `data-label`, `data-value` and a `<title>` tooltip,
so the page and its tests read values back without decoding geometry. Labels may hold any text
(Japanese, `<`, `&`): all of it is escaped, and characters XML cannot carry are dropped.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import NamedTuple

# Okabe–Ito, reordered so the first series is a saturated blue (a screenshot test counts it).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MAX_ABS_VALUE = 1e15  # far beyond any dashboard figure; keeps the tick arithmetic finite
MAX_X_LABELS = 12
_FONT, _TITLE_FONT = 11, 13
_MIN_X_LABEL_PX = 48
_INK, _MUTED, _GRID, _ZERO = "#222222", "#555555", "#e3e3e3", "#999999"
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 × 10^n) covering lo..hi in about `target` steps."""
    lo, hi = min(lo, hi), max(lo, hi)
    raw = max(hi - lo, abs(hi) * 1e-9, 1e-9) / target
    exp = math.floor(math.log10(raw))
    nice = next(n for n in (1, 2, 5, 10) if n * 10.0**exp >= raw)

    def tick(k: int) -> float:  # integer arithmetic first, so 0.6 is 0.6 and not 0.6000000001
        return float(k * nice * 10**exp) if exp >= 0 else k * nice / 10**-exp

    step = tick(1)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [tick(k) for k in range(first, max(last, first + 1) + 1)]


def bar_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    horizontal: bool = False,
    value_format: str = "{:,.0f}",
    width: int = 640,
    height: int = 260,
    chart_id: str = "",
    empty_text: str = "No data",
) -> str:
    """One bar per (label, value), from a zero baseline; a negative value is a ValueError."""
    labels, values = [p[0] for p in points], [p[1] for p in points]
    _check(values, negative_ok=False)
    if not any(values):
        return _empty(title, chart_id, empty_text, width, height)
    if not horizontal:
        look = _Look(title, unit, value_format, width, height, chart_id)
        return _columns(labels, {"": values}, look, legend=False)
    ticks = nice_ticks(0, max(values))
    top, bottom, right = 34.0, height - 22.0, width - 16.0
    left = max(40.0, min(width * 0.35, max(_text_px(label) for label in labels) + 14))
    body = [_unit(unit, width)]
    for t in ticks:
        x = _scale(t, ticks, left, right)
        body.append(_grid(x, top, x, bottom))
        shown = _tick_text(t, ticks)
        x = min(x, width - _text_px(shown) / 2 - 2)  # the last tick label stays inside
        body.append(_text("x-label", x, bottom + 14, shown, "middle"))
    band = (bottom - top) / len(points)
    step = math.ceil(len(points) / max(1, int((bottom - top) // 14)))
    for i, (label, value) in enumerate(points):
        thick = min(band * 0.7, 28.0)
        y = top + band * i + (band - thick) / 2
        geometry = _box(left, y, _scale(value, ticks, left, right) - left, thick, PALETTE[0])
        body.append(_mark("rect", geometry, label, value, _tip(label, value, value_format, unit)))
        if i % step == 0:
            shown = _truncate(label, left - 10)
            body.append(_text("y-label", left - 6, y + thick / 2, shown, "end", full=label))
    return _svg(title, chart_id, width, height, body)


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    unit: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    value_format: str = "{:,.1f}",
    width: int = 640,
    height: int = 260,
    chart_id: str = "",
    empty_text: str = "No data",
) -> str:
    """One line per series over `labels`; None leaves a gap. The axis spans the data, zero,
    and y_min/y_max when given (they widen the axis, never clip the data)."""
    _same_lengths(labels, series)
    present = [v for values in series.values() for v in values if v is not None]
    _check([*present, y_min, y_max], negative_ok=True)
    if not labels or not any(present):
        return _empty(title, chart_id, empty_text, width, height)
    lo = min([*present, 0.0 if y_min is None else y_min])
    hi = max([*present, 0.0 if y_max is None else y_max])
    ticks = nice_ticks(lo, hi)
    body = [_unit(unit, width)]
    top = _legend(list(series), width, body) + 12 if len(series) > 1 else 34.0
    left, right, bottom = _y_axis(ticks, width, top, height - 28.0, body)
    slot = (right - left) / len(labels)
    xs = [left + slot * (i + 0.5) for i in range(len(labels))]
    radius = 3 if len(labels) <= 60 else 2
    for colour, (name, values) in zip(_colours(), series.items(), strict=False):
        runs: list[list[str]] = [[]]
        for x, value in zip(xs, values, strict=True):
            if value is None:
                runs.append([])
            else:
                runs[-1].append(f"{x:.1f},{_scale(value, ticks, bottom, top):.1f}")
        for run in filter(None, runs):
            body.append(
                f'<path class="line" data-series="{_esc(name)}" d="M{" L".join(run)}" '
                f'fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>'
            )
        for label, x, value in zip(labels, xs, values, strict=True):
            if value is not None:
                geometry = f'cx="{x:.1f}" cy="{_scale(value, ticks, bottom, top):.1f}" '
                geometry += f'r="{radius}" fill="{colour}"'
                tip = _tip(
                    f"{label} · {name}" if len(series) > 1 else label, value, value_format, unit
                )
                body.append(_mark("circle", geometry, label, value, tip, series=name))
    body += _x_labels(labels, xs, slot, width, bottom + 16)
    return _svg(title, chart_id, width, height, body)


def stacked_bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    unit: str = "",
    value_format: str = "{:,.0f}",
    width: int = 640,
    height: int = 260,
    chart_id: str = "",
    empty_text: str = "No data",
) -> str:
    """One column per label, series stacked bottom-up in mapping order, with a legend."""
    _same_lengths(labels, series)
    _check([v for values in series.values() for v in values], negative_ok=False)
    if not labels or not any(any(values) for values in series.values()):
        return _empty(title, chart_id, empty_text, width, height)
    return _columns(labels, series, _Look(title, unit, value_format, width, height, chart_id))


class _Look(NamedTuple):
    title: str
    unit: str
    value_format: str
    width: int
    height: int
    chart_id: str


def _columns(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    look: _Look,
    *,
    legend: bool = True,
) -> str:
    title, unit, value_format, width, height, chart_id = look
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    ticks = nice_ticks(0, max(totals))
    body = [_unit(unit, width)]
    top = _legend(list(series), width, body) + 12 if legend else 34.0
    left, right, bottom = _y_axis(ticks, width, top, height - 28.0, body)
    slot = (right - left) / len(labels)
    bar = min(slot * 0.7, 64.0)
    for i, label in enumerate(labels):
        x, base = left + slot * i + (slot - bar) / 2, 0.0
        for colour, (name, values) in zip(_colours(), series.items(), strict=False):
            y0, y1 = _scale(base, ticks, bottom, top), _scale(base + values[i], ticks, bottom, top)
            base += values[i]
            tip = _tip(f"{label} · {name}" if legend else label, values[i], value_format, unit)
            geometry = _box(x, y1, bar, y0 - y1, colour)
            body.append(
                _mark("rect", geometry, label, values[i], tip, series=name if legend else None)
            )
    xs = [left + slot * (i + 0.5) for i in range(len(labels))]
    body += _x_labels(labels, xs, slot, width, bottom + 16)
    return _svg(title, chart_id, width, height, body)


def _check(values: Iterable[float | None], *, negative_ok: bool) -> None:
    for v in values:
        if v is None:
            continue
        if not math.isfinite(v) or abs(v) > MAX_ABS_VALUE:
            raise ValueError(f"chart value out of range: {v!r}")
        if v < 0 and not negative_ok:
            raise ValueError(f"bar charts need values >= 0, got {v!r}")


def _same_lengths(labels: Sequence[str], series: Mapping[str, Sequence[object]]) -> None:
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")


def _y_axis(
    ticks: list[float], width: int, top: float, bottom: float, body: list[str]
) -> tuple[float, float, float]:
    """Horizontal gridlines with tick labels; returns the plot's left, right and bottom."""
    left, right = max(28.0, max(_text_px(_tick_text(t, ticks)) for t in ticks) + 12), width - 12.0
    for t in ticks:
        y = _scale(t, ticks, bottom, top)
        body.append(_grid(left, y, right, y, colour=_ZERO if t == 0 and ticks[0] < 0 else _GRID))
        body.append(_text("y-label", left - 6, y, _tick_text(t, ticks), "end"))
    return left, right, bottom


def _x_labels(
    labels: Sequence[str], xs: Sequence[float], slot: float, width: int, y: float
) -> list[str]:
    """Every n-th label, so at most MAX_X_LABELS show and none overlaps its neighbour."""
    # Room for the widest label, within limits: one very long label is truncated instead.
    spacing = min(max(_MIN_X_LABEL_PX, max(map(_text_px, labels)) + 8), 3 * _MIN_X_LABEL_PX)
    room = max(1, min(MAX_X_LABELS, int(slot * len(labels) // spacing)))
    step = math.ceil(len(labels) / room)
    out = []
    for i in range(0, len(labels), step):
        shown = _truncate(labels[i], slot * step - 6)
        half = _text_px(shown) / 2
        x = min(max(xs[i], half + 2), width - half - 2)  # keep the edge labels inside
        out.append(_text("x-label", x, y, shown, "middle", full=labels[i]))
    return out


def _legend(names: list[str], width: int, body: list[str]) -> float:
    """Swatches in rows under the title; returns the y where the last row ends."""
    x, y = 8.0, 40.0
    for colour, name in zip(_colours(), names, strict=False):
        shown = _truncate(name, 160)
        item = 14 + _text_px(shown) + 14
        if x > 8 and x + item > width - 8:
            x, y = 8.0, y + 16
        body.append(f'<rect class="swatch" {_box(x, y - 9, 10, 10, colour)}/>')
        body.append(_text("legend", x + 14, y - 4, shown, "start", full=name))
        x += item
    return y


def _svg(
    title: str, chart_id: str, width: int, height: int, body: list[str], *, empty: bool = False
) -> str:
    data = f' data-chart="{_esc(chart_id)}"' if chart_id else ""
    data += ' data-empty="1"' if empty else ""
    heading = _truncate(title, width - 16, _TITLE_FONT)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{_esc(title)}" '
            f'class="chart"{data} style="max-width:100%;height:auto" '
            f'font-family="system-ui, sans-serif" font-size="{_FONT}">',
            f"<title>{_esc(title)}</title>",
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            f'<text class="chart-title" x="8" y="18" font-size="{_TITLE_FONT}" '
            f'font-weight="600" fill="{_INK}">{_esc(heading)}</text>',
            *body,
            "</svg>",
        ]
    )


def _empty(title: str, chart_id: str, text: str, width: int, height: int) -> str:
    message = _text("empty", width / 2, height / 2, text, "middle")
    return _svg(title, chart_id, width, height, [message], empty=True)


def _mark(
    tag: str, geometry: str, label: str, value: float, tip: str, *, series: str | None = None
) -> str:
    named = f' data-series="{_esc(series)}"' if series is not None else ""
    return (
        f'<{tag} class="mark" data-label="{_esc(label)}" data-value="{value:.15g}"{named} '
        f"{geometry}><title>{_esc(tip)}</title></{tag}>"
    )


def _tip(label: str, value: float, value_format: str, unit: str) -> str:
    text = f"{label}: {value_format.format(value)}"
    return f"{text} {unit}" if unit else text


def _unit(unit: str, width: int) -> str:
    return _text("unit", width - 8, 18, unit, "end") if unit else ""


def _text(cls: str, x: float, y: float, text: str, anchor: str, *, full: str = "") -> str:
    hint = f"<title>{_esc(full)}</title>" if full and full != text else ""
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
        f'dominant-baseline="middle" fill="{_MUTED}">{_esc(text)}{hint}</text>'
    )


def _grid(x1: float, y1: float, x2: float, y2: float, *, colour: str = _GRID) -> str:
    return (
        f'<line class="grid" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{colour}" stroke-width="1"/>'
    )


def _box(x: float, y: float, w: float, h: float, colour: str) -> str:
    return f'x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}"'


def _colours() -> Iterable[str]:
    while True:
        yield from PALETTE


def _scale(value: float, ticks: Sequence[float], start: float, end: float) -> float:
    return start + (value - ticks[0]) / (ticks[-1] - ticks[0]) * (end - start)


def _tick_text(value: float, ticks: Sequence[float]) -> str:
    decimals = max(0, -math.floor(math.log10(ticks[1] - ticks[0]) + 1e-9))
    return f"{value:,.{decimals}f}"


def _text_px(text: str, font: float = _FONT) -> float:
    """Rough rendered width: East Asian wide characters are a full em, others about 0.6."""
    return sum(font if unicodedata.east_asian_width(c) in "WF" else font * 0.6 for c in text)


def _truncate(text: str, max_px: float, font: float = _FONT) -> str:
    if _text_px(text, font) <= max_px:
        return text
    budget, used = max_px - _text_px("…", font), 0.0
    for i, char in enumerate(text):
        used += _text_px(char, font)
        if used > budget:
            return text[:i] + "…"
    return text


def _esc(text: str) -> str:
    """Escaped for text and attributes alike; newlines and tabs as character references so that
    attribute values read back unchanged."""
    clean = escape(_INVALID_XML.sub("", text))
    return clean.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
