"""Personal data stays out of every public output, redirect URL and log line (DESIGN §8)."""

from __future__ import annotations

import logging
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from httpx import AsyncClient, Response

from review.accounts.services import auth
from review.core.tables import Case
from review.verdicts.services import stored_path
from review.verdicts.tables import Verdict
from tests import factories
from tests.conftest import run_jobs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

NAME, GIVEN_NAME, MASKED = "王小明", "小明", "王某"
PHONE = "13800001234"
ID_NUMBER = "51010719900101123X"
ADDRESS = "玉林南路12号3栋2单元501室"
EMAIL, WECHAT = "wangxm1990@example.com", "wxm_2026cd"
# The complainant's own identifiers as people write them: full-width, spaced, dashed, dotted, +86, lower-case x.
VARIANTS = [
    "１３８００００１２３４",
    "138 0000 1234",
    "138-0000-1234",
    "+86 138.0000.1234",
    "510107 19900101 123x",
    "５１０１０７１９９００１０１１２３Ｘ",
    "玉林南路１２号３栋２单元５０１室",
    "王 小 明",
]
CONTENT = (
    f"{NAME}反映：{ADDRESS}门前井盖缺失，联系电话 {PHONE}，身份证号 {ID_NUMBER}。"
    f"小明另称：手机{VARIANTS[0]}，或{VARIANTS[1]}、{VARIANTS[2]}、{VARIANTS[3]}；身份证 {VARIANTS[4]}"
    f"（{VARIANTS[5]}）；住{VARIANTS[6]}；署名{VARIANTS[7]}；邮箱 {EMAIL}，微信号：{WECHAT}。"
)


@dataclass
class Walk:
    number: str
    access_code: str
    verdict: dict
    redirects: list[str] = field(default_factory=list)

    def personal_data(self) -> list[str]:
        """Every piece of personal data the case carries, as it might leak."""
        return [
            NAME,
            GIVEN_NAME,
            PHONE,
            ID_NUMBER,
            ID_NUMBER.lower(),
            ADDRESS,
            EMAIL,
            WECHAT,
            *VARIANTS,
            self.access_code,
            self.access_code.replace("-", ""),
        ]


