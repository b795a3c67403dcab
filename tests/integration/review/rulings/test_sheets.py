"""Sealed scoring, drafts, revisions and conflicts; deliberation and exactly one ruling."""

from __future__ import annotations

import asyncio
import os

import pytest

from review.cases.queries.visibility import visible_case
from review.core import db
from review.core.errors import Conflict, Forbidden, Invalid
from review.core.tables import Case
from review.rulings.queries.page import scoring_view
from review.rulings.services.deliberation import (
    add_dissent,
    close_scoring,
    issue_ruling,
    post_message,
    save_reasoning,
    sign_reasoning,
)
from review.rulings.services.sheets import save_sheet, submit_sheet
from scoring.tables import Ruling, Score, ScoreSheet, ScoreSheetRevision
from tests import factories
from tests.integration.scoring_helpers import convened_case, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _scores(value: int, tag: str = "") -> list[dict]:
    return [{"criterion": c, "value": value, "reason": f"{tag}{c} 理由"} for c in ["C1", "C2", "C3", "C4", "C5", "C6"]]


async def _status(number: str) -> str:
    return (await Case.select(Case.status).where(Case.number == number).first().run())["status"]


async def test_submit_without_reason_is_refused_and_nothing_written() -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    scores = _scores(3)
    scores[2]["reason"] = "  "

    with pytest.raises(Invalid) as refused:
        await submit_sheet(number=number, actor=member, scores=scores)

    assert refused.value.code == "reason_required" and refused.value.field == "scores.C3"
    assert await ScoreSheet.count().run() == 0


async def test_draft_is_kept_partial_and_sealed_then_submitted() -> None:
    number, _, _, _ = await convened_case()
    first, second = (await seated_now(number))[:2]

    draft = await save_sheet(number=number, actor=first, scores=[{"criterion": "C1", "value": 4, "reason": ""}],
                             submit=False)
    await submit_sheet(number=number, actor=second, scores=_scores(2, "二"))
    case = await visible_case(first, number)
    view = await scoring_view(first, case)

    assert (draft.revision, draft.submitted) == (1, False)
    assert view.my_scores["C1"]["value"] == 4 and not view.my_submitted
    assert view.sheets == []  # a draft is not one's own sheet in: others stay sealed
    assert await _status(number) == "under_review"

    final = await save_sheet(number=number, actor=first, scores=_scores(4), revision=1)
    view = await scoring_view(first, await visible_case(first, number))
    assert (final.revision, final.submitted) == (2, True)
    assert [s["member"] for s in view.sheets] == [second.username]


async def test_stale_revision_is_a_conflict_and_never_overwrites() -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    await submit_sheet(number=number, actor=member, scores=_scores(3, "旧"))
    await save_sheet(number=number, actor=member, scores=_scores(4, "另一页"), revision=1)

    with pytest.raises(Conflict) as conflict:
        await save_sheet(number=number, actor=member, scores=_scores(5, "过期"), revision=1)

    assert conflict.value.code == "sheet_changed" and "第 2 次保存" in conflict.value.message
    values = {r["value"] for r in await Score.select(Score.value).run()}
    assert values == {4}
    revisions = await ScoreSheetRevision.select(ScoreSheetRevision.revision).order_by(
        ScoreSheetRevision.revision).run()
    assert [r["revision"] for r in revisions] == [1, 2]  # every revision kept


async def test_two_members_saving_at_once_lose_nothing() -> None:
    number, _, _, _ = await convened_case()
    members = await seated_now(number)

    await asyncio.gather(*[submit_sheet(number=number, actor=m, scores=_scores(i % 5 + 1, m.username))
                           for i, m in enumerate(members)])

    assert await ScoreSheet.count().where(ScoreSheet.submitted == True).run() == len(members)
    assert await Score.count().run() == 6 * len(members)


