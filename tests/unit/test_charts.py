"""The dashboard's SVG charts: well-formed, accessible, honest about their values, and safe with
whatever text the labels hold."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.insight.charts import (
    MAX_X_LABELS,
    PALETTE,
    bar_chart,
    line_chart,
    nice_ticks,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [f"2026-05-{d:02d}" for d in range(1, 32)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def marks(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == "mark"]


def texts(root: ET.Element, cls: str) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text") if el.get("class") == cls]


def num(el: ET.Element, attr: str) -> float:
    return float(el.get(attr, "nan"))


CHARTS: dict[str, Callable[..., str]] = {
    "bar": lambda **kw: bar_chart([("A", 3), ("B", 5)], **kw),
    "hbar": lambda **kw: bar_chart([("A", 3), ("B", 5)], horizontal=True, **kw),
    "line": lambda **kw: line_chart(["A", "B"], {"x": [1.0, -2.0], "y": [None, 4.0]}, **kw),
    "stacked": lambda **kw: stacked_bar_chart(["A", "B"], {"x": [1, 2], "y": [3, 0]}, **kw),
}


@pytest.mark.parametrize(
    ("lo", "hi", "ticks"),
    [
        (0, 87, [0, 20, 40, 60, 80, 100]),
        (0, 100, [0, 20, 40, 60, 80, 100]),
        (0, 3, [0, 1, 2, 3]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, 0.06, [0, 0.02, 0.04, 0.06]),
        (-0.6, 0.8, [-1, -0.5, 0, 0.5, 1]),
        (-1, 1, [-1, -0.5, 0, 0.5, 1]),
        (0, 12_345, [0, 5_000, 10_000, 15_000]),
    ],
)
def test_ticks_are_round_steps(lo: float, hi: float, ticks: list[float]) -> None:
    assert nice_ticks(lo, hi) == ticks


@pytest.mark.parametrize("kind", CHARTS)
def test_every_chart_is_a_scalable_accessible_svg(kind: str) -> None:
    root = parse(CHARTS[kind](title="応答 <時間> & co", chart_id="resp", width=500, height=200))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 500 200"
    assert root.get("role") == "img" and root.get("class") == "chart"
    assert root.get("aria-label") == "応答 <時間> & co"
    assert root.get("data-chart") == "resp" and root.get("data-empty") is None
    assert "max-width:100%" in root.get("style", "")
    assert root[0].tag == f"{SVG}title" and root[0].text == "応答 <時間> & co"
    assert root[1].tag == f"{SVG}rect" and root[1].get("fill") == "#ffffff"
    for mark in marks(root):
        assert mark[0].tag == f"{SVG}title" and mark[0].text
        assert mark.get("data-label") and mark.get("data-value")


@pytest.mark.parametrize("kind", CHARTS)
def test_empty_data_says_so_at_the_same_size(kind: str) -> None:
    empty: Callable[..., str] = {
        "bar": lambda **kw: bar_chart([], **kw),
        "hbar": lambda **kw: bar_chart([("A", 0), ("B", 0)], horizontal=True, **kw),
        "line": lambda **kw: line_chart(["A", "B"], {"x": [None, None], "y": [0, None]}, **kw),
        "stacked": lambda **kw: stacked_bar_chart(["A"], {"x": [0], "y": [0]}, **kw),
    }[kind]
    root = parse(empty(title="T", empty_text="データなし", width=400, height=180))
    assert root.get("data-empty") == "1" and root.get("viewBox") == "0 0 400 180"
    assert marks(root) == [] and texts(root, "empty") == ["データなし"]
    assert texts(parse(line_chart([], {}, title="T")), "empty") == ["No data"]


def test_bar_heights_are_proportional_to_values() -> None:
    root = parse(bar_chart([("a", 10), ("b", 20), ("c", 40), ("d", 0)], title="T", unit="件"))
    bars = marks(root)
    assert [b.get("data-value") for b in bars] == ["10", "20", "40", "0"]
    heights = [num(b, "height") for b in bars]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.2)
    assert heights[3] == 0
    # Bars stand on one baseline; every bar is the first palette colour.
    assert len({round(num(b, "y") + num(b, "height"), 1) for b in bars}) == 1
    assert {b.get("fill") for b in bars} == {PALETTE[0]} and PALETTE[0] == "#0072B2"
    assert bars[2][0].text == "c: 40 件"
    assert texts(root, "y-label") == ["0", "10", "20", "30", "40"]


def test_horizontal_bar_lengths_are_proportional() -> None:
    root = parse(bar_chart([("a", 87), ("b", 29)], title="T", horizontal=True))
    widths = [num(b, "width") for b in marks(root)]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)
    assert texts(root, "x-label") == ["0", "20", "40", "60", "80", "100"]
    assert texts(root, "y-label") == ["a", "b"]


def test_nice_ticks_for_87() -> None:
    root = parse(bar_chart([("a", 87)], title="T"))
    assert texts(root, "y-label") == ["0", "20", "40", "60", "80", "100"]


def test_labels_are_escaped_and_japanese_kept() -> None:
    evil = '<script>alert("x")</script> & co'
    points = [(evil, 1.0), ("お問い合わせ", 2.0), ("tab\tline\nbreak", 3.0)]
    svg = bar_chart(points, title=evil, unit="<u>", chart_id='"id"')
    assert "<script" not in svg and "<u>" not in svg
    root = parse(svg)
    assert [m.get("data-label") for m in marks(root)] == [p[0] for p in points]
    assert marks(root)[0][0].text == f"{evil}: 1 <u>"
    assert "お問い合わせ" in texts(root, "x-label")
    assert root.get("data-chart") == '"id"'


def test_long_labels_are_truncated_but_kept_whole_in_data() -> None:
    long = "とても長い商品名の問い合わせカテゴリ名" * 3
    root = parse(bar_chart([(long, 1), ("b", 2), ("c", 3), ("d", 4)], title="T"))
    shown = texts(root, "x-label")[0]
    assert shown.endswith("…") and long.startswith(shown[:-1]) and len(shown) < len(long)
    assert marks(root)[0].get("data-label") == long
    hroot = parse(bar_chart([(long, 1)], title="T", horizontal=True))
    assert texts(hroot, "y-label")[0].endswith("…")


def test_negative_bars_and_bad_values_are_errors() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        bar_chart([("a", 1), ("b", -0.5)], title="T")
    with pytest.raises(ValueError, match=">= 0"):
        stacked_bar_chart(["a"], {"x": [-1]}, title="T")
    with pytest.raises(ValueError, match="out of range"):
        bar_chart([("a", float("nan"))], title="T")
    with pytest.raises(ValueError, match="out of range"):
        line_chart(["a"], {"x": [float("inf")]}, title="T")
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        line_chart(["a", "b", "c"], {"x": [1, 2]}, title="T")


def test_line_gaps_split_the_path_and_skip_the_marks() -> None:
    root = parse(line_chart(DAYS[:6], {"chats": [1, 2, None, 3, 4, None]}, title="T"))
    paths = [p for p in root.iter(f"{SVG}path") if p.get("class") == "line"]
    assert len(paths) == 2 and all(p.get("d", "").count("M") == 1 for p in paths)
    assert [p.get("d", "").count("L") for p in paths] == [1, 1]
    assert [m.get("data-label") for m in marks(root)] == [DAYS[0], DAYS[1], DAYS[3], DAYS[4]]


def test_line_chart_handles_negative_values_and_several_series() -> None:
    series: dict[str, list[float | None]] = {
        "ja": [-0.6, 0.0, 0.8],
        "en": [0.2, None, -0.1],
        "x": [None, None, None],
    }
    root = parse(line_chart(["a", "b", "c"], series, title="T", y_min=-1, y_max=1))
    assert texts(root, "y-label") == ["-1.0", "-0.5", "0.0", "0.5", "1.0"]
    assert texts(root, "legend") == ["ja", "en", "x"]
    points = marks(root)
    assert len(points) == 5
    assert [p.get("fill") for p in points[:3]] == [PALETTE[0]] * 3
    assert {p.get("fill") for p in points[3:]} == {PALETTE[1]}
    ys = {p.get("data-value"): num(p, "cy") for p in points if p.get("data-series") == "ja"}
    zero = next(num(g, "y1") for g in root.iter(f"{SVG}line") if g.get("stroke") == "#999999")
    assert ys["-0.6"] > zero > ys["0.8"] and ys["0"] == pytest.approx(zero)
    assert points[3][0].text == "a · en: 0.2"


def test_y_limits_widen_but_never_clip() -> None:
    root = parse(line_chart(["a", "b"], {"s": [3.0, 4.5]}, title="T", y_max=1))
    assert texts(root, "y-label") == ["0", "1", "2", "3", "4", "5"]


def test_x_labels_are_thinned_so_they_never_crowd() -> None:
    labels = [f"2026-{m:02d}-{d:02d}" for m in (3, 4, 5) for d in range(1, 31)]
    root = parse(line_chart(labels, {"s": [float(i) for i in range(90)]}, title="T"))
    shown = texts(root, "x-label")
    assert len(marks(root)) == 90
    assert 2 <= len(shown) <= MAX_X_LABELS and shown[0] == labels[0]
    assert all(s in labels for s in shown)  # thinned, not truncated
    xs = [num(t, "x") for t in root.iter(f"{SVG}text") if t.get("class") == "x-label"]
    assert all(b - a >= 6.6 * 10 for a, b in itertools.pairwise(xs))  # 10 chars apart
    few = parse(stacked_bar_chart(DAYS[:5], {"a": [1] * 5}, title="T"))
    assert texts(few, "x-label") == DAYS[:5]


def test_stacked_columns_stack_in_series_order() -> None:
    series = {"resolved": [3.0, 0.0, 5.0], "handed off": [1.0, 2.0, 0.0]}
    root = parse(stacked_bar_chart(["mon", "tue", "wed"], series, title="T", unit="件"))
    segments = marks(root)
    assert len(segments) == 6 and texts(root, "legend") == ["resolved", "handed off"]
    mon_resolved, mon_handed = segments[0], segments[1]
    assert mon_resolved.get("data-series") == "resolved" and mon_resolved.get("fill") == PALETTE[0]
    assert mon_handed.get("fill") == PALETTE[1]
    assert num(mon_handed, "y") + num(mon_handed, "height") == pytest.approx(
        num(mon_resolved, "y"), abs=0.1
    )
    assert num(mon_resolved, "height") == pytest.approx(3 * num(mon_handed, "height"), abs=0.2)
    assert mon_handed[0].text == "mon · handed off: 1 件"


@given(st.lists(st.floats(min_value=0, max_value=1e12, allow_nan=False), max_size=80))
def test_any_non_negative_values_render_one_mark_each(values: list[float]) -> None:
    points = [(f"item {i}", v) for i, v in enumerate(values)]
    for svg in (bar_chart(points, title="T"), bar_chart(points, title="T", horizontal=True)):
        root = parse(svg)
        if any(values):
            assert len(marks(root)) == len(values) and root.get("data-empty") is None
            assert all(0 <= num(m, "height") <= 260 and num(m, "width") >= 0 for m in marks(root))
        else:
            assert root.get("data-empty") == "1" and marks(root) == []


@given(st.lists(st.text(max_size=40), min_size=1, max_size=20))
def test_any_label_text_renders_well_formed(labels: list[str]) -> None:
    xml_unsafe = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
    root = parse(line_chart(labels, {"s": [1.0] * len(labels)}, title=labels[0]))
    assert [m.get("data-label") for m in marks(root)] == [xml_unsafe.sub("", x) for x in labels]
