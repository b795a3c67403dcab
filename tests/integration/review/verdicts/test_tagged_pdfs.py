"""The official documents are tagged PDF: a structure tree a screen reader follows and the document language set
(zh-CN), for the verdict and for the mediation agreement alike."""

from __future__ import annotations

import datetime
import re
import subprocess
import zlib
from pathlib import Path

import pytest

from review.mediation.document import AgreementDocument, PrintedConfirmation, render_agreement_pdf
from review.verdicts.render import render_verdict_pdf
from tests.integration.review.verdicts.test_render import make_doc

pytestmark = pytest.mark.integration


def _objects(pdf: bytes) -> bytes:
    """The file with every compressed stream (object streams included) inflated, to read its catalog."""
    inflated = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            inflated.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return b"".join(inflated)


def _assert_tagged_chinese(pdf: bytes, tmp_path: Path) -> None:
    objects = _objects(pdf)
    assert b"/StructTreeRoot" in objects and b"/MarkInfo" in objects
    assert re.findall(rb"/Lang\s*\(([^)]*)\)", objects)[:1] == [b"zh-CN"]
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE), info


def test_the_verdict_is_tagged_with_its_language(tmp_path: Path) -> None:
    _assert_tagged_chinese(render_verdict_pdf(make_doc()), tmp_path)
    _assert_tagged_chinese(render_verdict_pdf(make_doc(public=True)), tmp_path)


def test_the_mediation_agreement_is_tagged_with_its_language(tmp_path: Path) -> None:
    doc = AgreementDocument(
        issuing_office="成都市网络理政第三方评议办公室", case_number="PY2026000123", department_name="成都市交通运输局",
        complainant_display="王某", text="承办部门于十日内修复玉林南路人行道井盖。", version=1, sha256="0" * 64,
        sealed_on=datetime.date(2026, 11, 20), sealed_at_text="2026年11月20日 10:00",
        confirmations=(PrintedConfirmation("诉求人", "2026年11月20日 09:40"),
                       PrintedConfirmation("承办部门", "2026年11月20日 09:55")),
        verification_code="ABCDEF123456", verify_url="https://review.example/verify/ABCDEF123456")
    _assert_tagged_chinese(render_agreement_pdf(doc), tmp_path)