async def test_office_sees_no_scores_until_scoring_closes_and_parties_never() -> None:
    number, _, office, _ = await convened_case()
    members = await seated_now(number)
    for m in members:
        await submit_sheet(number=number, actor=m, scores=_scores(4, "封存"))
    liaison = await factories.account("liaison")

    before = await scoring_view(office, await visible_case(office, number))
    await close_scoring(number=number, actor=office)
    after = await scoring_view(office, await visible_case(office, number))
    party = await scoring_view(liaison, await visible_case(liaison, number))

    assert before.submitted_count == len(members) and before.sheets == [] and before.aggregate is None
    assert len(after.sheets) == len(members) and after.aggregate is not None
    assert party.sheets == [] and party.aggregate is None and party.my_scores == {}


async def test_closing_needs_quorum_and_scores_freeze_after() -> None:
    number, _, office, _ = await convened_case()
    first, second, third, *_ = await seated_now(number)
    await submit_sheet(number=number, actor=first, scores=_scores(3))

    with pytest.raises(Conflict) as early:
        await close_scoring(number=number, actor=office)
    for m in (second, third):
        await submit_sheet(number=number, actor=m, scores=_scores(3))
    lawyer_missing = early.value.code
    try:
        await close_scoring(number=number, actor=office)
    except Conflict:  # the lawyer may be among those who have not scored yet
        for m in await seated_now(number):
            await submit_sheet(number=number, actor=m, scores=_scores(3), revision=None) if m not in (
                first, second, third) else None
        await close_scoring(number=number, actor=office)

    assert lawyer_missing == "quorum_not_met"
    with pytest.raises(Conflict) as late:
        await save_sheet(number=number, actor=first, scores=_scores(5), revision=1)
    assert late.value.code == "scoring_closed"


async def test_ruling_needs_the_chairs_signature_and_carries_dissent() -> None:
    number, _, office, _ = await convened_case()
    members = await seated_now(number)
    for m in members:
        await submit_sheet(number=number, actor=m, scores=_scores(4))
    await close_scoring(number=number, actor=office)
    chair = await factories.chair_of(number)
    other = next(m for m in members if m.user_id != chair.user_id)

    with pytest.raises(Conflict) as unsigned:
        await issue_ruling(number=number, actor=office)
    with pytest.raises(Forbidden):
        await save_reasoning(number=number, actor=other, reasoning="非组长起草")
    await post_message(number=number, actor=other, body="我认为答复依据不足。")
    await add_dissent(number=number, actor=other, text="答复依据不足，应为基本到位。")
    await save_reasoning(number=number, actor=chair, reasoning="多数评议员认为办理到位。")
    await sign_reasoning(number=number, actor=chair)
    ruling_id = await issue_ruling(number=number, actor=office)

    ruling = await Ruling.select().where(Ruling.id == ruling_id).first().run()
    assert unsigned.value.code == "not_signed"
    assert ruling["reasoning"] == "多数评议员认为办理到位。"
    assert "答复依据不足，应为基本到位。" in ruling["dissent"]
    assert ruling["signed_by"] == chair.user_id
    assert await _status(number) == "ruled"


async def test_dispersed_scores_need_deliberation_before_signing() -> None:
    number, _, office, _ = await convened_case()
    members = await seated_now(number)
    for i, m in enumerate(members):
        await submit_sheet(number=number, actor=m, scores=_scores(1 if i % 2 else 5))
    await close_scoring(number=number, actor=office)
    chair = await factories.chair_of(number)
    await save_reasoning(number=number, actor=chair, reasoning="理由")

    with pytest.raises(Conflict) as refused:
        await sign_reasoning(number=number, actor=chair)
    await post_message(number=number, actor=chair, body="请各位说明分歧的原因。")
    await sign_reasoning(number=number, actor=chair)

    assert refused.value.code == "deliberation_required"


async def test_fifty_concurrent_issue_calls_make_exactly_one_ruling() -> None:
    number, _, office, _ = await convened_case()
    for m in await seated_now(number):
        await submit_sheet(number=number, actor=m, scores=_scores(3))
    await close_scoring(number=number, actor=office)
    chair = await factories.chair_of(number)
    await save_reasoning(number=number, actor=chair, reasoning="理由")
    await sign_reasoning(number=number, actor=chair)

    outcomes = await asyncio.gather(*[issue_ruling(number=number, actor=office) for _ in range(50)],
                                    return_exceptions=True)

    issued = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(issued) == 1 and len(refused) == 49
    assert {e.code for e in refused} == {"already_ruled"}
    assert await Ruling.count().run() == 1
    rows = await db.fetch("SELECT COUNT(*) AS n FROM verdict")
    assert rows[0]["n"] == 1


