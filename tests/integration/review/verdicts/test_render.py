"""Verdict PDF rendering (DESIGN.md §6, §8): checked on the PDF file itself with poppler-utils."""

from __future__ import annotations

import dataclasses
import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from review.verdicts.document import (
    CriterionLine,
    PanelSeatLine,
    VerdictDocument,
    document_date,
    document_number,
)
from review.verdicts.render import (
    PDF_TEMPLATE_DIR,
    VerdictURLFetcher,
    build_verdict_html,
    check_pdf_environment,
    render_verdict_pdf,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
        reason="poppler-utils (pdftotext, pdffonts, pdfinfo) not installed",
    ),
]

CSS_URL = (PDF_TEMPLATE_DIR / "verdict.css").resolve().as_uri()

HOSTILE = (
    '诉求人称<img src="http://127.0.0.1:9/x.png">'
    '<link rel="attachment" href="file:///etc/passwd">'
    '<a href="file:///etc/passwd">详情</a>'
    "<style>@import url(http://127.0.0.1:9/evil.css);</style>"
)


def make_doc(**changes) -> VerdictDocument:
    doc = VerdictDocument(
        number="评〔2026〕41号",
        issuing_office="成都市网络理政第三方评议办公室",
        issued_on=datetime.date(2026, 11, 22),
        case_number="CD-2026-0412-00873",
        category="城市管理·噪声扰民",
        district="武侯区",
        department_name="武侯区综合行政执法局",
        complainant_display="王某",
        summary="诉求人反映，某小区旁建筑工地连续多日在夜间二十二时后施工，噪声严重影响周边居民休息。",
        reply_summary="承办单位答复称，已联系施工单位负责人，要求其严格遵守夜间施工管理规定。",
        panel=(
            PanelSeatLine("张明", "法律专家", True),
            PanelSeatLine("李华", "市民代表", False),
            PanelSeatLine("赵磊", "行业专家", False),
        ),
        criteria_name="成都市网络理政诉求办理质量评议标准",
        criteria_version=3,
        criteria_hash="9f2c4e1ab37d5e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
        criteria=(
            CriterionLine("A1", "响应及时性", 0.2, 4.2, 5),
            CriterionLine("A2", "核查深入性", 0.4, 2.4, 5),
            CriterionLine("A3", "问题解决程度", 0.4, 2.2, 5),
        ),
        total=54.40,
        grade_label="办理不到位",
        ruling_text="评议组认为，承办单位未到现场核查夜间施工的实际情况，答复与诉求对应不足。",
        reasoning="一是未开展现场核查。\n二是未说明夜间施工许可的时段。",
        redo_deadline=datetime.date(2026, 12, 6),
        dissent="评议员赵某认为，承办单位已说明客观限制，建议评定为“基本到位”。",
        verification_code="7KQ4-M2XP-9D",
        verify_url="https://pingyi.example.gov.cn/verify/7KQ4-M2XP-9D",
        public=False,
    )
    return dataclasses.replace(doc, **changes)


