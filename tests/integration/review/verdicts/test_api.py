"""The public check through the API: `/api/v1/verify/{code}` knows every document the platform issues with a
verification code (a verdict, a sealed mediation agreement), as the page /verify/{code} does; the verdicts' own
calls keep their answer and, for another document's code, say where to ask."""

from __future__ import annotations

import hashlib

import pytest

from review.core.actors import Actor
from review.core.tables import Case
from review.mediation.services import agreement
from review.mediation.services.stage import open_mediation
from review.mediation.tables import MediationAgreement
from review.verdicts import services as verdicts
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import accepted_case
from tests.integration.review.verdicts.test_services import issued_verdict

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

TEXT = "一、承办部门于十五日内修复小区路灯。\n二、诉求人对处理结果无异议。"


async def _sealed_agreement() -> tuple[str, dict]:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    mediation_id = await open_mediation(number=number, actor=office)
    row = await Case.select(Case.id).where(Case.number == number).first().run()
    complainant, liaison = Actor(kind="complainant", case_id=row["id"]), await factories.account("liaison")
    saved = await agreement.save_version(mediation_id=mediation_id, actor=complainant, text=TEXT, base_version=0)
    for party in (liaison, complainant):
        await agreement.confirm(mediation_id=mediation_id, actor=party, version=1, sha256=saved["sha256"])
    await run_jobs()
    return number, await MediationAgreement.select().first().run()


async def test_a_sealed_agreement_verifies_through_the_api_as_on_the_page() -> None:
    number, sealed = await _sealed_agreement()
    code = sealed["code"]
    pdf = verdicts.stored_path(sealed["pdf_sha256"]).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == sealed["pdf_sha256"]

    async with factories.client() as public:
        found = await public.get(f"/api/v1/verify/{code}")
        assert found.status_code == 200, found.text
        body = found.json()
        assert (body["code"], body["kind"], body["title"], body["valid"]) == (
            code, "mediation_agreement", "调解协议书", True)
        facts = {f["label"]: f["value"] for f in body["facts"]}
        assert facts["案件编号"] == number and facts["协议文本 SHA-256"] == sealed["sha256"]
        assert body["sha256"] == sealed["pdf_sha256"] and body["verdict"] is None
        assert "王" not in found.text  # no names (the factory's complainant is 王…)
        lower = await public.get(f"/api/v1/verify/{code.lower()}")
        assert lower.status_code == 200 and lower.json()["code"] == code

        checked = await public.post(f"/api/v1/verify/{code}", content=pdf,
                                    headers={"Content-Type": "application/pdf"})
        assert checked.status_code == 200, checked.text
        assert (checked.json()["matches"], checked.json()["authentic"]) == ("document", True)
        altered = await public.post(f"/api/v1/verify/{code}", content=pdf + b"%",
                                    headers={"Content-Type": "application/pdf"})
        assert (altered.json()["matches"], altered.json()["authentic"]) == (None, False)

        # The verdicts' own calls answer only for verdicts, and say where another document is checked.
        for call in (public.get(f"/api/v1/verdicts/{code}"),
                     public.post(f"/api/v1/verdicts/{code}/verify", content=pdf,
                                 headers={"Content-Type": "application/pdf"})):
            refused = await call
            assert refused.status_code == 404
            assert refused.json()["error"]["code"] == "not_a_verdict"
            assert "调解协议书" in refused.json()["error"]["message"] and f"/api/v1/verify/{code}" in (
                refused.json()["error"]["message"])
        unknown = await public.get("/api/v1/verify/ZZZZZZZZZZZZ")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "document_not_found"


async def test_a_verdict_verifies_through_the_general_check_with_its_own_answer_inside() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, verdict = await issued_verdict(office)
    code = verdict["code"]
    full = verdicts.stored_path(verdict["full_sha256"]).read_bytes()
    async with factories.client() as public:
        own = (await public.get(f"/api/v1/verdicts/{code}")).json()
        found = (await public.get(f"/api/v1/verify/{code}")).json()
        assert (found["kind"], found["title"], found["valid"], found["status_label"]) == (
            "verdict", "评议意见书", True, "有效")
        assert found["verdict"] == own and own["number"] == verdict["number"]
        assert {f["label"]: f["value"] for f in found["facts"]}["文号"] == verdict["number"]
        checked = (await public.post(f"/api/v1/verify/{code}", content=full,
                                     headers={"Content-Type": "application/pdf"})).json()
        assert (checked["matches"], checked["authentic"]) == ("full", True)
        assert checked["verdict"]["signature"]["state"] == "valid"
    assert number
