"""A withdrawn verdict corrected: a new document of the same ruling under the next number, the withdrawn one marked
已被更正 and pointing to it on /verify, the parties told on their case page, the ruling counted once in the
department's assessment; on the web and through the API with the same checks."""

from __future__ import annotations

import html

import pytest
import yaml

from review.accounts.services import auth
from review.assessments.services import assessments
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.tables import AuditEvent, Case
from review.verdicts import api as verdicts_api
from review.verdicts import services as verdicts
from review.verdicts.tables import Verdict
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import api, submit, web
from tests.integration.review.verdicts.test_services import issued_verdict, pdf_text

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

WITHDRAWAL = "送达前发现案情摘要有误"
CORRECTION = "更正案情摘要中的路段名称"


def _counts(rows: list[dict]) -> list[tuple]:
    return [
        (
            r["department_code"],
            r["period"],
            r["ruled_proper"],
            r["ruled_basic"],
            r["ruled_improper"],
            r["points_deducted"],
        )
        for r in rows
    ]


async def test_office_corrects_a_withdrawn_verdict_on_the_web_and_everyone_sees_it() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, old = await issued_verdict(office)
    issued = _counts(await assessments())
    page = f"/office/cases/{number}"

    async with await web(office) as http:
        withdrawn = await submit(http, page, f"{page}/verdict/withdraw", {"reason": WITHDRAWAL})
        after_withdrawal = _counts(await assessments())
        form = await http.get(page)
        corrected = await submit(http, page, f"{page}/verdict/correct", {"reason": CORRECTION})
    await run_jobs()

    assert withdrawn.status_code == 303 and corrected.status_code == 303
    assert "签发更正后的评议意见书" in form.text and f"{page}/verdict/correct" in form.text
    rows = await Verdict.select().where(Verdict.case == old["case"]).order_by(Verdict.id).run()
    assert len(rows) == 2
    first, second = rows
    assert (first["status"], first["status_reason"]) == ("corrected", WITHDRAWAL)
    assert (second["status"], second["ruling_id"], second["corrects"]) == (
        "valid",
        first["ruling_id"],
        first["id"],
    )
    assert second["number"] == f"评〔{second['year']}〕{first['sequence'] + 1}号" != first["number"]
    assert second["code"] != first["code"]
    text = "".join(pdf_text(verdicts.stored_path(second["full_sha256"])).split())
    assert second["number"] in text and f"更正并取代已撤销的{first['number']}" in text

    async with factories.client() as http:
        old_page = html.unescape((await http.get(f"/verify/{first['code']}")).text)
        old_api = (await http.get(f"/api/v1/verdicts/{first['code']}")).json()
        old_public = await http.get(f"/verify/{first['code']}/public.pdf")
        new_api = (await http.get(f"/api/v1/verdicts/{second['code']}")).json()
    assert "已被更正" in old_page and WITHDRAWAL in old_page
    assert f'<a href="/verify/{second["code"]}">{second["number"]}</a>' in old_page
    assert f"/verify/{first['code']}/public.pdf" not in old_page and old_public.status_code == 404
    assert (old_api["status"], old_api["status_label"], old_api["public_pdf"]) == (
        "corrected",
        "已被更正",
        None,
    )
    assert old_api["corrected_by"] == {"number": second["number"], "code": second["code"]}
    assert old_api["withdrawal_reason"] == WITHDRAWAL
    assert (new_api["status"], new_api["corrected_by"]) == ("valid", None)

    case = await Case.select(Case.id, Case.department).where(Case.number == number).first().run()
    # The tracking cookie the complainant gets at /track with the case number and access code.
    code_token = await auth.issue_token(Actor(kind="complainant", case_id=case["id"]))
    liaison = await factories.account("liaison", department_id=case["department"])
    async with factories.client() as tracker, await web(liaison) as department:
        tracker.cookies.set("rv_track", code_token)
        pages = [
            html.unescape((await tracker.get("/track/case")).text),
            html.unescape((await department.get(f"/liaison/cases/{number}")).text),
        ]
    for party_page in pages:
        assert (
            f"评议意见书 {first['number']} 已撤销，评议办已签发更正后的评议意见书 {second['number']}"
            in party_page
        )
        assert "签发更正后的评议意见书" in party_page and f"/verify/{second['code']}" in party_page
        assert "/verdict/correct" not in party_page

    # The ruling is counted once, in its own period: a withdrawal leaves it counted, a correction adds nothing.
    assert _counts(await assessments()) == after_withdrawal == issued
    assert len(issued) == 1 and sum(issued[0][2:5]) == 1
    event = await AuditEvent.select().where(AuditEvent.action == "verdict_corrected").first().run()
    assert (event["actor"], event["reason"]) == (office.label, CORRECTION)
    _, problem = await audit.verify()
    assert problem is None


