"""The agreement on the room page, without JavaScript: draft, a stale edit refused, confirmations shown voided,
both parties confirm, the case settled, the sealed PDF downloaded by the complainant on their tracking session."""

from __future__ import annotations

import re

import pytest

from review.core.actors import Actor
from review.core.tables import Case
from review.mediation.services import agreement
from review.mediation.services.stage import open_mediation
from review.mediation.tables import MediationAgreement, MediationAgreementConfirmation
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import accepted_case, api, csrf_of, submit, web
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _shown_hash(page: str) -> tuple[str, str]:
    """The version and SHA-256 the confirm form carries (what the reader was shown)."""
    version = re.search(r'name="version" value="(\d+)"', page)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page)
    assert version and sha, "no confirm form on the page"
    return version.group(1), sha.group(1)


async def test_both_parties_agree_on_the_room_page_without_javascript() -> None:
    office = await factories.account("office")
    number, code = await accepted_case(office)
    mediation_id = await open_mediation(number=number, actor=office)
    room = f"/mediation/{mediation_id}"
    liaison = await factories.account("liaison")

    async with await web(liaison) as department, factories.client() as phone:
        opened = await submit(phone, "/track", "/track", {"case_number": number, "access_code": code})
        assert opened.status_code == 303
        page = (await phone.get(room)).text
        assert "调解协议" in page and "尚无协议草稿" in page and 'name="base_version" value="0"' in page

        drafted = await submit(phone, room, f"{room}/agreement/versions",
                               {"text": "一、部门七日内修复井盖。", "base_version": "0"})
        assert drafted.status_code == 303 and drafted.headers["location"] == f"{room}#agreement"

        shown = (await department.get(room)).text
        assert "第1版" in shown and "一、部门七日内修复井盖。" in shown
        version, sha = _shown_hash(shown)
        confirmed = await submit(department, room, f"{room}/agreement/confirmations",
                                 {"version": version, "sha256": sha})
        assert confirmed.status_code == 303

        # The complainant edits on the version they read (1); the department's stale edit on 1 is then refused.
        token = csrf_of(await department.get(room))
        await submit(phone, room, f"{room}/agreement/versions",
                     {"text": "一、部门五日内修复井盖。\n二、修复后电话回访。", "base_version": "1"})
        stale = await department.post(f"{room}/agreement/versions",
                                      data={"csrf_token": token, "text": "一、十日内修复。", "base_version": "1"})
        assert stale.status_code == 409 and "草稿已更新为第2版，请在最新版本上修改" in stale.text

        shown = (await department.get(room)).text
        assert "承办部门确认第1版" in shown and "已作废" in shown and "待确认第2版：诉求人、承办部门" in shown
        version, sha = _shown_hash(shown)
        assert version == "2"
        await submit(department, room, f"{room}/agreement/confirmations", {"version": version, "sha256": sha})
        mine = (await phone.get(room)).text
        assert "待确认第2版：诉求人。" in mine
        sealing = await submit(phone, room, f"{room}/agreement/confirmations", {"version": "2", "sha256": sha})
        assert sealing.status_code == 303
        assert (await Case.select(Case.status).where(Case.number == number).first().run())["status"] == "settled"

        twice = await phone.post(f"{room}/agreement/confirmations",
                                 data={"csrf_token": csrf_of(await phone.get("/track/case")), "version": "2",
                                       "sha256": sha})
        assert twice.status_code == 409 and "调解协议已签订封存" in twice.text
        assert await MediationAgreementConfirmation.count().run() == 3

        await run_jobs()
        done = (await phone.get(room)).text
        assert "经诉求人和承办部门确认签订（第2版）" in done and sha in done
        assert f'action="{room}/agreement/versions"' not in done and 'name="sha256"' not in done
        pdf = await phone.get(f"{room}/agreement.pdf")
        assert f'href="{room}/agreement.pdf"' in done
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    code = (await MediationAgreement.select(MediationAgreement.code).first().run())["code"]
    async with factories.client() as anyone:
        page = f"/verify/{code}"
        same = await submit(anyone, page, page, files={"file": ("agreement.pdf", pdf.content, "application/pdf")})
        assert same.status_code == 200 and "文件与登记的调解协议书一致，未被篡改" in same.text
        altered = await submit(anyone, page, page,
                               files={"file": ("agreement.pdf", pdf.content + b"%", "application/pdf")})
        assert "不一致" in altered.text