def _poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """Text in content-stream order; -raw keeps the spaces of the footer."""
    return _poppler("pdftotext", pdf, tmp_path, "-raw", "-enc", "UTF-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def internal_pdf() -> bytes:
    return render_verdict_pdf(make_doc())


def test_text_has_title_number_grade_and_footer(internal_pdf: bytes, tmp_path: Path) -> None:
    text = pdf_text(internal_pdf, tmp_path)
    flat = squash(text)
    assert "第三方评议意见书" in flat
    assert "评〔2026〕41号" in flat
    assert "成都市网络理政第三方评议办公室" in flat
    assert "武侯区综合行政执法局：" in flat  # 主送机关
    assert "办理不到位" in flat
    assert "54.40" in flat
    assert "— 1 —" in text
    for heading in (
        "一、案件概况",
        "二、评议组组成",
        "三、评议标准与评分",
        "四、评议结论",
        "五、整改要求",
        "六、不同意见",
    ):
        assert heading in flat
    # signature date and redo deadline in Arabic numerals (GB/T 9704-2012 7.3.5.1), not the 1999 style
    assert "2026年11月22日" in flat
    assert "2026年12月6日" in flat
    assert "二〇二六" not in flat
    assert "评议组组长：张明" in flat
    # verification block
    assert "7KQ4-M2XP-9D" in flat
    assert "https://pingyi.example.gov.cn/verify/7KQ4-M2XP-9D" in flat
    assert "扫码或访问" in flat and "核验" in flat
    # the internal version names the (masked) complainant
    assert "诉求人：王某" in flat


def test_fonts_are_embedded_cjk_subsets(internal_pdf: bytes, tmp_path: Path) -> None:
    listing = _poppler("pdffonts", internal_pdf, tmp_path).splitlines()
    header, rule, *rows = listing
    assert header.split()[:2] == ["name", "type"] and set(rule) <= {"-", " "}
    assert rows, "no fonts in the PDF"
    # columns: name type... encoding emb sub uni object ID — read emb/sub from the right
    for row in rows:
        cols = row.split()
        emb, sub = cols[-5], cols[-4]
        assert emb == "yes", row
        assert sub == "yes", row
        assert "CJK" in cols[0] or "UKai" in cols[0], row
    names = {row.split()[0].split("+", 1)[-1] for row in rows}
    # 小标宋, 仿宋, 黑体 and 楷体 stand-ins (see verdict.css), and nothing else
    assert names == {"Noto-Serif-CJK-SC-Bold", "Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "AR-PL-UKai-CN"}, names


def test_same_document_renders_identical_bytes(tmp_path: Path) -> None:
    doc = make_doc()
    first = render_verdict_pdf(doc)
    second = render_verdict_pdf(doc)
    assert first == second
    other = render_verdict_pdf(dataclasses.replace(doc, number="评〔2026〕42号"))
    assert other != first


def test_metadata_is_fixed_and_personal_data_free(internal_pdf: bytes, tmp_path: Path) -> None:
    info = _poppler("pdfinfo", internal_pdf, tmp_path)
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    assert fields["Title"] == "评〔2026〕41号"
    assert fields["Page size"].endswith("(A4)")
    assert "2026" in fields["CreationDate"] and "Nov 22" in fields["CreationDate"]
    assert fields["CreationDate"] == fields["ModDate"]
    assert "王某" not in info
    assert "Author" not in fields and "Keywords" not in fields and "Subject" not in fields


def test_public_version_marks_and_omits_complainant(tmp_path: Path) -> None:
    pdf = render_verdict_pdf(make_doc(public=True))
    flat = squash(pdf_text(pdf, tmp_path))
    assert "公开版" in flat
    assert "王某" not in flat
    assert "诉求人：" not in flat
    # panel names are kept in the public version
    assert "张明" in flat and "李华" in flat
    # the internal one carries no public mark
    internal = squash(pdf_text(render_verdict_pdf(make_doc()), tmp_path))
    assert "公开版" not in internal


def test_sections_follow_the_data(tmp_path: Path) -> None:
    pdf = render_verdict_pdf(make_doc(dissent="  ", redo_deadline=None, grade_label="办理到位", total=91.0))
    flat = squash(pdf_text(pdf, tmp_path))
    assert "六、不同意见" not in flat
    assert "本案不要求重新办理" in flat
    assert "办理到位" in flat and "91.00" in flat


def test_hostile_content_is_text_and_nothing_is_fetched(tmp_path: Path) -> None:
    doc = make_doc(summary=HOSTILE, reasoning=HOSTILE, dissent=HOSTILE, reply_summary=HOSTILE)
    html = build_verdict_html(doc)
    assert '<img src="http' not in html and "&lt;img" in html

    fetcher = VerdictURLFetcher()
    pdf = render_verdict_pdf(doc, url_fetcher=fetcher)

    text = pdf_text(pdf, tmp_path)
    flat = squash(text)
    assert "<img" in flat
    assert "<linkrel=" in flat
    assert 'href="file:///etc/passwd"' in text.replace("\n", "")
    assert "root:" not in text  # /etc/passwd was not read into the document

    assert fetcher.denied == []
    assert [url for url in fetcher.served if not url.startswith("data:")] == [CSS_URL]
    assert [url for url in fetcher.requested if not url.startswith("data:")] == [CSS_URL]
    # the only data: URI is the QR code
    data_urls = [url for url in fetcher.served if url.startswith("data:")]
    assert len(data_urls) == 1 and data_urls[0].startswith("data:image/png")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://evil.example/etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/verdict.css",
        "ftp://example.com/x.css",
        "gopher://example.com/",
        CSS_URL.replace("/templates/pdf/verdict.css", "/templates/pdf/../../pyproject.toml"),
        CSS_URL.replace("verdict.css", "%2e%2e/%2e%2e/pyproject.toml"),
        CSS_URL.replace("verdict.css", "no-such-file.css"),
        CSS_URL.replace("verdict.css", ""),
        "verdict.css",
        "data-no-colon",
    ],
)
def test_fetcher_denies_everything_else(url: str) -> None:
    fetcher = VerdictURLFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.denied == [url]
    assert fetcher.served == []