async def test_first_submissions_on_cases_pinned_to_different_versions_are_all_kept() -> None:
    """Sheets alternate between a case on the first criteria version and one on the second: each is written
    against its own case's version, whatever the sheet saved just before was pinned to."""
    from scoring.domain.default_criteria import DEFAULT_CRITERIA, DEFAULT_RULE
    from scoring.services.criteria import create_draft, publish_criteria

    old_number, _, office, _ = await convened_case()
    criteria = [dict(c) for c in DEFAULT_CRITERIA]
    criteria[0]["weight"] = 30
    await publish_criteria(actor=office, set_id=await create_draft(
        actor=office, content={"name": "评议标准（第二版）", "criteria": criteria, "rule": DEFAULT_RULE}))
    new_number, _, _, _ = await convened_case(office)
    old_members, new_members = await seated_now(old_number), await seated_now(new_number)

    for old, new in zip(old_members, new_members, strict=False):
        await submit_sheet(number=new_number, actor=new, scores=_scores(4, "新"))
        await submit_sheet(number=old_number, actor=old, scores=_scores(2, "旧"))

    for number in (old_number, new_number):
        case = await Case.select(Case.id, Case.criteria_set_id).where(Case.number == number).first().run()
        sheets = await ScoreSheet.select().where(ScoreSheet.case == case["id"]).run()
        assert sheets and all(s["submitted"] and s["criteria_set"] == case["criteria_set_id"] for s in sheets)
        scores = await Score.select(Score.criterion.criteria_set).where(
            Score.score_sheet.case == case["id"]).run()
        assert len(scores) == 6 * len(sheets)
        assert {s["criterion.criteria_set"] for s in scores} == {case["criteria_set_id"]}
        assert await ScoreSheetRevision.count().where(ScoreSheetRevision.score_sheet.case == case["id"]).run() \
            == len(sheets)



async def _submissions_released_together(number: str, member: object, count: int, revision: int = 0) -> list[object]:
    """`count` submissions by one member, all started while another connection holds the case row, then let go
    at once (on SQLite, where a writer holds the whole database, they simply run together)."""
    calls = [submit_sheet(number=number, actor=member, scores=_scores(3, str(i)), revision=revision)
             for i in range(count)]
    if db.is_sqlite():
        return await asyncio.gather(*calls, return_exceptions=True)
    import asyncpg

    holder = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        lock = holder.transaction()
        await lock.start()
        await holder.execute("SELECT id FROM review_case WHERE number = $1 FOR UPDATE", number)
        running = asyncio.gather(*calls, return_exceptions=True)
        await asyncio.sleep(0.5)  # every call is now waiting for the row
        await lock.commit()
        return await running
    finally:
        await holder.close()


async def test_one_member_submitting_twice_at_once_keeps_one_sheet() -> None:
    """Two tabs, or a double click: the same member's first submission arrives several times at once."""
    number, _, _, _ = await convened_case()
    first, member = (await seated_now(number))[:2]
    for sheets_before in (1, 0):  # after another member's sheet (the one-statement path) and before it
        if sheets_before:
            await submit_sheet(number=number, actor=first, scores=_scores(4))
        else:
            number, _, _, _ = await convened_case()
            member = (await seated_now(number))[0]
        outcomes = await _submissions_released_together(number, member, 6)

        assert await ScoreSheet.count().where(ScoreSheet.member == member.user_id).run() == 1, outcomes
        saved = [o for o in outcomes if isinstance(o, int)]
        refused = [o for o in outcomes if not isinstance(o, int)]
        assert len(saved) == 1, outcomes
        assert all(isinstance(o, Conflict) and o.code == "sheet_changed" for o in refused), refused


