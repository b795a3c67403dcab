"""A case page is kept as rendered: served again while nothing on it has changed, rendered again after any change
it shows, and never to anyone but the viewer it was rendered for."""

from __future__ import annotations

import html

import pytest

from panels.services.roster import update_member
from panels.tables import RosterMember, Seat
from review.accounts.services import auth
from review.cases import page_cache
from review.core.actors import Actor
from review.rulings.services.sheets import save_sheet, submit_sheet
from tests import factories
from tests.conftest import run_jobs
from tests.integration.scoring_helpers import convened_case, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _cookies(actor: Actor) -> dict[str, str]:
    token, _ = await auth.start_session(actor)
    return {"Cookie": f"rv_session={token}"}


async def _page(path: str, headers: dict[str, str]) -> str:
    async with factories.client(**headers) as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


async def _ruled() -> tuple[str, Actor]:
    number, _, office, _ = await convened_case()
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(4))
    await factories.rule_case(number, office)
    return number, office


async def test_an_unchanged_page_is_served_as_kept() -> None:
    number, office = await _ruled()
    await run_jobs()
    headers = await _cookies(office)
    first = await _page(f"/office/cases/{number}", headers)
    kept_before = len(page_cache._pages)
    second = await _page(f"/office/cases/{number}", headers)
    assert second == first
    assert len(page_cache._pages) == kept_before == 1


async def test_the_rendered_verdict_shows_once_its_job_has_run() -> None:
    number, office = await _ruled()
    headers = await _cookies(office)
    pending = await _page(f"/office/cases/{number}", headers)
    assert "正在生成" in pending and "verdict.pdf" not in pending
    await run_jobs()
    rendered = await _page(f"/office/cases/{number}", headers)
    assert "正在生成" not in rendered and f"/cases/{number}/verdict.pdf" in rendered


async def test_a_member_sees_their_own_draft_saved_since_the_last_view() -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    headers = await _cookies(member)
    draft = [{"criterion": "C1", "value": 3, "reason": "第一稿的理由"}]
    saved = await save_sheet(number=number, actor=member, scores=draft, revision=0, submit=False)
    assert "第一稿的理由" in await _page(f"/panel/cases/{number}", headers)
    draft[0]["reason"] = "第二稿的理由"
    await save_sheet(number=number, actor=member, scores=draft, revision=saved.revision, submit=False)
    page = await _page(f"/panel/cases/{number}", headers)
    assert "第二稿的理由" in page and "第一稿的理由" not in page


async def test_a_renamed_panel_member_shows_under_the_new_name() -> None:
    number, office = await _ruled()
    headers = await _cookies(office)
    seat = await Seat.select(Seat.member, Seat.member.name).where(
        (Seat.panel.case.number == number) & (Seat.status == "accepted")).first().run()
    assert seat["member.name"] in await _page(f"/office/cases/{number}", headers)
    await update_member(member_id=seat["member"], actor=office, fields={"name": "更名后的评议员"})
    assert (await RosterMember.select(RosterMember.name).where(RosterMember.id == seat["member"]).first().run()
            )["name"] == "更名后的评议员"
    assert "更名后的评议员" in await _page(f"/office/cases/{number}", headers)


async def test_each_viewer_gets_their_own_page_and_token() -> None:
    number, office = await _ruled()
    other_office = await factories.account("office")
    liaison = await factories.account("liaison")
    stranger = await factories.account("liaison", department_id=await factories.department("CDGA", "成都市公安局"))
    path = f"/office/cases/{number}"
    first, first_csrf = await auth.start_session(office)
    second, second_csrf = await auth.start_session(other_office)
    mine = await _page(path, {"Cookie": f"rv_session={first}"})
    theirs = await _page(path, {"Cookie": f"rv_session={second}"})
    assert f'value="{first_csrf}"' in mine and second_csrf not in mine
    assert f'value="{second_csrf}"' in theirs and first_csrf not in theirs
    assert f"退出（{other_office.display_name}）" in theirs
    # The department's liaison sees no phone number of the complainant's, whatever the office has viewed.
    liaison_page = await _page(f"/liaison/cases/{number}", await _cookies(liaison))
    assert "13800001234" not in liaison_page and "13800001234" in mine
    async with factories.client(**await _cookies(stranger)) as client:
        assert (await client.get(f"/liaison/cases/{number}")).status_code == 404


async def test_a_kept_page_is_not_served_after_logout() -> None:
    number, office = await _ruled()
    token, _ = await auth.start_session(office)
    headers = {"Cookie": f"rv_session={token}"}
    await _page(f"/office/cases/{number}", headers)
    await auth.end_session(token)
    async with factories.client(**headers) as client:
        response = await client.get(f"/office/cases/{number}")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
