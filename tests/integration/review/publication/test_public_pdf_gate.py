"""The leak gate on the verdict's public PDF: the text layer and the metadata of the file WeasyPrint wrote are
read back (PDFium) and a planted identifier stops the file; a clean verdict passes whole."""

from __future__ import annotations

import pytest

from review.core import leak_gate
from review.core.leak_gate import LeakStopped
from review.core.tables import AuditEvent, Case
from review.notifications.tables import Notification
from review.publication import services as publication
from review.publication.tables import LeakStop
from review.verdicts.render import render_verdict_pdf
from tests import factories
from tests.integration.review.verdicts.test_render import make_doc

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def test_pdf_parts_read_every_page_and_the_metadata() -> None:
    pdf = render_verdict_pdf(make_doc(public=True, complainant_display=""))
    parts = leak_gate.pdf_parts(pdf)
    pages = [k for k in parts if k.endswith("页文字")]
    assert pages and "评议意见书" in "".join(parts[k] for k in pages).replace("\n", "").replace(" ", "")
    assert parts["元数据 Title"] == "评〔2026〕41号"


async def test_a_planted_phone_in_the_public_pdf_stops_it_and_tells_the_office() -> None:
    await factories.account("office")
    number, _ = await factories.case()
    case = await Case.select(Case.id).where(Case.number == number).first().run()
    doc = make_doc(public=True, complainant_display="", summary="诉求人手机 138-0000-1234，夜间施工扰民。")
    pdf = render_verdict_pdf(doc)
    verdict = {"case": case["id"], "number": doc.number, "code": doc.verification_code}

    with pytest.raises(LeakStopped) as stop:
        await publication.check_public_pdf(verdict=verdict, pdf=pdf, carries=(
            doc.criteria_hash, doc.verify_url, *(s.name for s in doc.panel)))

    assert {(h.kind, h.where) for h in stop.value.hits} == {("phone", "第 1 页文字")}
    stops = await LeakStop.select().run()
    assert [(s["output"], s["subject"]) for s in stops] == [("public_pdf", doc.number)]
    events = await AuditEvent.select(AuditEvent.reason).where(AuditEvent.action == "leak_stopped").run()
    assert events and "第 1 页文字：电话号码" in events[0]["reason"] and "1234" not in events[0]["reason"]
    told = await Notification.select(Notification.body).where(Notification.event == "leak_stopped").run()
    assert told and all("1234" not in n["body"] for n in told)


async def test_the_same_document_without_the_phone_passes() -> None:
    number, _ = await factories.case()
    case = await Case.select(Case.id).where(Case.number == number).first().run()
    doc = make_doc(public=True, complainant_display="")
    verdict = {"case": case["id"], "number": doc.number, "code": doc.verification_code}
    await publication.check_public_pdf(verdict=verdict, pdf=render_verdict_pdf(doc), carries=(
        doc.criteria_hash, doc.verify_url, *(s.name for s in doc.panel)))
    assert await LeakStop.count() == 0