async def test_one_member_revising_twice_at_once_keeps_one_revision() -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    await submit_sheet(number=number, actor=member, scores=_scores(4))

    outcomes = await _submissions_released_together(number, member, 6, revision=1)

    saved = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if not isinstance(o, int)]
    assert len(saved) == 1, outcomes
    assert all(isinstance(o, Conflict) and o.code == "sheet_changed" for o in refused), refused
    sheet = await ScoreSheet.select(ScoreSheet.revision).where(ScoreSheet.member == member.user_id).first().run()
    revisions = await ScoreSheetRevision.select(ScoreSheetRevision.revision).order_by(ScoreSheetRevision.revision).run()
    assert sheet["revision"] == 2 and [r["revision"] for r in revisions] == [1, 2]


# Score values: a JSON integer on the criterion's scale, or the form's radio value; nothing coerced.

def _body(c3: str) -> str:
    """A submission whose C3 value is the raw JSON text `c3` (every other score valid)."""
    items = [f'{{"criterion": "{c}", "value": {c3 if c == "C3" else 3}, "reason": "{c} 理由"}}'
             for c in ["C1", "C2", "C3", "C4", "C5", "C6"]]
    return '{"scores": [' + ", ".join(items) + "]}"


@pytest.mark.parametrize("c3", ["true", "false", "3.7", "3.0", '"3"', '"٣"', '"３"', "0", "6", "-1", "[3]",
                                "99999999999999999999"])
async def test_api_refuses_a_score_value_that_is_not_an_integer_on_the_scale(c3: str) -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    from review.accounts.services import auth

    async with factories.client(Authorization=f"Bearer {await auth.issue_token(member)}",
                                **{"Content-Type": "application/json"}) as api:
        response = await api.post(f"/api/v1/cases/{number}/scores", content=_body(c3).encode())

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_score" and error["criterion"] == "C3" and error["field"] == "scores.C3"
    assert "分值" in error["message"]
    assert await ScoreSheet.count().run() == 0 and await Score.count().run() == 0


@pytest.mark.parametrize("constant", ["Infinity", "-Infinity", "NaN"])
async def test_api_refuses_nan_and_infinity_as_invalid_json(constant: str) -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    from review.accounts.services import auth

    async with factories.client(Authorization=f"Bearer {await auth.issue_token(member)}") as api:
        response = await api.post(f"/api/v1/cases/{number}/scores", content=_body(constant).encode(),
                                  headers={"Content-Type": "application/json"})

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_json" and constant in response.json()["error"]["message"]
    assert await ScoreSheet.count().run() == 0


async def test_api_keeps_a_score_given_as_a_json_integer() -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    from review.accounts.services import auth

    async with factories.client(Authorization=f"Bearer {await auth.issue_token(member)}") as api:
        response = await api.post(f"/api/v1/cases/{number}/scores", content=_body("5").encode(),
                                  headers={"Content-Type": "application/json"})

    assert response.status_code == 201, response.text
    assert sorted(r["value"] for r in await Score.select(Score.value).run()) == [3, 3, 3, 3, 3, 5]


@pytest.mark.parametrize("c3", ["٣", "３", "3.7", "3.0", "true", " 3"])
async def test_form_refuses_a_radio_value_that_is_not_a_level(c3: str) -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    from review.accounts.services import auth

    token, csrf = await auth.start_session(member)
    form = {"csrf_token": csrf, "revision": "0"}
    for c in ["C1", "C2", "C3", "C4", "C5", "C6"]:
        form[f"value_{c}"], form[f"reason_{c}"] = (c3 if c == "C3" else "3"), f"{c} 理由"
    async with factories.client(Cookie=f"rv_session={token}") as web:
        response = await web.post(f"/panel/cases/{number}/scores", data=form)

    assert response.status_code == 422
    assert "「" in response.text and "分值" in response.text
    assert await ScoreSheet.count().run() == 0


# Dissent until the office issues: the chair's signature does not shut the members out.

async def _signed(number: str, office: object) -> tuple[object, list]:
    members = await seated_now(number)
    for m in members:
        await submit_sheet(number=number, actor=m, scores=_scores(4))
    await close_scoring(number=number, actor=office)
    chair = await factories.chair_of(number)
    return chair, [m for m in members if m.user_id != chair.user_id]


async def _web(actor: object) -> tuple[dict[str, str], str]:
    """A signed-in browser: its cookie header and the CSRF token of its session's forms."""
    from review.accounts.services import auth

    token, csrf = await auth.start_session(actor)
    return {"Cookie": f"rv_session={token}"}, csrf