async def test_correction_through_the_api_has_the_same_checks_and_writes_nothing_when_refused() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, old = await issued_verdict(office)
    member = (await factories.seated_members(number))[0]
    liaison = await factories.account("liaison")

    async with await api(office) as http:
        not_withdrawn = await http.post(
            f"/api/v1/cases/{number}/verdict/correct", json={"reason": CORRECTION}
        )
        unknown = await http.post("/api/v1/cases/NOSUCHCASE/verdict/correct", json={"reason": CORRECTION})
        await http.post(f"/api/v1/cases/{number}/verdict/withdraw", json={"reason": WITHDRAWAL})
        no_reason = await http.post(f"/api/v1/cases/{number}/verdict/correct", json={"reason": "  "})
    async with await api(member) as by_member, await api(liaison) as by_liaison:
        refused = [
            await by_member.post(f"/api/v1/cases/{number}/verdict/correct", json={"reason": CORRECTION}),
            await by_liaison.post(f"/api/v1/cases/{number}/verdict/correct", json={"reason": CORRECTION}),
        ]
    assert await Verdict.count().where(Verdict.case == old["case"]).run() == 1
    async with await api(office) as http:
        done = await http.post(f"/api/v1/cases/{number}/verdict/correct", json={"reason": CORRECTION})
        twice = await http.post(f"/api/v1/cases/{number}/verdict/correct", json={"reason": CORRECTION})
    await run_jobs()

    assert (
        not_withdrawn.status_code == 409 and not_withdrawn.json()["error"]["code"] == "verdict_not_withdrawn"
    )
    assert unknown.status_code == 404
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    assert [r.status_code for r in refused] == [403, 403]
    assert done.status_code == 201, done.text
    body = done.json()
    latest = await verdicts.for_case(old["case"])
    assert body == {
        "number": latest["number"],
        "code": latest["code"],
        "status": "pending",
        "corrects": old["number"],
    }
    assert latest["status"] == "valid" and latest["corrects"] == old["id"]
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "verdict_not_withdrawn"
    assert await Verdict.count().where(Verdict.case == old["case"]).run() == 2

    # A correction can itself be withdrawn and corrected: each link points to the next.
    async with await api(office) as http:
        again = await http.post(f"/api/v1/cases/{number}/verdict/withdraw", json={"reason": "更正件文号有误"})
        third = await http.post(f"/api/v1/cases/{number}/verdict/correct", json={"reason": CORRECTION})
        chain = (await http.get(f"/api/v1/verdicts/{latest['code']}")).json()
        detail = (await http.get(f"/api/v1/cases/{number}")).json()
    assert again.json() == {"status": "withdrawn"} and third.status_code == 201
    assert chain["status"] == "corrected" and chain["corrected_by"]["number"] == third.json()["number"]
    assert detail["verdict"]["number"] == third.json()["number"]
    assert detail["verdict"]["corrects"] == latest["number"]


def test_verdict_action_docstrings_read_as_openapi_yaml() -> None:
    for endpoint in (verdicts_api.withdraw, verdicts_api.correct):
        parsed = yaml.safe_load(endpoint.__doc__ or "")
        assert isinstance(parsed, dict) and parsed["summary"], endpoint.__name__
