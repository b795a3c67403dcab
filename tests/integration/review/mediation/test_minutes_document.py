"""调解笔录 as a PDF: the verdict's style, Chinese fonts embedded, the minutes in force with their hash and the
parties' comments, the same bytes for the same minutes, for the mediation's participants only."""

from __future__ import annotations

import re
import subprocess
import tempfile
from datetime import date

import pytest
from weasyprint import HTML
from weasyprint.urls import path2url

from review.core.errors import Forbidden, NotFound
from review.core.printing import VerdictURLFetcher
from review.mediation import minutes_document
from review.mediation.services import minutes
from tests import factories
from tests.integration.review.mediation.helpers import complainant_of, session_begun
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _run(tool: str, pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        args = [tool, f.name] if tool == "pdffonts" else [tool, "-layout", f.name, "-"]
        return subprocess.run(args, capture_output=True, check=True).stdout.decode()


async def test_the_minutes_pdf_carries_the_minutes_in_force_their_hash_and_the_comments() -> None:
    number, _, office, _ = await convened_case()
    mediation_id, session_id = await session_begun(number, office)
    await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id, text="初稿", actor=office)
    saved = await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id,
                                       text="双方到场。\n部门承诺十日内修复路灯。", actor=office)
    await minutes.comment(mediation_id=mediation_id, session_id=session_id, text="诉求人认可笔录",
                          actor=await complainant_of(number))

    pdf, filename = await minutes_document.minutes_pdf(mediation_id=mediation_id, actor=office)
    again, _ = await minutes_document.minutes_pdf(mediation_id=mediation_id, actor=await factories.account("liaison"))

    text = re.sub(r"\s+", "", _run("pdftotext", pdf))
    assert filename == f"mediation-minutes-{number}.pdf" and pdf == again
    for expected in ("调解笔录", number, "部门承诺十日内修复路灯。", "笔录第2版", saved["sha256"], "诉求人认可笔录",
                     "未经诉求人和承办部门双方同意，不进入案卷"):
        assert expected in text, expected
    assert "初稿" not in text
    fonts = _run("pdffonts", pdf)
    assert "CJK" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())


def test_the_minutes_template_loads_nothing_but_its_stylesheets() -> None:
    doc = minutes_document.MinutesDocument(
        issuing_office="成都市网络理政第三方评议办公室", case_number="PY2026000001", category="城市管理",
        department_name="成都市交通运输局", printed_on=date(2026, 12, 3),
        sessions=[minutes_document.SessionLine(starts_at="2026-12-03 10:00", mode_label="线上", location="",
                                               version=1, body="笔录", sha256="0" * 64, written_at="2026-12-03 11:00")])
    fetcher = VerdictURLFetcher()  # as the renderer lays it out, with a fetcher the test reads afterwards
    HTML(string=minutes_document.minutes_html(doc), base_url=path2url(str(minutes_document.PDF_TEMPLATE_DIR) + "/"),
         url_fetcher=fetcher).write_pdf()
    assert fetcher.denied == []
    assert sorted(u.rsplit("/", 1)[-1] for u in fetcher.served) == ["mediation_minutes.css", "verdict.css"]


async def test_only_participants_download_the_minutes() -> None:
    number, _, office, members = await convened_case()
    mediation_id, session_id = await session_begun(number, office)
    with pytest.raises(NotFound):
        await minutes_document.minutes_pdf(mediation_id=mediation_id, actor=office)
    await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id, text="笔录", actor=office)
    chair = await factories.chair_of(number)
    other = next(m for m in members if m.user_id != chair.user_id)

    pdf, _ = await minutes_document.minutes_pdf(mediation_id=mediation_id, actor=chair)

    assert pdf.startswith(b"%PDF")
    with pytest.raises(Forbidden):
        await minutes_document.minutes_pdf(mediation_id=mediation_id, actor=other)
    with pytest.raises(NotFound):
        await minutes_document.minutes_pdf(mediation_id=mediation_id, actor=await factories.account("member"))