async def test_dissent_added_or_changed_after_signing_is_kept_and_shown_to_the_office() -> None:
    number, _, office, _ = await convened_case()
    chair, (early, late, *_) = await _signed(number, office)
    await add_dissent(number=number, actor=early, text="签署前的异议。")
    await save_reasoning(number=number, actor=chair, reasoning="多数评议员认为办理到位。")
    headers, _csrf = await _web(chair)
    async with factories.client(**headers) as web:
        chair_page = (await web.get(f"/panel/cases/{number}")).text
    await sign_reasoning(number=number, actor=chair)

    await add_dissent(number=number, actor=late, text="签署后才提出的异议。")
    await add_dissent(number=number, actor=early, text="签署后修改的异议。")
    office_view = await scoring_view(office, await visible_case(office, number))
    headers, _csrf = await _web(office)
    async with factories.client(**headers) as web:
        office_page = (await web.get(f"/office/cases/{number}")).text
    ruling_id = await issue_ruling(number=number, actor=office)
    with pytest.raises(Conflict) as after_issue:
        await add_dissent(number=number, actor=late, text="签发后的异议。")

    # The chair saw the dissent before signing, above the button that signs.
    assert chair_page.index("签署前的异议。") < chair_page.index("签署评议理由</button>")
    assert {d.text: d.after_signing for d in office_view.dissents} == {"签署后才提出的异议。": True,
                                                                       "签署后修改的异议。": True}
    alert = office_page.split("组长签署后新增异议 2 份", 1)[1].split("按公布规则签发评议结论", 1)[0]
    assert "签署后才提出的异议。" in alert and "签署后修改的异议。" in alert
    ruling = await Ruling.select(Ruling.dissent).where(Ruling.id == ruling_id).first().run()
    assert "签署后才提出的异议。" in ruling["dissent"] and "签署后修改的异议。" in ruling["dissent"]
    assert "签署前的异议。" not in ruling["dissent"]
    assert after_issue.value.code == "not_deliberating"
    events = await db.fetch("SELECT data FROM audit_event WHERE action = {} ORDER BY id", "dissent_recorded")
    flags = [(d["after_signing"], d["changed"]) for d in (db.json_value(e["data"]) for e in events)]
    assert flags == [(False, False), (True, False), (True, True)]


async def test_chair_signs_the_reasoning_typed_in_the_same_form() -> None:
    number, _, office, _ = await convened_case()
    chair, _ = await _signed(number, office)

    headers, csrf = await _web(chair)
    async with factories.client(**headers) as web:
        empty = await web.post(f"/panel/cases/{number}/deliberation/sign",
                               data={"csrf_token": csrf, "reasoning": "   "})
        signed = await web.post(f"/panel/cases/{number}/deliberation/sign",
                                data={"csrf_token": csrf, "reasoning": "经合议，评议组认定办理基本到位。"})
        again = await web.post(f"/panel/cases/{number}/deliberation/sign",
                               data={"csrf_token": csrf, "reasoning": "第二次点了签署"})

    assert empty.status_code == 422 and "出错了" not in empty.text
    assert 'id="reasoning"' in empty.text and 'aria-invalid="true" aria-describedby="error-reasoning"' in empty.text
    assert signed.status_code == 303
    assert again.status_code == 409 and "出错了" not in again.text
    assert '<p class="error" role="alert">评议理由已签署</p>' in again.text  # shown, though its form is gone
    row = (await db.fetch("SELECT reasoning, signed_at FROM deliberation"))[0]
    assert row["reasoning"] == "经合议，评议组认定办理基本到位。" and row["signed_at"] is not None


async def test_refused_sign_keeps_the_typed_reasoning_on_the_page() -> None:
    number, _, office, _ = await convened_case()
    members = await seated_now(number)
    for i, m in enumerate(members):  # dispersed: signing needs a message in the thread first
        await submit_sheet(number=number, actor=m, scores=_scores(1 if i % 2 else 5))
    await close_scoring(number=number, actor=office)
    chair = await factories.chair_of(number)

    headers, csrf = await _web(chair)
    async with factories.client(**headers) as web:
        refused = await web.post(f"/panel/cases/{number}/deliberation/sign",
                                 data={"csrf_token": csrf, "reasoning": "组长刚刚写好的长篇理由"})

    assert refused.status_code == 409
    assert "组长刚刚写好的长篇理由</textarea>" in refused.text and "须先在合议区讨论" in refused.text
    assert (await db.fetch("SELECT signed_at FROM deliberation"))[0]["signed_at"] is None


