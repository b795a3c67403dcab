"""The complainant's page reads in order: one sentence on where the case is and what comes next, the ruling and
its verdict before any form to object, the timeline in plain words; a wrong access code keeps the case number;
error pages say in words what went wrong and lead back to where the visitor was."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient

from review.cases import services as cases
from review.convening.services import convene_panel
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import csrf_of, web
from tests.integration.scoring_helpers import accept_invitations, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _open_case(http: AsyncClient, number: str, code: str) -> None:
    form = await http.get("/track")
    opened = await http.post("/track", data={"case_number": number, "access_code": code,
                                             "csrf_token": csrf_of(form)})
    assert opened.status_code == 303, opened.text[:300]


async def test_the_complainant_reads_where_the_case_is_then_the_ruling_then_the_objection_form() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, code = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    await accept_invitations(number)
    members = await seated_now(number)

    async with factories.client() as http:
        await _open_case(http, number, code)
        scoring = (await http.get("/track/case")).text
        for member in members:
            await submit_sheet(number=number, actor=member, scores=factories.full_scores(2))
        await factories.rule_case(number, office)
        await run_jobs()
        ruled = (await http.get("/track/case")).text

    main = scoring[scoring.index("<main"):]
    standing = re.search(r'<p class="next-step" role="status">([^<]+)</p>', main)
    assert standing and "评议组已组成，评议员将对承办部门的办理逐项评分" in standing[1]
    assert main.index('class="next-step"') < main.index("<section")
    # A challenge names no member until the complainant picks one.
    assert '<select name="seat" required><option value="">请选择评议员</option>' in scoring
    # The timeline in plain words, the members' acceptances as one line.
    assert "登记抽取种子的哈希" not in scoring and "评议办准备随机抽取评议组" in scoring
    assert f"{len(members)} 位评议员已接受邀请" in scoring and scoring.count("评议员接受邀请") == 0

    assert "评议结论已作出" in ruled and "前申请复议一次" in ruled
    assert ruled.index("下载评议意见书") < ruled.index("申请复议的理由")
    assert ruled.index('class="next-step"') < ruled.index('class="ruling"')
    steps = "|".join(re.findall(r"<b>([^<]*)</b>", ruled))
    assert f"{len(members)} 位评议员已提交评分" in ruled and "评议员提交评分" not in ruled, steps


async def test_a_wrong_access_code_keeps_the_case_number_and_never_echoes_the_code() -> None:
    number, _ = await factories.case()
    async with factories.client() as http:
        form = await http.get("/track")
        refused = await http.post("/track", data={"case_number": f" {number} ", "access_code": "WRONG-CODE-1234",
                                                  "csrf_token": csrf_of(form)})
    assert refused.status_code == 401 and "受理编号或提取码不正确" in refused.text
    assert f'name="case_number" required autocomplete="off" placeholder="如 PY2026000123" value="{number}"' \
        in refused.text
    assert "WRONG-CODE-1234" not in refused.text


async def test_an_error_page_says_what_went_wrong_and_leads_back_to_the_page_or_the_viewers_own_start() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        straight = await http.get("/office/cases/PY2099999999")
        referred = await http.get("/office/cases/PY2099999999",
                                  headers={"referer": "http://testserver/office/cases?status=received"})
        elsewhere = await http.get("/office/cases/PY2099999999", headers={"referer": "https://example.com/x"})
    assert straight.status_code == 404
    assert "<h1>没有找到您要的内容</h1>" in straight.text and "未找到该案件" in straight.text
    # The code only in small print, for whoever helps.
    assert "错误代码" not in straight.text and '<p class="muted small">供技术支持参考：case_not_found' in straight.text
    assert 'href="/office">返回我的工作台</a>' in straight.text
    assert 'href="/office/cases?status=received">返回上一页</a>' in referred.text
    assert "example.com" not in elsewhere.text and 'href="/office">返回我的工作台</a>' in elsewhere.text
