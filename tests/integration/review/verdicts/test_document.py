"""The verdict PDF measured against GB/T 9704-2012 (党政机关公文格式): positions, sizes, fonts and colours are read
from the PDF file with pdfplumber and compared with the standard's figures, within its ±1 mm."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from itertools import pairwise

import pdfplumber
import pytest

from review.verdicts.document import CriterionLine
from review.verdicts.render import render_verdict_pdf
from tests.integration.review.verdicts.test_render import make_doc

pytestmark = pytest.mark.integration

MM = 72 / 25.4
TOP, BOTTOM = 37 * MM, (297 - 35) * MM  # the type area: 156 × 225 mm, top margin 37 mm, left 28 mm
LEFT, RIGHT = 28 * MM, (28 + 156) * MM
PITCH = 225 * MM / 22  # 22 lines to the type area
CELL = 156 * MM / 28  # 28 characters to the line
TOL = 1 * MM
RED = (0.901961, 0.0, 0.070588)
OFFICE = "成都市网络理政第三方评议办公室"


@dataclass
class Line:
    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    font: str
    color: tuple
    chars: list


def upright(char: dict) -> bool:
    _, b, c, _, _, _ = char["matrix"]
    return abs(b) < 1e-6 and abs(c) < 1e-6


def lines_of(page) -> list[Line]:
    """The page's upright text, one Line per row of characters of one size."""
    rows: dict[tuple[float, float], list[dict]] = {}
    for ch in page.chars:
        if upright(ch):
            rows.setdefault((round(ch["top"], 0), round(ch["size"], 1)), []).append(ch)
    found = []
    for (_, size), chars in sorted(rows.items()):
        chars.sort(key=lambda c: c["x0"])
        found.append(
            Line(
                "".join(c["text"] for c in chars).strip(),
                min(c["top"] for c in chars),
                max(c["bottom"] for c in chars),
                chars[0]["x0"],
                chars[-1]["x1"],
                size,
                chars[0]["fontname"].split("+", 1)[-1],
                tuple(chars[0]["non_stroking_color"] or ()),
                chars,
            )
        )
    return found


def find(lines: list[Line], start: str) -> Line:
    return next(line for line in lines if line.text.startswith(start))


def near(value: float, expected: float, tolerance: float = TOL) -> bool:
    return abs(value - expected) <= tolerance


@pytest.fixture(scope="module")
def pages() -> list[list[Line]]:
    with pdfplumber.open(io.BytesIO(render_verdict_pdf(make_doc()))) as pdf:
        return [lines_of(page) for page in pdf.pages]


@pytest.fixture(scope="module")
def last_page():
    with pdfplumber.open(io.BytesIO(render_verdict_pdf(make_doc()))) as pdf:
        page = pdf.pages[-1]
        return {
            "chars": page.chars,
            "rects": page.rects,
            "curves": page.curves,
            "lines": lines_of(page),
            "count": len(pdf.pages),
        }


def test_masthead_number_rule_title_and_addressee(pages: list[list[Line]]) -> None:
    with pdfplumber.open(io.BytesIO(render_verdict_pdf(make_doc()))) as pdf:
        rules = [r for r in pdf.pages[0].rects if tuple(r["non_stroking_color"] or ()) == RED]
    first = pages[0]
    office = find(first, OFFICE)
    # 发文机关标志: red 小标宋 (the bold serif), centred, its top edge 35 mm below the top of the type area
    assert office.color == RED and office.font == "Noto-Serif-CJK-SC-Bold"
    assert near(office.top, TOP + 35 * MM), office.top / MM
    assert near((office.x0 + office.x1) / 2, (LEFT + RIGHT) / 2)
    # 发文字号: 〔〕, no 第, no leading zeros; 三号仿宋, centred, two blank lines under the organ
    number = find(first, "评〔")
    assert number.text == "评〔2026〕41号"
    assert number.size == 16 and number.font == "Noto-Serif-CJK-SC" and number.color == (0.0, 0.0, 0.0)
    assert near(number.top, office.bottom + 2 * PITCH + (PITCH - 16) / 2), (number.top - office.bottom) / MM
    assert near((number.x0 + number.x1) / 2, (LEFT + RIGHT) / 2)
    # the red separator, as wide as the type area, 4 mm under the number
    (rule,) = rules
    assert near(rule["top"], number.bottom + 4 * MM), (rule["top"] - number.bottom) / MM
    assert near(rule["x0"], LEFT) and near(rule["x1"], RIGHT)
    # 标题: 二号小标宋, two blank lines under the rule, centred, not letter-spaced
    title = find(first, "第三方评议意见书")
    assert title.size == 22 and title.font == "Noto-Serif-CJK-SC-Bold"
    assert near(title.top, rule["bottom"] + 2 * PITCH + (PITCH - 22) / 2), (title.top - rule["bottom"]) / MM
    advances = [b["x0"] - a["x0"] for a, b in pairwise(title.chars)]
    assert max(advances) - 22 < 0.5
    # 主送机关: one blank line under the title, flush left, full-width colon
    addressee = find(first, "武侯区综合行政执法局：")
    assert addressee.text == "武侯区综合行政执法局：" and near(addressee.x0, LEFT)
    assert near(addressee.top, title.bottom + PITCH + (PITCH - 22) / 2 + (PITCH - 16) / 2), (
        addressee.top - title.bottom
    ) / MM