# The scoring form on a phone: the browser stops an incomplete sheet; the server's refusal is shown at the field.

def _tags(page: str, tag: str, **attrs: str) -> list[str]:
    import re

    found = re.findall(rf"<{tag}\b[^>]*>", page)
    return [t for t in found if all(f'{k}="{v}"' in t for k, v in attrs.items())]


async def test_every_level_and_reason_is_required_in_the_form() -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]

    headers, _csrf = await _web(member)
    async with factories.client(**headers) as web:
        page = (await web.get(f"/panel/cases/{number}")).text

    for c in ["C1", "C2", "C3", "C4", "C5", "C6"]:
        radios = _tags(page, "input", type="radio", name=f"value_{c}")
        assert len(radios) == 5 and all(" required" in r for r in radios), c
        (reason,) = _tags(page, "textarea", name=f"reason_{c}")
        assert " required" in reason and f'id="reason-{c}"' in reason
    (draft,) = [b for b in _tags(page, "button") if 'name="draft"' in b]
    assert "formnovalidate" in draft  # a draft may be partial


async def test_refused_sheet_comes_back_typed_with_the_error_at_the_field() -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]
    form = {"revision": "0"}
    for i, c in enumerate(["C1", "C2", "C3", "C4", "C5", "C6"]):
        form[f"value_{c}"], form[f"reason_{c}"] = str(i % 5 + 1), f"第{i + 1}项的长篇理由"
    form["reason_C4"] = ""

    headers, csrf = await _web(member)
    async with factories.client(**headers) as web:
        refused = await web.post(f"/panel/cases/{number}/scores", data={"csrf_token": csrf, **form})

    page = refused.text
    assert refused.status_code == 422 and "出错了" not in page
    (reason,) = _tags(page, "textarea", name="reason_C4")
    assert 'aria-invalid="true"' in reason and 'aria-describedby="error-C4"' in reason and "autofocus" in reason
    assert "请填写「" in page.split('id="error-C4"', 1)[1].split("</p>", 1)[0]
    assert 'href="#reason-C4"' in page
    for c in ["C1", "C2", "C3", "C5", "C6"]:
        n = int(c[1])
        assert f"第{n}项的长篇理由</textarea>" in page
        (checked,) = [r for r in _tags(page, "input", name=f"value_{c}") if "checked" in r]
        assert f'value="{(n - 1) % 5 + 1}"' in checked
    assert sum("aria-invalid" in t for t in _tags(page, "textarea")) == 1
    assert await ScoreSheet.count().run() == 0


async def test_error_page_links_back_to_where_the_user_was() -> None:
    number, _, _, _ = await convened_case()
    member = (await seated_now(number))[0]

    headers, csrf = await _web(member)
    async with factories.client(**headers) as web:
        from_page = await web.post(f"/panel/cases/{number}/deliberation/nothing", data={"csrf_token": csrf},
                                   headers={"Referer": f"http://testserver/panel/cases/{number}?x=1"})
        foreign = await web.post(f"/panel/cases/{number}/deliberation/nothing", data={"csrf_token": csrf},
                                 headers={"Referer": "http://elsewhere.example/panel"})

    assert from_page.status_code == foreign.status_code == 404
    assert f'href="/panel/cases/{number}?x=1"' in from_page.text
    assert f'href="/panel/cases/{number}"' in foreign.text and "elsewhere.example" not in foreign.text


# Sealed scoring's side door: saves after a member has seen the others' sheets are marked, and the history shows.

MARK = "查看他人评分后修改"


async def _bearer(actor: object) -> dict[str, str]:
    from review.accounts.services import auth

    return {"Authorization": f"Bearer {await auth.issue_token(actor)}"}


