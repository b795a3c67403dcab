"""调解信息隔离, end to end: what is said and written in mediation appears in no scoring page, no panel page, no
rulings or scoring API answer, not in the verdict PDF and in no export — until both parties consent to one item and
the office moves it; then exactly that item appears in the panel's case file, and nothing else does.

Each source of mediation content is one entry of SOURCES (an async function seeding one item with its distinctive
text and returning its (item_kind, item_id)); the agreement's draft versions join as one more line."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from httpx import Response

from review.accounts.services import auth
from review.core.actors import Actor
from review.core.tables import AuditEvent, Case
from review.mediation.services import agreement, minutes, stage
from review.mediation.services.room import post_message
from review.mediation.tables import MediationAgreementVersion, MediationConsent
from review.verdicts.services import stored_path
from review.verdicts.tables import Verdict
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import api, csrf_of, web
from tests.integration.review.mediation.helpers import complainant_of, session_begun
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

MARK = "调解隔离测试"  # every seeded text carries it; nothing of mediation may show it on the panel's side


@dataclass
class Room:
    number: str
    mediation_id: int
    session_id: int
    office: Actor
    complainant: Actor
    liaison: Actor
    chair: Actor | None = None
    hotline_key: str = ""  # the API key of the client that pushed the case


Source = Callable[[Room], Awaitable[tuple[str, int, str]]]  # seeds one item: (item_kind, item_id, its text)


async def _complainant_message(room: Room) -> tuple[str, int, str]:
    text = f"{MARK}甲乙丙：只要部门本周修好路灯，我可以不再追究"
    event = await post_message(mediation_id=room.mediation_id, actor=room.complainant, text=text)
    return "message", event["id"], text


async def _liaison_message(room: Room) -> tuple[str, int, str]:
    text = f"{MARK}丁戊己：部门承认当时未到现场核查"
    event = await post_message(mediation_id=room.mediation_id, actor=room.liaison, text=text)
    return "message", event["id"], text


async def _minutes(room: Room) -> tuple[str, int, str]:
    text = f"{MARK}庚辛壬：调解笔录，双方就修复时限达成初步意向"
    saved = await minutes.save_minutes(mediation_id=room.mediation_id, session_id=room.session_id, text=text,
                                       actor=room.office)
    # A party's comment on the minutes is part of them: walled off too (it is never an item of its own).
    await minutes.comment(mediation_id=room.mediation_id, session_id=room.session_id,
                          text=f"{MARK}癸子丑：诉求人对笔录的意见", actor=room.complainant)
    return "minutes", saved["id"], text


async def _draft(room: Room) -> tuple[str, int, str]:
    text = f"{MARK}寅卯辰：调解协议草稿，部门同意赔偿修车费八百元"
    saved = await agreement.save_version(mediation_id=room.mediation_id, actor=room.liaison, text=text, base_version=0)
    row = await MediationAgreementVersion.select(MediationAgreementVersion.id).where(
        (MediationAgreementVersion.mediation == room.mediation_id)
        & (MediationAgreementVersion.number == saved["version"])).first().run()
    return "draft", row["id"], text


SOURCES: list[Source] = [_complainant_message, _liaison_message, _minutes, _draft]


def _pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, check=True).stdout.decode()


def _ok(response: Response) -> str:
    assert response.status_code == 200, (response.url, response.status_code, response.text[:300])
    return response.text


async def _panel_side(room: Room, members: list[Actor]) -> dict[str, str]:
    """Every page, API answer, PDF and export the panel's scoring, the verdict and the platform's outputs give."""
    number = room.number
    chair = room.chair
    assert chair is not None
    seen: dict[str, str] = {}
    for who in (chair, *(m for m in members[-1:] if m.user_id != chair.user_id)):
        async with await web(who) as http:
            seen[f"{who.username} case page"] = _ok(await http.get(f"/panel/cases/{number}"))
            seen[f"{who.username} list"] = _ok(await http.get("/panel"))
        async with await api(who) as http:
            seen[f"{who.username} case api"] = _ok(await http.get(f"/api/v1/cases/{number}"))
            seen[f"{who.username} scores api"] = _ok(await http.get(f"/api/v1/cases/{number}/scores"))
    async with await web(room.office) as http:
        for page in (f"/office/cases/{number}", "/office/cases", "/office/scoring", "/office/quality",
                     "/office/audit", "/office/mediations", "/public/audit", "/public/assessments", "/public/criteria"):
            seen[f"office {page}"] = _ok(await http.get(page))
    async with await api(room.office) as http:
        for call in (f"/api/v1/cases/{number}", f"/api/v1/cases/{number}/scores", "/api/v1/assessments",
                     "/api/v1/audit/heads", "/api/v1/scoring/quality", f"/api/v1/cases/{number}/mediation"):
            seen[f"office api {call}"] = _ok(await http.get(call))
        verdict_pdf = await http.get(f"/api/v1/cases/{number}/verdict.pdf")
        assert verdict_pdf.status_code == 200
        seen["verdict pdf"] = _pdf_text(verdict_pdf.content)
    case_id = (await Case.select(Case.id).where(Case.number == number).first().run())["id"]
    verdict = await Verdict.select().where(Verdict.case == case_id).first().run()
    seen["public verdict pdf"] = _pdf_text(stored_path(verdict["public_sha256"]).read_bytes())
    async with factories.client() as public:
        seen["verify page"] = _ok(await public.get(f"/verify/{verdict['code']}"))
        seen["verify api"] = _ok(await public.get(f"/api/v1/verdicts/{verdict['code']}"))
    async with factories.client(**{"X-API-Key": room.hotline_key}) as hotline:
        seen["hotline ruling"] = _ok(await hotline.get(f"/api/v1/cases/{number}/ruling"))
    seen["audit chain"] = json.dumps(await AuditEvent.select().run(), ensure_ascii=False, default=str)
    assert verdict["number"] in seen["verdict pdf"].replace(" ", "") or verdict["number"] in seen["verdict pdf"]
    return seen


async def _mediated_then_ruled() -> tuple[Room, list[Actor], list[tuple[str, int, str]]]:
    """A case mediated (every source seeded), mediation ended without agreement, then scored and ruled."""
    number, _, office, members = await convened_case()
    liaison = await factories.account("liaison")
    mediation_id, session_id = await session_begun(number, office)
    room = Room(number, mediation_id, session_id, office, await complainant_of(number), liaison,
                chair=await factories.chair_of(number),
                hotline_key=await auth.create_api_key(name="hotline", key="wall-key"))
    items = [await seed(room) for seed in SOURCES]
    async with await web(office) as http:  # the seeding took: the room shows every item
        shown = _ok(await http.get(f"/mediation/{mediation_id}"))
    assert all(text in shown for _, _, text in items) and f"{MARK}癸子丑" in shown
    await stage.end_without_agreement(number=number, actor=office)
    for member in members:
        async with await api(member) as http:
            sent = await http.post(f"/api/v1/cases/{number}/scores", json={"scores": factories.full_scores(3)})
            assert sent.status_code == 201, sent.text
    await factories.rule_case(number, office)
    await run_jobs()
    return room, members, items


async def test_wall_nothing_of_mediation_reaches_scoring_the_verdict_or_exports_until_both_consent() -> None:
    room, members, items = await _mediated_then_ruled()

    before = await _panel_side(room, members)

    leaks = {name: text.count(MARK) for name, text in before.items() if MARK in text}
    assert leaks == {}, f"mediation content seen on the panel's side: {leaks}"

    kind, item_id, moved_text = items[1]  # the liaison's admission
    for party in (room.complainant, room.liaison):
        async with await api(party) as http:
            answered = await http.post(f"/api/v1/mediation/{room.mediation_id}/consents",
                                       json={"item_kind": kind, "item_id": item_id, "consent": True})
            assert answered.status_code == 200, answered.text
    async with await api(room.office) as http:
        moved = await http.post(f"/api/v1/mediation/{room.mediation_id}/consents/move",
                                json={"item_kind": kind, "item_id": item_id})
        assert moved.status_code == 201, moved.text

    after = await _panel_side(room, members)

    chair = room.chair
    assert chair is not None
    for name in (f"{chair.username} case page", f"{members[-1].username} case page", f"{chair.username} case api"):
        assert moved_text in after[name], name
        assert "调解中经双方同意入卷的内容" in after[name], name
        assert after[name].count(MARK) == 1, name  # that one item, and nothing else of mediation
    file = json.loads(after[f"{chair.username} case api"])["case_file"]
    assert [(f["body"], [c["party"] for c in f["consents"]]) for f in file] == [
        (moved_text, ["complainant", "liaison"])]
    # Everywhere: whatever of mediation shows is the moved item's text, whole, and nothing else.
    others = {name: page.count(MARK) - page.count(moved_text) for name, page in after.items()}
    assert others == dict.fromkeys(after, 0)
    # Scoring, the verdict and the exports were not changed by the file entry.
    for name in ("verdict pdf", "public verdict pdf", f"{chair.username} scores api", "office api /api/v1/assessments",
                 "audit chain", "hotline ruling"):
        assert MARK not in after[name], name


async def test_a_caucus_message_is_refused_as_a_wall_item_by_form_and_through_the_api() -> None:
    number, _, office, _ = await convened_case()
    liaison = await factories.account("liaison")
    mediation_id, _ = await session_begun(number, office)
    await post_message(mediation_id=mediation_id, actor=office, text=f"{MARK}单独问", caucus="liaison")
    told = await post_message(mediation_id=mediation_id, actor=liaison, text=f"{MARK}单独答：部门可以让步",
                              caucus="liaison")
    room = f"/mediation/{mediation_id}"
    item = {"item_kind": "message", "item_id": told["id"]}

    async with await api(liaison) as http:
        listed = (await http.get(f"/api/v1/mediation/{mediation_id}/consents")).json()
        assert [i for i in listed if i["item_kind"] == "message"] == []
        refused = await http.post(f"/api/v1/mediation/{mediation_id}/consents", json={**item, "consent": True})
        assert refused.status_code == 404 and "单独沟通" in refused.json()["error"]["message"]
    async with await web(liaison) as http:
        page = await http.get(room)
        assert f"{MARK}单独答" in page.text  # the liaison hears its caucus, but the consent list does not offer it
        assert f'name="item_id" value="{told["id"]}"' not in page.text
        refused = await http.post(f"{room}/consents", data={"csrf_token": csrf_of(page), "item_kind": "message",
                                                            "item_id": str(told["id"]), "consent": "1"})
        assert refused.status_code == 404 and "单独沟通" in refused.text
    async with await api(office) as http:
        moved = await http.post(f"/api/v1/mediation/{mediation_id}/consents/move", json=item)
        assert moved.status_code == 404
    async with await web(office) as http:  # the office's room page offers nothing either
        page = await http.get(room)
        assert f'name="item_id" value="{told["id"]}"' not in page.text
    assert await MediationConsent.count() == 0
