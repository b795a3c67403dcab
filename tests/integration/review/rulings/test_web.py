"""The office's scoring pages and API (progress, dispersion, rater quality and its chart), who may open them,
what each role sees of the sheets at each stage, and the public criteria page."""

from __future__ import annotations

import asyncio
import html
import re
import xml.etree.ElementTree as ET

import krippendorff
import numpy as np
import pytest

from review.accounts.services import auth
from review.cases import services as cases
from review.convening.services import convene_panel
from review.core.actors import Actor
from review.rulings.services.deliberation import close_scoring, issue_ruling, save_reasoning, sign_reasoning
from review.rulings.services.sheets import save_sheet, submit_sheet
from scoring.domain.default_criteria import DEFAULT_CRITERIA, DEFAULT_NAME, DEFAULT_RULE
from scoring.services.criteria import create_draft, publish_criteria
from tests import factories
from tests.integration.panel_helpers import complainant_token

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("clean_db"),
]

CODES = ["C1", "C2", "C3", "C4", "C5", "C6"]
OFFICE_PAGES = ["/office/scoring", "/office/quality", "/office/quality/chart.svg"]
QUALITY_API = "/api/v1/scoring/quality"


async def _panel() -> dict[str, Actor]:
    """A roster of exactly one panel's worth (the default template's seats), so every case gets these five."""
    lawyer, deputy, resident_a, resident_b, expert = await factories.roster(
        {"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1})
    return {"lawyer": lawyer, "deputy": deputy, "resident_a": resident_a, "resident_b": resident_b,
            "expert": expert}


async def _convened(office: Actor) -> str:
    number, _ = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    await factories.seated_members(number)  # every invitation accepted
    return number


def _sheet(values: int | dict[str, int], tag: str = "") -> list[dict]:
    by_code = values if isinstance(values, dict) else dict.fromkeys(CODES, values)
    return [{"criterion": c, "value": v, "reason": f"{tag}对{c}的封存理由"} for c, v in by_code.items()]


async def _score(number: str, panel: dict[str, Actor], values: dict[str, int | dict[str, int]]) -> None:
    for seat, value in values.items():
        await submit_sheet(number=number, actor=panel[seat], scores=_sheet(value, panel[seat].username))


async def _session(actor: Actor) -> dict[str, str]:
    token, _ = await auth.start_session(actor)
    return {"Cookie": f"rv_session={token}"}


async def _bearer(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {await auth.issue_token(actor)}"}


def _row(page: str, cell: str) -> str:
    """The text of the one table row with an element whose whole text is `cell`, tags removed."""
    rows = [r.split(">", 1)[1] for r in page.split("<tr")[1:] if f">{cell}<" in r]
    assert len(rows) == 1, f"{cell} in {len(rows)} rows"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", rows[0].split("</tr>")[0]))).strip()


# Rater quality: five ruled cases scored by the same panel, with two lenient and two harsh members.

LEANING = {"lawyer": 5, "deputy": 1, "resident_a": 4, "resident_b": 2, "expert": 3}
# Each score against the mean of the other four on the same criterion: (5 − 2.5), (1 − 3.5), (4 − 2.75), …
EXPECTED_LEAN = {"lawyer": 2.5, "deputy": -2.5, "resident_a": 1.25, "resident_b": -1.25, "expert": 0.0}
TENDENCY = {"lawyer": "lenient", "deputy": "harsh", "resident_a": "lenient", "resident_b": "harsh",
            "expert": "balanced"}


async def _ruled_history() -> tuple[Actor, dict[str, Actor], str]:
    """(office, panel, a case still scoring) after five cases ruled on LEANING's scores."""
    office = await factories.account("office")
    panel = await _panel()
    for _ in range(5):  # 5 cases × 6 criteria = 30 scores each: enough for a lean to count
        number = await _convened(office)
        await _score(number, panel, LEANING)
        await factories.rule_case(number, office)
    open_case = await _convened(office)
    # Sheets of a panel still scoring are sealed from the office, in aggregate too: these must not count.
    await _score(open_case, panel, {"lawyer": 1, "deputy": 5})
    return office, panel, open_case


async def test_quality_page_api_and_chart_show_each_members_lean() -> None:
    office, panel, _ = await _ruled_history()
    names = {seat: actor.username for seat, actor in panel.items()}

    async with factories.client(**await _bearer(office)) as api:
        report = await api.get(QUALITY_API)
    async with factories.client(**await _session(office)) as web:
        page = await web.get("/office/quality")
        chart = await web.get("/office/quality/chart.svg")

    body = report.json()
    assert report.status_code == page.status_code == chart.status_code == 200
    assert body["scores"] == 150
    by_name = {m["member"]: m for m in body["members"]}
    assert set(by_name) == set(names.values())
    for seat, name in names.items():
        assert by_name[name]["scores"] == 30
        assert by_name[name]["mean_deviation"] == EXPECTED_LEAN[seat]
        assert by_name[name]["mean_abs_deviation"] == abs(EXPECTED_LEAN[seat])
        assert by_name[name]["tendency"] == TENDENCY[seat]
    assert by_name[names["lawyer"]]["role"] == "律师"
    assert [m["mean_deviation"] for m in body["members"]] == sorted(EXPECTED_LEAN.values())  # harshest first
    # Krippendorff's alpha over the same 30 units (case × criterion), computed here from the raw scores.
    reliability = np.array([[LEANING[seat]] * 30 for seat in panel], dtype=float)
    alpha = krippendorff.alpha(reliability_data=reliability, value_domain=[1, 2, 3, 4, 5],
                               level_of_measurement="ordinal")
    assert body["agreement"] == [{"criteria_version": 1, "units": 30, "krippendorff_alpha": round(alpha, 4)}]

    text = page.text
    assert "共 150 项评分" in text
    for seat, name in names.items():
        row = _row(text, name)
        assert f"{EXPECTED_LEAN[seat]:+.2f}" in row and " 30 " in f" {row} "
        tendency = {"lenient": "偏宽", "harsh": "偏严", "balanced": "—"}[TENDENCY[seat]]
        assert row.endswith(f"{tendency} 0 / 5 份（0%）")  # none of the five sheets revised after seeing others
    assert f"第 1 版 30 {alpha:.3f}" in _row(text, "第 1 版")
    assert "<svg" in text  # the chart is drawn into the page, not fetched from elsewhere

    assert chart.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(chart.text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    labels = "".join(root.itertext())
    assert all(name in labels for name in names.values())
    scripts = list(root.iter("{http://www.w3.org/2000/svg}script"))
    assert not any(set(s.attrib) & {"href", "src", "{http://www.w3.org/1999/xlink}href"} for s in scripts)
    assert not re.search(r"""(?:href|src)=["']https?://""", chart.text)  # nothing loaded from outside


async def test_quality_with_no_closed_panel_is_empty_not_an_error() -> None:
    office = await factories.account("office")
    panel = await _panel()
    number = await _convened(office)
    await _score(number, panel, LEANING)  # all in, but scoring not closed: still sealed

    async with factories.client(**await _bearer(office)) as api:
        report = await api.get(QUALITY_API)
    async with factories.client(**await _session(office)) as web:
        page = await web.get("/office/quality")
        chart = await web.get("/office/quality/chart.svg")

    assert report.status_code == page.status_code == chart.status_code == 200
    assert report.json() == {"scores": 0, "members": [], "agreement": []}
    assert "共 0 项评分" in page.text and "暂无数据" in page.text
    assert ET.fromstring(chart.text).tag == "{http://www.w3.org/2000/svg}svg"


def test_chart_uses_presentation_attributes_and_fits_the_screen() -> None:
    from scoring.charts import lean_chart
    from scoring.domain.quality import MemberLean
    from scoring.queries import MemberRow

    members = [MemberRow(MemberLean(i, 30, d, abs(d)), f"评议员<{i}>", "律师") for i, d in enumerate([-1.5, 0.0, 2.0])]

    svg = lean_chart(members)

    root = ET.fromstring(svg)
    # The pages' Content-Security-Policy allows no inline styles: no <style>, no style="…".
    assert not list(root.iter("{http://www.w3.org/2000/svg}style"))
    assert not any("style" in element.attrib for element in root.iter())
    assert root.get("viewBox") and root.get("width") == "100%" and root.get("height") is None
    fills = {e.get("fill") for e in root.iter("{http://www.w3.org/2000/svg}rect")}
    assert {"#b03a2e", "#1f618d", "#ffffff"} <= fills
    assert "评议员<2>" in "".join(root.itertext())  # names escaped, not markup


# Scoring progress: sheets in while scoring, total and dispersion once closed.


async def test_progress_page_shows_counts_while_sealed_and_dispersion_once_closed() -> None:
    office = await factories.account("office")
    panel = await _panel()
    waiting = await _convened(office)
    scoring = await _convened(office)
    await _score(scoring, panel, {"lawyer": 5, "deputy": 1})
    split = await _convened(office)
    # Everyone agrees on 4 except on C2, where the panel splits 5/1/5/1/3 (σ ≈ 1.79 > 1.5).
    await _score(split, panel, {seat: {**dict.fromkeys(CODES, 4), "C2": c2}
                                for seat, c2 in zip(panel, [5, 1, 5, 1, 3], strict=True)})
    await close_scoring(number=split, actor=office)
    agreed = await _convened(office)
    await _score(agreed, panel, dict.fromkeys(panel, 5))
    await close_scoring(number=agreed, actor=office)
    ruled = await _convened(office)
    await _score(ruled, panel, dict.fromkeys(panel, 3))
    await factories.rule_case(ruled, office)

    async with factories.client(**await _session(office)) as web:
        page = await web.get("/office/scoring")

    assert page.status_code == 200
    assert _row(page.text, waiting).endswith("0 / 5 — —")
    assert _row(page.text, scoring).endswith("2 / 5 — —")  # what the two sheets say stays sealed
    # C1 4·15 + C2 3·20 + (C3 15 + C4 25 + C5 15 + C6 10)·4 = 380 of 500.
    assert _row(page.text, split).endswith("5 / 5 76.00 基本到位 C2")
    assert '<b class="error">C2</b>' in page.text
    assert _row(page.text, agreed).endswith("5 / 5 100.00 办理到位 无")
    assert ruled not in page.text  # ruled cases have left scoring

    # A newer version with other weights and thresholds changes nothing for cases pinned to version 1.
    raw = {"name": "评议标准（第二版）", "criteria": [dict(c) for c in DEFAULT_CRITERIA],
           "rule": {**DEFAULT_RULE, "proper_at": 70}}
    raw["criteria"][1]["weight"] = 80
    await publish_criteria(actor=office, set_id=await create_draft(actor=office, content=raw))
    async with factories.client(**await _session(office)) as web:
        again = await web.get("/office/scoring")

    assert _row(again.text, split) == _row(page.text, split)
    assert _row(again.text, agreed) == _row(page.text, agreed)


# Who may open the office's pages and API.


@pytest.mark.parametrize("path", OFFICE_PAGES)
async def test_office_pages_refuse_members_liaisons_and_complainants(path: str) -> None:
    member = await factories.account("member")
    liaison = await factories.account("liaison")
    number, code = await factories.case()
    complainant = {"Cookie": f"rv_track={await complainant_token(number, code)}"}

    answers = {}
    for who, headers in [("member", await _session(member)), ("liaison", await _session(liaison)),
                         ("complainant", complainant)]:
        async with factories.client(**headers) as http:
            answers[who] = await http.get(path)

    assert {who: r.status_code for who, r in answers.items()} == dict.fromkeys(answers, 403)
    assert all("<svg" not in r.text and "评议员评分质量" not in r.text for r in answers.values())


@pytest.mark.parametrize("path", OFFICE_PAGES)
async def test_office_pages_send_anonymous_visitors_to_login(path: str) -> None:
    async with factories.client() as http:
        response = await http.get(path)

    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


async def test_quality_api_is_for_the_office_only() -> None:
    member = await factories.account("member")
    liaison = await factories.account("liaison")
    number, code = await factories.case()

    answers = {}
    for who, headers in [("member", await _bearer(member)), ("liaison", await _bearer(liaison)),
                         ("complainant", {"Authorization": f"Bearer {await complainant_token(number, code)}"}),
                         ("anonymous", {})]:
        async with factories.client(**headers) as http:
            answers[who] = await http.get(QUALITY_API)

    assert {who: r.status_code for who, r in answers.items()} == {
        "member": 403, "liaison": 403, "complainant": 403, "anonymous": 401}
    assert {r.json()["error"]["code"] for who, r in answers.items() if who != "anonymous"} == {"forbidden"}
    assert all("members" not in r.json() for r in answers.values())


# What each role sees of the sheets, stage by stage, on the API and the case pages.


async def _sheets_seen(number: str, headers: dict[str, str]) -> tuple[int, dict]:
    async with factories.client(**headers) as http:
        response = await http.get(f"/api/v1/cases/{number}/scores")
    return response.status_code, response.json()


async def _pages_seen(number: str, headers: dict[str, dict[str, str]]) -> dict[str, str]:
    paths = {"liaison": f"/liaison/cases/{number}", "complainant": "/track/case"}
    out = {}
    for who, path in paths.items():
        async with factories.client(**headers[who]) as http:
            page = await http.get(path)
        assert page.status_code == 200, (who, page.status_code)
        out[who] = page.text
    return out


async def test_each_role_sees_only_what_its_stage_allows() -> None:
    office = await factories.account("office")
    panel = await _panel()
    outsider = await factories.account("member")  # a member with no seat on this panel
    liaison = await factories.account("liaison")
    number, code = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    await factories.seated_members(number)
    token = await complainant_token(number, code)
    api = {"office": await _bearer(office), "outsider": await _bearer(outsider), "liaison": await _bearer(liaison),
           "complainant": {"Authorization": f"Bearer {token}"},
           **{seat: await _bearer(actor) for seat, actor in panel.items()}}
    web = {"liaison": await _session(liaison), "complainant": {"Cookie": f"rv_track={token}"}}
    name = {actor.username: seat for seat, actor in panel.items()}

    async def seen() -> dict[str, object]:
        out: dict[str, object] = {}
        for who, headers in api.items():
            status, body = await _sheets_seen(number, headers)
            if status != 200:
                out[who] = status
            elif who in ("liaison", "complainant"):
                out[who] = sorted(body)  # the parties get the case's status, nothing of the scoring
            else:
                out[who] = (sorted(name[s["member"]] for s in body["sheets"]), "aggregate" in body)
        return out

    # Scoring open: the lawyer and one resident have submitted, the deputy has only a draft.
    await _score(number, panel, {"lawyer": 5, "resident_a": 4})
    await save_sheet(number=number, actor=panel["deputy"], scores=_sheet({"C1": 2}, "草稿"), submit=False)
    open_stage = await seen()
    open_pages = await _pages_seen(number, web)
    await submit_sheet(number=number, actor=panel["deputy"], scores=_sheet(3, "改后"), revision=1)
    await _score(number, panel, {"resident_b": 3, "expert": 4})
    await close_scoring(number=number, actor=office)
    closed_stage = await seen()
    closed_pages = await _pages_seen(number, web)
    chair = await factories.chair_of(number)
    await save_reasoning(number=number, actor=chair, reasoning="评议组依据公布的评议标准逐项评分。")
    await sign_reasoning(number=number, actor=chair)
    await issue_ruling(number=number, actor=office)
    ruled_stage = await seen()
    ruled_pages = await _pages_seen(number, web)

    none = ([], False)
    parties = {"liaison": ["status"], "complainant": ["status"]}
    assert open_stage == {
        "office": none, "outsider": 404, **parties,
        "lawyer": (["resident_a"], False), "resident_a": (["lawyer"], False),
        "deputy": none, "resident_b": none, "expert": none,  # nothing submitted: everything sealed
    }
    everyone = sorted(panel)
    sealed_then_open = {"office": (everyone, True), "outsider": 404,
                        **{seat: ([s for s in everyone if s != seat], True) for seat in panel}}
    assert closed_stage == {**sealed_then_open, **parties}
    # After the ruling the parties also learn until when they may ask for reconsideration; still no sheet.
    ruled_keys = ["reconsideration_deadline", "reconsideration_deadline_provisional", "status"]
    ruled_parties = {who: ruled_keys for who in parties}
    assert ruled_stage == {**sealed_then_open, **ruled_parties}
    for page in [*open_pages.values(), *closed_pages.values(), *ruled_pages.values()]:
        assert "封存理由" not in page  # no member's reasons, hence no sheet, on the parties' pages
    for page in [*open_pages.values(), *closed_pages.values()]:
        assert "按公布规则汇总" not in page and "综合得分" not in page  # nor the panel's figures before the ruling


# The public criteria page: every version with its dates and hash, and nobody's personal data.


async def test_public_criteria_lists_versions_with_dates_and_hash_and_no_personal_data() -> None:
    office = await factories.account("office", username="张建国")  # who published is not published
    await factories.case(complainant={"name": "李秀英", "phone": "13912345678", "id_number": "510107199001011234",
                                      "address": "武侯区玉林街道玉林南路 8 号 3 栋 2 单元 501"})
    raw = {"name": "评议标准（第二版）", "criteria": [dict(c) for c in DEFAULT_CRITERIA],
           "rule": {**DEFAULT_RULE, "method": "median"}}
    drafts = [await create_draft(actor=office, content={**raw, "name": f"评议标准（修订{i}）"}) for i in range(2)]
    # Two publications at once still get consecutive versions.
    versions = await asyncio.gather(*[publish_criteria(actor=office, set_id=d) for d in drafts])

    async with factories.client() as anyone:
        page = await anyone.get("/public/criteria")
        older = await anyone.get("/public/criteria?version=1")
        listing = await anyone.get("/api/v1/criteria")

    body = listing.json()
    assert sorted(versions) == [2, 3]
    assert page.status_code == older.status_code == listing.status_code == 200
    assert [v["version"] for v in body] == [3, 2, 1]
    for v in body:
        row = _row(page.text, v["content_hash"])
        assert row.startswith(f"第 {v['version']} 版")
        assert f"{v['effective_from']} 起" in row
        if v["effective_until"]:
            assert f"{v['effective_until']} 止" in row
        else:
            assert "现行" in row and "止" not in row
    assert f"第 1 版：{DEFAULT_NAME}" in older.text
    for text in (page.text, older.text, listing.text):
        for personal in ("张建国", "李秀英", "13912345678", "510107199001011234", "玉林南路 8 号"):
            assert personal not in text