async def test_revision_after_seeing_others_is_marked_and_the_history_shows_it() -> None:
    number, _, office, _ = await convened_case()
    first, second, third, *rest = await seated_now(number)
    liaison = await factories.account("liaison")
    await submit_sheet(number=number, actor=third, scores=_scores(3, "独自"))
    await submit_sheet(number=number, actor=third, scores=_scores(4, "独自改"), revision=1)  # nobody else in yet
    await save_sheet(number=number, actor=first, scores=[{"criterion": "C1", "value": 2, "reason": "草"}],
                     submit=False)
    await submit_sheet(number=number, actor=first, scores=_scores(2, "占位"), revision=1)
    await submit_sheet(number=number, actor=second, scores=_scores(5, "二"))
    headers, _csrf = await _web(first)
    async with factories.client(**headers) as web:
        await web.get(f"/panel/cases/{number}")  # the first sight of the others' sheets
    await submit_sheet(number=number, actor=first, scores=_scores(5, "看后"), revision=2)

    async with factories.client(**await _bearer(first)) as api:
        mine = (await api.get(f"/api/v1/cases/{number}/scores")).json()["my_sheet"]
        history = await api.get(f"/api/v1/cases/{number}/sheets/{mine['sheet_id']}/revisions")
    headers, _csrf = await _web(first)
    async with factories.client(**headers) as web:
        page = (await web.get(f"/panel/cases/{number}")).text
        history_page = await web.get(f"/panel/cases/{number}/sheets/{mine['sheet_id']}/revisions")
    sealed = {}
    for who, actor in (("office", office), ("fellow", second), ("liaison", liaison)):
        async with factories.client(**await _bearer(actor)) as api:
            sealed[who] = (await api.get(f"/api/v1/cases/{number}/sheets/{mine['sheet_id']}/revisions")).status_code

    assert mine["revised_after_viewing_others"] is True and mine["revision"] == 3
    assert history.status_code == 200
    saves = history.json()["revisions"]
    assert [(r["revision"], r["submitted"], r["revised_after_viewing_others"]) for r in saves] == [
        (1, False, False), (2, True, False), (3, True, True)]
    assert saves[1]["scores"][0] == {"criterion": "C1", "value": 2, "reason": "占位C1 理由"}
    assert MARK in page and f"/sheets/{mine['sheet_id']}/revisions" in page
    assert history_page.status_code == 200 and history_page.text.count(f'<span class="badge flag">{MARK}') == 1
    assert "占位C1 理由" in history_page.text and "草" in history_page.text
    assert sealed == {"office": 403, "fellow": 404, "liaison": 404}

    for m in rest:
        await submit_sheet(number=number, actor=m, scores=_scores(4))
    await close_scoring(number=number, actor=office)
    async with factories.client(**await _bearer(office)) as api:
        office_history = (await api.get(f"/api/v1/cases/{number}/sheets/{mine['sheet_id']}/revisions")).json()
        third_id = next(s["sheet_id"] for s in (await api.get(f"/api/v1/cases/{number}/scores")).json()["sheets"]
                        if s["member"] == third.username)
        third_history = (await api.get(f"/api/v1/cases/{number}/sheets/{third_id}/revisions")).json()
        quality = (await api.get("/api/v1/scoring/quality")).json()
    headers, _csrf = await _web(office)
    async with factories.client(**headers) as web:
        office_page = (await web.get(f"/office/cases/{number}")).text
        quality_page = (await web.get("/office/quality")).text

    # The office reads the submitted saves only (drafts stay private), once scoring has closed.
    assert [r["revision"] for r in office_history["revisions"]] == [2, 3]
    assert [r["revised_after_viewing_others"] for r in third_history["revisions"]] == [False, False]
    marked = [s for s in office_page.split("<summary>")[1:] if MARK in s.split("</summary>")[0]]
    assert len(marked) == 1 and marked[0].startswith(first.username)
    by_member = {m["member"]: m for m in quality["members"]}
    assert by_member[first.username]["revised_after_viewing_others"] == 1
    assert by_member[first.username]["revised_after_viewing_others_share"] == 1.0
    assert by_member[third.username]["revised_after_viewing_others"] == 0
    assert all(m["sheets"] == 1 for m in quality["members"])
    assert "1 / 1 份（100%）" in quality_page
