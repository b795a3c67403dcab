"""The agreement through the API: versions on a base, confirmations by hash with voiding shown, sealing, the PDF
(its text carries the hash and the code, its fonts embedded) and /verify/{code}."""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest

from review.core.tables import Case
from review.mediation.tables import (
    MediationAgreement,
    MediationAgreementConfirmation,
    MediationAgreementVersion,
)
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import accepted_case, api, complainant_token

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

TEXT = "一、承办部门于十五日内修复小区路灯。\n二、诉求人对处理结果无异议，不再就此事项反映。"


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    return subprocess.run([tool, *args, "-", "-"] if tool == "pdftotext" else [tool, "-"], input=pdf,
                          capture_output=True, check=True, timeout=60).stdout.decode()


async def _room() -> tuple[str, int, str]:
    """(number, mediation id, the complainant's bearer token) of a case in mediation."""
    office = await factories.account("office")
    number, code = await accepted_case(office)
    async with await api(office) as http:
        opened = await http.post(f"/api/v1/cases/{number}/mediation")
    assert opened.status_code == 201, opened.text
    return number, int(opened.json()["mediation_id"]), await complainant_token(number, code)


async def test_the_parties_draft_confirm_and_seal_and_the_case_is_settled_through_the_api() -> None:
    number, mediation_id, token = await _room()
    base = f"/api/v1/mediation/{mediation_id}/agreement"
    liaison = await factories.account("liaison")
    track = factories.client(Authorization=f"Bearer {token}")
    async with await api(liaison) as department, track:
        empty = (await department.get(base)).json()
        assert (empty["latest_version"], empty["versions"], empty["sealed"], empty["my_party"]) == (
            0, [], None, "department")
        first = await department.post(f"{base}/versions", json={"text": TEXT, "base_version": 0})
        assert first.status_code == 201, first.text
        v1 = first.json()
        assert v1["version"] == 1 and v1["sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()

        confirmed = await track.post(f"{base}/confirmations", json={"version": 1, "sha256": v1["sha256"]})
        assert confirmed.status_code == 201 and confirmed.json()["sealed"] is False

        stale = await track.post(f"{base}/versions", json={"text": TEXT + "\n三、补充。", "base_version": 0})
        assert stale.status_code == 409 and stale.json()["error"] == {
            "code": "stale_draft", "message": "草稿已更新为第1版，请在最新版本上修改"}
        edited = await track.post(f"{base}/versions", json={"text": TEXT + "\n三、一个月后回访。", "base_version": 1})
        assert edited.status_code == 201
        v2 = edited.json()

        shown = (await department.get(base)).json()
        assert shown["latest_version"] == 2 and [v["number"] for v in shown["versions"]] == [2, 1]
        assert [(c["party"], c["version"], c["voided"]) for c in shown["confirmations"]] == [
            ("complainant", 1, True)]
        assert shown["waiting"] == ["complainant", "department"]

        stale_confirm = await department.post(f"{base}/confirmations", json={"version": 1, "sha256": v1["sha256"]})
        assert stale_confirm.status_code == 409 and stale_confirm.json()["error"]["code"] == "stale_version"
        wrong_party = await department.post(f"{base}/confirmations",
                                            json={"version": 2, "sha256": v2["sha256"], "party": "complainant"})
        assert wrong_party.status_code == 403 and wrong_party.json()["error"]["code"] == "not_your_party"
        assert await MediationAgreementConfirmation.count().run() == 1

        assert (await department.post(f"{base}/confirmations",
                                      json={"version": 2, "sha256": v2["sha256"]})).json()["sealed"] is False
        twice = await department.post(f"{base}/confirmations", json={"version": 2, "sha256": v2["sha256"]})
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_confirmed"
        not_ready = await track.get(f"{base}.pdf")
        assert not_ready.status_code == 404 and not_ready.json()["error"]["code"] == "agreement_not_sealed"

        sealing = await track.post(f"{base}/confirmations", json={"version": 2, "sha256": v2["sha256"]})
        assert sealing.status_code == 201 and sealing.json()["sealed"] is True
        case = await Case.select(Case.status).where(Case.number == number).first().run()
        assert case["status"] == "settled"

        after = await department.post(f"{base}/versions", json={"text": TEXT, "base_version": 2})
        assert after.status_code == 409 and after.json()["error"]["code"] == "agreement_sealed"
        assert await MediationAgreementVersion.count().run() == 2

        await run_jobs()
        sealed = (await track.get(base)).json()["sealed"]
        assert sealed["version"] == 2 and sealed["sha256"] == v2["sha256"] and sealed["pdf_ready"] is True
        events = (await track.get(f"/api/v1/mediation/{mediation_id}/events")).json()
        assert [e["kind"] for e in events] == ["draft", "confirm", "draft", "confirm", "confirm"]

        pdf = await track.get(sealed["pdf"])
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert (await department.get(sealed["pdf"])).content == pdf.content
    stored = await MediationAgreement.select().first().run()
    assert stored["pdf_sha256"] == hashlib.sha256(pdf.content).hexdigest()

    text = re.sub(r"\s+", "", _poppler("pdftotext", pdf.content))
    assert "调解协议书" in text and "一个月后回访" in text and number in text
    assert v2["sha256"] in text and sealed["code"] in text and f"/verify/{sealed['code']}" in text
    assert "诉求人：王某" in text and "王小明" not in text and "13800001234" not in text  # masked, as on verdicts
    fonts = _poppler("pdffonts", pdf.content).splitlines()[2:]
    assert fonts and all(row.split()[-5:-3] == ["yes", "yes"] for row in fonts)  # embedded, as subsets

    async with factories.client() as public:
        page = await public.get(f"/verify/{sealed['code']}")
        assert page.status_code == 200
        assert "调解协议书" in page.text and f"案件 {number} 的调解协议" in page.text and v2["sha256"] in page.text
        assert "有效" in page.text and "王" not in page.text  # no personal data (the factory's complainant is 王…)
        unknown = await public.get("/verify/ZZZZZZZZZZZZ")
        assert unknown.status_code == 404


async def test_outsiders_read_nothing_and_a_member_or_the_office_cannot_confirm() -> None:
    _, mediation_id, _ = await _room()
    base = f"/api/v1/mediation/{mediation_id}/agreement"
    office = await factories.account("office")
    outsider = await factories.account("liaison", department_id=await factories.department("QT", "另一部门"))
    async with await api(office) as http:
        saved = (await http.post(f"{base}/versions", json={"text": TEXT, "base_version": 0})).json()
        refused = await http.post(f"{base}/confirmations", json={"version": 1, "sha256": saved["sha256"]})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_a_party"
        assert (await http.get(base)).json()["my_party"] is None
    async with await api(outsider) as http:
        assert (await http.get(base)).status_code == 404
        assert (await http.post(f"{base}/versions", json={"text": "改", "base_version": 1})).status_code == 404
        assert (await http.get(f"{base}.pdf")).status_code == 404
    assert await MediationAgreementVersion.count().run() == 1