def test_fetcher_denies_symlink_escaping_root(tmp_path: Path) -> None:
    (tmp_path / "ok.css").write_text("p { color: black }", encoding="utf-8")
    (tmp_path / "escape.css").symlink_to("/etc/passwd")
    fetcher = VerdictURLFetcher(root=tmp_path)
    assert fetcher.fetch((tmp_path / "ok.css").as_uri()).read() == b"p { color: black }"
    with pytest.raises(ValueError):
        fetcher.fetch((tmp_path / "escape.css").as_uri())


def test_fetcher_serves_template_css_and_data_uris() -> None:
    fetcher = VerdictURLFetcher()
    css = fetcher.fetch(CSS_URL)
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    plain = fetcher.fetch("data:text/plain;charset=utf-8,%E8%AF%84%E8%AE%AE")
    assert plain.read().decode("utf-8") == "评议"
    b64 = fetcher.fetch("data:image/svg+xml;base64,PHN2Zy8+")
    assert b64.content_type == "image/svg+xml" and b64.read() == b"<svg/>"
    assert fetcher.denied == []


def test_document_date_and_number() -> None:
    assert document_date(datetime.date(2026, 11, 22)) == "2026年11月22日"
    assert document_date(datetime.date(2026, 12, 3)) == "2026年12月3日"
    assert document_date(datetime.date(2027, 1, 1)) == "2027年1月1日"
    assert document_number("评", 2026, 41) == "评〔2026〕41号"
    assert document_number("评", 2027, 1) == "评〔2027〕1号"
    with pytest.raises(ValueError):
        document_number("评", 2026, 0)


def test_environment_is_ready_for_pdf() -> None:
    assert check_pdf_environment() == []


def test_qr_code_in_the_file_encodes_the_verify_url(internal_pdf: bytes, tmp_path: Path) -> None:
    """Read the QR bitmap back out of the PDF (pdfimages) and compare it module by module."""
    import segno
    from PIL import Image

    path = tmp_path / "v.pdf"
    path.write_bytes(internal_pdf)
    subprocess.run(["pdfimages", "-png", str(path), str(tmp_path / "img")], check=True, timeout=60)
    images = sorted(tmp_path.glob("img-*.png"))
    assert len(images) == 1, "the QR code is the only image in a verdict"
    bitmap = Image.open(images[0]).convert("L")
    found = [[bitmap.getpixel((x, y)) < 128 for x in range(bitmap.width)] for y in range(bitmap.height)]

    def modules(url: str) -> list[list[bool]]:
        return [[bool(v) for v in row] for row in segno.make(url, error="m", micro=False).matrix]

    assert found == modules("https://pingyi.example.gov.cn/verify/7KQ4-M2XP-9D")
    assert found != modules("https://pingyi.example.gov.cn/verify/7KQ4-M2XP-9E")
    try:
        import zxingcpp  # optional: a real decoder, when installed
    except ImportError:
        return
    page = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-l", "2", str(path), str(page)], check=True, timeout=60)
    decoded = [r.text for p in sorted(tmp_path.glob("page-*.png")) for r in zxingcpp.read_barcodes(Image.open(p))]
    assert decoded == ["https://pingyi.example.gov.cn/verify/7KQ4-M2XP-9D"]


def test_layout_keeps_text_in_the_type_area(internal_pdf: bytes, tmp_path: Path) -> None:
    """Text stays inside the type area (top 37, bottom 35, left 28, right 26 mm) except the page numbers."""
    path = tmp_path / "v.pdf"
    path.write_bytes(internal_pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    mm = 72 / 25.4
    pages = html.split("<page ")[1:]
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page)
        body = [w for w in words if 37 * mm - 2 <= float(w[1]) and float(w[3]) <= (297 - 35) * mm + 2]
        margins = [w for w in words if w not in body]
        for x_min, _, x_max, _, word in body:
            assert 28 * mm - 2 <= float(x_min) and float(x_max) <= (210 - 26) * mm + 2, word
        # no running header: the only text outside the type area is the page number
        assert "".join(w[4] for w in margins) == f"—{number}—"


def test_required_actions_are_listed_with_the_deadline(tmp_path: Path) -> None:
    pdf = render_verdict_pdf(make_doc(required_actions=("针对“核查深入性”存在的不足重新核查办理。",)))
    flat = squash(pdf_text(pdf, tmp_path))
    assert "2026年12月6日前重新办理本案" in flat
    assert "（一）针对“核查深入性”存在的不足重新核查办理。" in flat
