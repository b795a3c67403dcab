"""Server-drawn charts: SVG a page's CSP lets through (no style element or attribute), scaled to the values, every
label escaped, and a plain 暂无数据 when there is nothing to draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from review.core.charts import diverging_bars, ranked_bars, trend_lines

SVG = "{http://www.w3.org/2000/svg}"
BANDS = [("优秀", "#1a7f37"), ("良好", "#0969da"), ("合格", "#9a6700"), ("不合格", "#cf222e")]


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox") and root.get("role") == "img"
    for element in root.iter():
        assert element.tag != f"{SVG}style" and "style" not in element.attrib
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def test_ranked_bars_scale_to_the_top_value_and_take_their_band_colour() -> None:
    root = parsed(ranked_bars("2026年11月 综合得分", [("交通<局>&", 92.0, "优秀"), ("住建局", 46.0, "不合格")],
                              bands=BANDS))
    first, second = bars(root)
    assert float(first.get("width")) == pytest.approx(2 * float(second.get("width")))
    assert first.get("fill") == "#1a7f37" and second.get("fill") == "#cf222e"
    assert first.find(f"{SVG}title").text == "交通<局>&：92.00（优秀）"  # escaped in the SVG, read back whole
    assert "暂无数据" not in "".join(root.itertext())


def test_ranked_bars_clip_to_the_scale_and_say_when_empty() -> None:
    over, = bars(parsed(ranked_bars("t", [("甲", 140.0, "优秀")], bands=BANDS)))
    full, = bars(parsed(ranked_bars("t", [("乙", 100.0, "优秀")], bands=BANDS)))
    assert over.get("width") == full.get("width")
    assert "暂无数据" in "".join(parsed(ranked_bars("t", [], bands=BANDS)).itertext())


def test_trend_lines_break_where_a_period_has_no_value() -> None:
    root = parsed(trend_lines("满意率", ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"],
                              [("满意率", "#0969da", [80.0, 82.5, None, 85.0, 90.0]),
                               ("解决率", "#9a6700", [70.0, None, None, None, 71.0])]))
    lines = list(root.iter(f"{SVG}polyline"))
    assert [len(line.get("points").split()) for line in lines] == [2, 2]  # 满意率 in two runs, 解决率 none
    points = list(root.iter(f"{SVG}circle"))
    assert len(points) == 6
    ys = [float(c.get("cy")) for c in points[:4]]
    assert ys[0] > ys[1] > ys[2] > ys[3]  # higher values drawn higher
    assert "2026-10" in "".join(root.itertext())


def test_trend_lines_without_values_say_so() -> None:
    assert "暂无数据" in "".join(parsed(trend_lines("t", ["2026-11"], [("甲", "#000", [None])])).itertext())


def test_diverging_bars_go_left_for_negative_values() -> None:
    root = parsed(diverging_bars("偏差", [("甲", -1.0), ("乙", 2.0)], below=("偏低", "#cf222e"),
                                 above=("偏高", "#1a7f37")))
    left, right = bars(root)
    assert float(left.get("x")) < float(right.get("x"))
    assert float(right.get("width")) == pytest.approx(2 * float(left.get("width")))


def test_every_chart_tells_its_figures_in_words_as_its_text_alternative() -> None:
    ranked = parsed(ranked_bars("得分", [("交通局", 92.0, "优秀"), ("住建局", 46.0, "不合格")], bands=BANDS))
    diverging = parsed(diverging_bars("变化", [("交通局", 1.5), ("住建局", -2.25)], below=("下降", "#cf222e"),
                                      above=("上升", "#1a7f37"), unit=" 分"))
    trend = parsed(trend_lines("走势", ["2026-09", "2026-10"], [("交通局", "#0969da", [80.0, None])]))
    assert ranked.find(f"{SVG}desc").text == "交通局：92.00（优秀）；住建局：46.00（不合格）"
    assert diverging.find(f"{SVG}desc").text == "交通局：+1.50 分；住建局：-2.25 分"
    assert trend.find(f"{SVG}desc").text == "交通局：2026-09 80.00"