def test_public_mark_sits_in_the_top_left_corner_of_the_type_area() -> None:
    with pdfplumber.open(io.BytesIO(render_verdict_pdf(make_doc(public=True)))) as pdf:
        first = lines_of(pdf.pages[0])
    mark = find(first, "公开版")
    assert near(mark.x0, LEFT) and TOP - 1 <= mark.top <= TOP + PITCH


def test_body_is_sanhao_on_22_lines_of_28_characters(pages: list[list[Line]]) -> None:
    body = [
        [line for line in page if line.font == "Noto-Serif-CJK-SC" and line.size == 16 and line.top < BOTTOM]
        for page in pages
    ]
    assert all(body)
    gaps = [b.top - a.top for page in body for a, b in pairwise(page) if b.top - a.top < 1.5 * PITCH]
    assert len(gaps) > 10
    for gap in gaps:  # every line on the grid of 22 lines to the type area
        assert abs(gap - PITCH) < 0.3, gap
    assert round(225 * MM / (sum(gaps) / len(gaps))) == 22
    cjk = [
        line
        for page in body
        for line in page
        if all("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in line.text)
    ]
    full = [line for line in cjk if near(line.x0, LEFT, 0.5 * MM)]
    assert full and max(len(line.text) for line in full) == 28
    widest = max(full, key=lambda line: len(line.text))
    assert near(widest.x1, RIGHT), widest.x1 / MM
    for line in cjk:  # characters set on the 156 mm / 28 grid
        for a, b in pairwise(line.chars):
            assert abs((b["x0"] - a["x0"]) - CELL) < 0.3, line.text
    # 首行缩进二字
    indented = [line for line in cjk if line.x0 > LEFT + CELL]
    assert indented and all(
        near(line.x0, LEFT + 2 * CELL, 0.3) for line in indented if line.x0 < LEFT + 3 * CELL
    )


def test_headings_are_heiti_then_kaiti(pages: list[list[Line]]) -> None:
    lines = [line for page in pages for line in page]
    for start in ("一、案件概况", "二、评议组组成", "五、整改要求"):
        heading = find(lines, start)
        assert heading.font == "Noto-Sans-CJK-SC" and heading.size == 16, heading
    for start in ("（一）诉求摘要", "（二）办理答复摘要"):
        heading = find(lines, start)
        assert heading.font == "AR-PL-UKai-CN" and heading.size == 16, heading


def test_page_numbers_dash_sihao_odd_right_even_left_and_no_running_header(pages: list[list[Line]]) -> None:
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        below = [line for line in page if line.top > BOTTOM]
        above = [line for line in page if line.bottom < TOP]
        assert above == []  # no running header
        (folio,) = below
        assert folio.text == f"— {number} —" and folio.size == 14
        assert near(folio.top, BOTTOM + 7 * MM), folio.top / MM
        if number % 2:
            assert near(folio.x1, RIGHT - 14), (RIGHT - folio.x1) / MM
        else:
            assert near(folio.x0, LEFT + 14), (folio.x0 - LEFT) / MM


def test_signature_date_seal_and_imprint_on_the_last_page(last_page: dict) -> None:
    lines = last_page["lines"]
    # 成文日期 in Arabic numerals, four characters in from the right; the office's name centred on it, above it
    date = next(line for line in lines if line.text == "2026年11月22日")
    assert date.size == 16
    assert near(date.x1, RIGHT - 4 * CELL), (RIGHT - date.x1) / MM
    office = next(line for line in lines if line.text == OFFICE and line.size == 16)
    assert near((office.x0 + office.x1) / 2, (date.x0 + date.x1) / 2)
    assert near(date.top - office.top, PITCH)
    assert office.x1 <= RIGHT + 0.5

    # 版记: 印发机关 and 印发日期 in 四号, between two thick rules as wide as the type area, on the last line
    imprint = next(line for line in lines if line.text.endswith("印发"))
    assert imprint.size == 14 and imprint.text.startswith(OFFICE) and "2026年11月22日印发" in imprint.text
    assert near(imprint.x0, LEFT + 14) and near(imprint.x1, RIGHT - 14)
    # WeasyPrint draws the two borders as the space between an outer and an inner rectangle
    frames = sorted(
        (
            r
            for r in last_page["rects"]
            if near(r["x0"], LEFT) and near(r["x1"], RIGHT) and r["top"] < imprint.top < r["bottom"]
        ),
        key=lambda r: r["top"],
    )
    outer, inner = frames[0], frames[-1]
    assert abs((inner["top"] - outer["top"]) - 0.35 * MM) < 0.05 * MM, (inner["top"] - outer["top"]) / MM
    assert abs((outer["bottom"] - inner["bottom"]) - 0.35 * MM) < 0.05 * MM
    assert inner["top"] <= imprint.top and imprint.bottom <= inner["bottom"]
    assert near(outer["bottom"], BOTTOM), outer["bottom"] / MM

    # The seal: red, drawn (a ring and text), the office's name along the upper arc, every character upright
    # (its top to the rim, none past 100° from upright, none mirrored), in reading order from left to right.
    seal = [c for c in last_page["chars"] if not upright(c)] + [
        c for c in last_page["chars"] if upright(c) and tuple(c["non_stroking_color"] or ()) == RED
    ]
    assert all(tuple(c["non_stroking_color"] or ()) == RED for c in seal)
    turns = []
    for char in seal:
        a, b, c, d, _, _ = char["matrix"]
        assert a * d - b * c > 0, char["text"]  # not mirrored
        turns.append((-math.degrees(math.atan2(b, a)), char))  # clockwise from upright, as seen on the page
    turns.sort(key=lambda t: t[0])
    assert "".join(char["text"] for _, char in turns) == OFFICE
    angles = [angle for angle, _ in turns]
    assert max(abs(a) for a in angles) <= 100.5
    assert abs(angles[0] + angles[-1]) < 0.5
    assert any(
        curve.get("stroking_color") and tuple(curve["stroking_color"]) == RED for curve in last_page["curves"]
    )


def test_imprint_only_on_the_last_page(pages: list[list[Line]]) -> None:
    assert [any(line.text.endswith("印发") for line in page) for page in pages] == [False] * (
        len(pages) - 1
    ) + [True]


@pytest.mark.parametrize("lead", [0, 6, 12, 18])
def test_a_long_latin_token_leaves_no_line_short(lead: int) -> None:
    """A file name or address in the text breaks at the line's end instead of leaving the line before it short."""
    token = "IMG20261122083015CD2026041200873WUHOU.jpg"
    doc = make_doc(
        summary=f"诉求人反映{'某' * lead}照片见 {token} 。请核查夜间施工的许可时段与噪声监测记录。"
    )
    with pdfplumber.open(io.BytesIO(render_verdict_pdf(doc))) as pdf:
        lines = [line for page in pdf.pages for line in lines_of(page) if line.size == 16]
    first = next(i for i, line in enumerate(lines) if line.text.startswith("诉求人反映"))
    last = next(i for i, line in enumerate(lines) if line.text.endswith("记录。"))
    paragraph = lines[first : last + 1]
    assert (
        "".join(line.text for line in paragraph).replace(" ", "")
        == f"诉求人反映{'某' * lead}照片见{token}。请核查夜间施工的许可时段与噪声监测记录。"
    )
    for line in paragraph[:-1]:
        assert line.x1 > RIGHT - CELL, (
            f"{(RIGHT - line.x1) / CELL:.1f} characters left empty after {line.text}"
        )


def test_a_long_score_table_goes_on_over_the_page_instead_of_leaving_it_empty() -> None:
    criteria = tuple(CriterionLine(f"B{i}", f"评议指标第{i}项", 1 / 14, 3.5, 5) for i in range(1, 15))
    doc = make_doc(criteria=criteria, summary="诉求人反映的问题。" * 20)
    with pdfplumber.open(io.BytesIO(render_verdict_pdf(doc))) as pdf:
        pages = [lines_of(page) for page in pdf.pages]
    rows = [i for i, page in enumerate(pages) for line in page if line.text.startswith("B")]
    assert len(rows) == 14 and len(set(rows)) == 2  # the table goes on over the page
    for page in pages[:-1]:
        lowest = max(line.bottom for line in page if line.top < BOTTOM)
        assert BOTTOM - lowest < 3 * PITCH, f"{(BOTTOM - lowest) / MM:.0f} mm left empty"


@pytest.mark.parametrize("repeat", [9, 12, 15])
def test_closing_and_imprint_stay_together_on_the_last_page(repeat: int) -> None:
    """However long the text, the signature, the seal and 版记 end the last page, 版记 under everything else."""
    doc = make_doc(reasoning="评议组认为承办单位应当到现场核查。" * repeat)
    with pdfplumber.open(io.BytesIO(render_verdict_pdf(doc))) as pdf:
        pages = [lines_of(page) for page in pdf.pages]
        seal_pages = [i for i, page in enumerate(pdf.pages) if any(not upright(c) for c in page.chars)]
    last = pages[-1]
    assert seal_pages == [len(pages) - 1]
    for start in ("评议组组长：张明", "2026年11月22日", "核验码"):
        assert [i for i, page in enumerate(pages) if any(line.text.startswith(start) for line in page)] == [
            len(pages) - 1
        ], start
    imprint = next(line for line in last if line.text.endswith("印发"))
    above = [line for line in last if line is not imprint and line.top < BOTTOM]
    assert max(line.bottom for line in above) < imprint.top