async def test_the_case_page_and_its_api_show_the_agreement_state_to_the_parties_and_the_office() -> None:
    number, code, office, members = await convened_case()
    mediation_id = await open_mediation(number=number, actor=office)
    row = await Case.select(Case.id).where(Case.number == number).first().run()
    complainant, liaison = Actor(kind="complainant", case_id=row["id"]), await factories.account("liaison")
    text = "一、部门七日内修复井盖。案件页不显示的协议正文"
    saved = await agreement.save_version(mediation_id=mediation_id, actor=complainant, text=text, base_version=0)
    await agreement.confirm(mediation_id=mediation_id, actor=liaison, version=1, sha256=saved["sha256"])
    short = saved["sha256"][:12]

    async with await web(office) as desk:
        page = (await desk.get(f"/office/cases/{number}")).text
    part = page[page.index('id="mediation-agreement"'):]
    assert "调解协议：第 1 版" in part and short in part and "已确认：承办部门" in part and "待确认：诉求人" in part
    assert "案件页不显示的协议正文" not in page and f'href="/mediation/{mediation_id}#agreement"' in part
    async with await api(office) as desk:
        shown = (await desk.get(f"/api/v1/cases/{number}/mediation")).json()["agreement"]
    assert shown["latest_version"] == 1 and shown["sha256"] == saved["sha256"] and shown["sealed"] is None
    assert [c["party"] for c in shown["confirmed"]] == ["department"] and shown["waiting"] == ["complainant"]
    # A member of the panel sees the mediation but nothing of its agreement (the wall): the API answers None.
    async with await api(members[0]) as panel:
        seen = await panel.get(f"/api/v1/cases/{number}/mediation")
    assert seen.status_code == 200 and seen.json()["agreement"] is None
    async with await web(members[0]) as panel:
        page = (await panel.get(f"/panel/cases/{number}")).text
    assert 'id="mediation-agreement"' not in page and short not in page

    await agreement.confirm(mediation_id=mediation_id, actor=complainant, version=1, sha256=saved["sha256"])
    await run_jobs()
    sealed = await MediationAgreement.select().first().run()
    pdf_link = f"/mediation/{mediation_id}/agreement.pdf"
    async with factories.client() as phone, await web(liaison) as department:
        assert (await submit(phone, "/track", "/track", {"case_number": number, "access_code": code})).status_code == 303
        for http, page_of in ((phone, "/track/case"), (department, f"/liaison/cases/{number}")):
            page = (await http.get(page_of)).text
            part = page[page.index('id="mediation-agreement"'):]
            assert "已签订" in part and "第 1 版" in part and short in part and sealed["code"] in part, page_of
            assert f'href="{pdf_link}"' in part and f'href="/verify/{sealed["code"]}"' in part, page_of
            assert "案件页不显示的协议正文" not in page
            assert (await http.get(pdf_link)).headers["content-type"] == "application/pdf"
    async with await api(liaison) as department:
        shown = (await department.get(f"/api/v1/cases/{number}/mediation")).json()["agreement"]
    assert shown["sealed"]["code"] == sealed["code"] and shown["sealed"]["pdf_ready"] is True
    assert shown["sealed"]["pdf"] == f"/api/v1/mediation/{mediation_id}/agreement.pdf"
    assert shown["sealed"]["verify"] == f"/verify/{sealed['code']}"
    assert sorted(c["party"] for c in shown["confirmed"]) == ["complainant", "department"]