def _csrf(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def _watch_redirects(http: AsyncClient, into: list[str]) -> None:
    async def hook(response: Response) -> None:
        if response.is_redirect:
            into.append(response.headers["location"])

    http.event_hooks = {"response": [hook]}


async def _walk() -> Walk:
    """Intake → tracking → screening → panel → scores → ruling → verdict, through HTTP as each party would."""
    office = await factories.account("office")
    await factories.roster()
    await factories.department()
    key = await auth.create_api_key(name="hotline", key="k")
    body = factories.payload(
        complainant={"name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "address": ADDRESS},
        content=CONTENT,
    )
    redirects: list[str] = []
    async with factories.client(**{"X-API-Key": key}) as hotline:
        created = (await hotline.post("/api/v1/cases", json=body)).json()
    number, code = created["case_number"], created["access_code"]

    async with factories.client() as complainant:
        _watch_redirects(complainant, redirects)
        form = await complainant.get("/track")
        tracked = await complainant.post(
            "/track", data={"csrf_token": _csrf(form), "case_number": number, "access_code": code}
        )
        assert tracked.status_code == 303

    async with factories.client() as desk:
        _watch_redirects(desk, redirects)
        form = await desk.get("/login")
        await desk.post(
            "/login",
            data={"csrf_token": _csrf(form), "username": office.username, "password": factories.PASSWORD},
        )
        for action in ("accept", "convene"):
            page = await desk.get(f"/office/cases/{number}")
            await desk.post(f"/office/cases/{number}/{action}", data={"csrf_token": _csrf(page)})
        for member in await factories.seated_members(number):
            async with factories.client() as panel:
                token = (
                    await panel.post(
                        "/api/v1/auth/token",
                        json={"username": member.username, "password": factories.PASSWORD},
                    )
                ).json()["token"]
                sent = await panel.post(
                    f"/api/v1/cases/{number}/scores",
                    json={"scores": factories.full_scores(2)},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert sent.status_code == 201
        page = await desk.get(f"/office/cases/{number}")
        closed = await desk.post(f"/office/cases/{number}/close-scoring", data={"csrf_token": _csrf(page)})
        assert closed.status_code == 303
        chair = await factories.chair_of(number)
        async with factories.client() as panel:
            token = (
                await panel.post(
                    "/api/v1/auth/token", json={"username": chair.username, "password": factories.PASSWORD}
                )
            ).json()["token"]
            bearer = {"Authorization": f"Bearer {token}"}
            drafted = await panel.post(
                f"/api/v1/cases/{number}/deliberation/reasoning",
                headers=bearer,
                json={
                    "reasoning": f"{NAME}（电话 {VARIANTS[1]}，微信 {WECHAT}）所诉属实，承办部门未到现场核查。"
                },
            )
            signed = await panel.post(f"/api/v1/cases/{number}/deliberation/sign", headers=bearer)
            assert (drafted.status_code, signed.status_code) == (200, 200)
        page = await desk.get(f"/office/cases/{number}")
        ruled = await desk.post(f"/office/cases/{number}/ruling", data={"csrf_token": _csrf(page)})
        assert ruled.status_code == 303
    await run_jobs()

    case_id = (await Case.select(Case.id).where(Case.number == number).first().run())["id"]
    verdict = await Verdict.select().where(Verdict.case == case_id).first().run()
    assert verdict["status"] == "valid"
    async with factories.client() as public:
        _watch_redirects(public, redirects)
        await public.get("/verify", params={"code": verdict["code"]})
    return Walk(number, code, verdict, redirects)


def _pdf_text(path: Path) -> str:
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def _squeezed(text: str) -> str:
    """The text as compared: NFKC (full-width as ASCII), no spaces or separators between characters."""
    return re.sub(r"[\s\-.·+]+", "", unicodedata.normalize("NFKC", text)).upper()


def _leaks(text: str, secrets: list[str]) -> list[str]:
    """Which secrets appear, also when layout has spread their characters apart or they are written otherwise."""
    squeezed = _squeezed(text)
    return [s for s in secrets if s in text or _squeezed(s) in squeezed]


async def test_privacy_logs_of_whole_path_hold_no_personal_data(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    walk = await _walk()

    assert caplog.records, "nothing was logged, so this test proves nothing"
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert _leaks(logged, walk.personal_data()) == []


async def test_privacy_redirect_urls_hold_no_personal_data() -> None:
    walk = await _walk()

    assert "/track/case" in walk.redirects
    assert f"/verify/{walk.verdict['code']}" in walk.redirects
    assert len(walk.redirects) >= 6
    assert _leaks("\n".join(walk.redirects), walk.personal_data()) == []


async def test_privacy_public_outputs_hold_no_personal_data() -> None:
    walk = await _walk()
    code = walk.verdict["code"]

    async with factories.client() as public:
        verify = await public.get(f"/verify/{code}")
        api = await public.get(f"/api/v1/verdicts/{code}")
        league = await public.get("/public/assessments")
        public_pdf = await public.get(f"/verify/{code}/public.pdf")
    stored_text = _pdf_text(stored_path(walk.verdict["public_sha256"]))

    assert (verify.status_code, api.status_code, league.status_code, public_pdf.status_code) == (200,) * 4
    assert walk.verdict["number"] in verify.text
    assert api.json()["number"] == walk.verdict["number"]
    assert "成都市交通运输局" in league.text
    assert public_pdf.content == stored_path(walk.verdict["public_sha256"]).read_bytes()
    assert walk.verdict["number"] in stored_text
    for name, text in [
        ("verify", verify.text),
        ("api", api.text),
        ("assessments", league.text),
        ("public pdf", stored_text),
    ]:
        assert _leaks(text, walk.personal_data()) == [], name


async def test_privacy_full_pdf_shows_masked_name_only() -> None:
    walk = await _walk()

    text = _pdf_text(stored_path(walk.verdict["full_sha256"]))

    assert MASKED in re.sub(r"\s+", "", text)
    assert _leaks(text, walk.personal_data()) == []


async def test_privacy_outputs_for_liaison_member_and_hotline_hold_no_contact_data_members_see_the_name() -> None:
    walk = await _walk()
    liaison = await factories.account("liaison")
    member = (await factories.seated_members(walk.number))[0]

    async with factories.client(Authorization=f"Bearer {await auth.issue_token(liaison)}") as http:
        liaison_json = await http.get(f"/api/v1/cases/{walk.number}")
        liaison_scores = await http.get(f"/api/v1/cases/{walk.number}/scores")
    token, _ = await auth.start_session(liaison)
    async with factories.client(Cookie=f"rv_session={token}") as http:
        liaison_page = await http.get(f"/liaison/cases/{walk.number}")
    async with factories.client(Authorization=f"Bearer {await auth.issue_token(member)}") as http:
        member_json = await http.get(f"/api/v1/cases/{walk.number}")
    async with factories.client(**{"X-API-Key": "k"}) as http:
        ruling = await http.get(f"/api/v1/cases/{walk.number}/ruling")

    outputs = {
        "liaison json": liaison_json,
        "liaison scores": liaison_scores,
        "liaison page": liaison_page,
        "member json": member_json,
        "hotline ruling": ruling,
    }
    assert {name: r.status_code for name, r in outputs.items()} == dict.fromkeys(outputs, 200)
    assert "井盖缺失" in liaison_json.json()["content"] and "井盖缺失" in liaison_page.text
    assert "承办部门未到现场核查" in ruling.json()["ruling"]["reasoning"]
    # Members and liaisons judge how this person's complaint was handled: they see the name, nothing to reach them.
    assert liaison_json.json()["complainant"]["name"] == NAME and member_json.json()["complainant"]["name"] == NAME
    assert liaison_json.json()["content"].startswith(f"{NAME}反映：") and NAME in liaison_page.text
    names = {NAME, GIVEN_NAME, VARIANTS[7]}
    for name, response in outputs.items():
        seen = [d for d in walk.personal_data() if d not in names] if name != "hotline ruling" else walk.personal_data()
        assert _leaks(response.text, seen) == [], name


async def test_privacy_office_and_complainant_still_see_what_was_taken_in() -> None:
    walk = await _walk()

    async with factories.client() as http:
        token = (
            await http.post(
                "/api/v1/track", json={"case_number": walk.number, "access_code": walk.access_code}
            )
        ).json()["token"]
        own = await http.get(f"/api/v1/cases/{walk.number}", headers={"Authorization": f"Bearer {token}"})

    assert own.json()["content"] == CONTENT
    assert own.json()["complainant"] == {"name": NAME, "phone": PHONE}


async def test_privacy_the_office_sees_the_case_as_taken_in_the_member_without_contact_data() -> None:
    walk = await _walk()
    office = await factories.account("office")
    member = (await factories.seated_members(walk.number))[0]
    async with factories.client(Authorization=f"Bearer {await auth.issue_token(office)}") as http:
        seen = (await http.get(f"/api/v1/cases/{walk.number}")).json()
    async with factories.client(Authorization=f"Bearer {await auth.issue_token(member)}") as http:
        judged = (await http.get(f"/api/v1/cases/{walk.number}")).json()

    assert seen["content"] == CONTENT and seen["complainant"] == {"name": NAME, "phone": PHONE}
    assert judged["complainant"] == {"name": NAME, "phone": None}
    assert judged["content"].startswith(f"{NAME}反映：") and "井盖缺失" in judged["content"]
    for value in (PHONE, ID_NUMBER, ADDRESS, EMAIL, WECHAT, *VARIANTS[:7]):
        assert value not in judged["content"], value


async def test_privacy_members_see_the_name_where_a_person_noun_stands_before_it() -> None:
    liaison = await factories.account("liaison")
    number, _ = await factories.case(content="业主王小明反映：井盖缺失，电话13800001234。")
    async with factories.client(Authorization=f"Bearer {await auth.issue_token(liaison)}") as http:
        seen = (await http.get(f"/api/v1/cases/{number}")).json()
    assert seen["content"] == "业主王小明反映：井盖缺失，电话［电话已隐去］。"
