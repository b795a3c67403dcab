"""Publication through the real pipeline: the complainant's answer (web and API), the job after the verdict's
render, the public list and page with their search, withdrawal and correction, the office's hold-back, and the
leak gate stopping a planted identifier in the ruling and in the public PDF."""

from __future__ import annotations

import json
import re

import pytest

from review.core.actors import Actor
from review.core.clock import now
from review.core.errors import Conflict, Forbidden
from review.core.tables import AuditEvent, Case
from review.notifications.tables import Notification
from review.publication import queries
from review.publication import services as publication
from review.publication.tables import LeakStop, PublicationConsent, PublishedRuling
from review.verdicts import services as verdicts
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import csrf_of
from tests.integration.review.verdicts.test_services import issued_verdict, scored_case
from tests.integration.review.webhooks.conftest import local_receivers, receiver  # noqa: F401
from tests.integration.review.webhooks.receiver import Behaviour, Receiver

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

COMPLAINT = ("玉林南路人行道井盖缺失，本人王小明多次反映未处理。联系电话 138 0000 1234，"
             "住武侯区玉林小区7-1-1203。")


async def complainant_of(number: str) -> Actor:
    row = await Case.select(Case.id).where(Case.number == number).first().run()
    return Actor(kind="complainant", case_id=row["id"])


async def actions_of(number: str) -> list[str]:
    rows = await AuditEvent.select(AuditEvent.action).where(AuditEvent.case.number == number).order_by(
        AuditEvent.id).run()
    return [r["action"] for r in rows]


async def test_consent_then_issue_publishes_masked_ruling_and_tells_the_complainant() -> None:
    office = await factories.account("office")
    await factories.roster()
    number = await scored_case(office, content=COMPLAINT)
    await publication.record_consent(actor=await complainant_of(number), answer="granted")
    from review.rulings.services.deliberation import issue_ruling

    await issue_ruling(number=number, actor=office)
    await run_jobs()
    await run_jobs()  # the render job queues the publication

    row = await PublishedRuling.select().first().run()
    assert row is not None and row["status"] == "published"
    assert "王小明" not in row["summary"] and "王某" in row["summary"]
    assert "1234" not in row["summary"] and "1203" not in row["summary"]
    assert "玉林南路人行道井盖缺失" in row["summary"]
    assert row["reasoning"] == "评议组经合议认为承办单位未到现场核查。"
    assert len(json.loads(row["scores"]) if isinstance(row["scores"], str) else row["scores"]) == 6
    assert "ruling_published" in await actions_of(number)
    told = await Notification.select(Notification.event, Notification.account).where(
        Notification.event == "ruling_published").run()
    assert len(told) == 1 and told[0]["account"] is None  # the complainant's inbox

    async with factories.client() as http:
        listing = await http.get("/public/rulings")
        page = await http.get(f"/public/rulings/{row['id']}")
        api = await http.get("/api/v1/public/rulings")
        one = await http.get(f"/api/v1/public/rulings/{row['id']}")
        pdf = await http.get(f"/verify/{row['verdict_code']}/public.pdf")
    assert listing.status_code == 200 and row["verdict_number"] in listing.text
    assert "王小明" not in listing.text and "王小明" not in page.text
    assert f"/verify/{row['verdict_code']}/public.pdf" in page.text and f"/verify/{row['verdict_code']}\"" in page.text
    assert "评议理由" in page.text and "评分表" in page.text and "第 1 版" in page.text
    body = api.json()
    assert [r["verdict_number"] for r in body["rulings"]] == [row["verdict_number"]]
    assert body["rulings"][0]["public_pdf"] == f"/verify/{row['verdict_code']}/public.pdf"
    assert "王小明" not in api.text and "13800001234" not in api.text
    assert one.json()["criteria_version"] == 1 and len(one.json()["scores"]) == 6
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


async def test_refused_or_unanswered_is_not_published_and_settled_never() -> None:
    office = await factories.account("office")
    await factories.roster()
    refused, _ = await issued_verdict(office)
    silent, _ = await issued_verdict(office)
    await publication.record_consent(actor=await complainant_of(refused), answer="refused")
    await run_jobs()
    assert await PublishedRuling.count() == 0
    for number in (refused, silent):
        row = await queries.standing_row(number=number)
        assert await publication.sync(case_id=row["id"]) in ("refused", "no_consent")
    assert await PublishedRuling.count() == 0

    from review.cases import services as cases
    from review.cases.lifecycle import Action
    from review.convening.services import convene_panel

    settled, _ = await factories.case()
    await cases.screen_case(number=settled, actor=office, accept=True)
    await convene_panel(number=settled, actor=office)
    await cases.end_case(number=settled, actor=office, action=Action.settle, reason="双方达成调解协议")
    with pytest.raises(Conflict) as closed:
        await publication.record_consent(actor=await complainant_of(settled), answer="granted")
    assert closed.value.code == "consent_closed"


async def test_answer_changes_until_published_then_stays() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await issued_verdict(office)
    me = await complainant_of(number)
    await publication.record_consent(actor=me, answer="refused")
    await publication.record_consent(actor=me, answer="granted")
    await run_jobs()
    view = await queries.consent_view(actor=me)
    assert view.published and [h["answer"] for h in view.history] == ["refused", "granted"]
    with pytest.raises(Conflict) as closed:
        await publication.record_consent(actor=me, answer="refused")
    assert closed.value.code == "consent_closed"
    with pytest.raises(Forbidden):
        await publication.record_consent(actor=office, answer="granted")


async def test_withdrawn_verdict_is_unpublished_and_its_correction_republished() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, verdict = await issued_verdict(office)
    await publication.record_consent(actor=await complainant_of(number), answer="granted")
    await run_jobs()
    first = await PublishedRuling.select().first().run()
    assert first["verdict_id"] == verdict["id"]

    await verdicts.withdraw(number=number, actor=office, reason="意见书记载的承办单位有误")
    async with factories.client() as http:  # hidden at once, before any job has run
        hidden = await http.get(f"/api/v1/public/rulings/{first['id']}")
    assert hidden.status_code == 404
    await run_jobs()
    assert (await PublishedRuling.select().first().run())["status"] == "unpublished"

    corrected = await verdicts.correct(number=number, actor=office, reason="更正承办单位")
    await run_jobs()
    await run_jobs()
    again = await PublishedRuling.select().first().run()
    assert again["status"] == "published" and again["verdict_number"] == corrected["number"]
    assert {"ruling_unpublished", "ruling_republished"} <= set(await actions_of(number))


async def test_office_holds_back_with_a_reason_published_as_a_count() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await issued_verdict(office)
    await publication.record_consent(actor=await complainant_of(number), answer="granted")
    await run_jobs()
    async with factories.client() as http:
        await http.post("/login", data={"username": office.username, "password": factories.PASSWORD,
                                        "csrf_token": csrf_of(await http.get("/login"))})
        case_page = await http.get(f"/office/cases/{number}")
        held = await http.post(f"/office/cases/{number}/publication/hold",
                               data={"reason": "涉及正在处理的信访事项", "csrf_token": csrf_of(case_page)})
        listing = await http.get("/public/rulings")
        api = await http.get("/api/v1/public/rulings")
    assert held.status_code == 303
    assert (await PublishedRuling.select().first().run())["status"] == "unpublished"
    assert "另有 1 件评议结论经评议办决定暂不公开" in listing.text
    assert "涉及正在处理的信访事项" not in listing.text
    assert api.json() == {"rulings": [], "next_cursor": None, "held_back": 1}
    assert await publication.release_hold(number=number, actor=office) == "republished"


async def test_search_filters_and_pages() -> None:
    office = await factories.account("office")
    await factories.roster()
    await factories.department("CDSW", "成都市水务局")
    numbers = []
    for index, (department, grade_score) in enumerate((("CDJT", 2), ("CDSW", 5), ("CDJT", 5))):
        number = await scored_case(office, department_code=department, district="锦江区" if index else "武侯区",
                                   content=f"第{index}件诉求，关于{'路灯' if index == 1 else '井盖'}损坏。")
        numbers.append(number)
        await publication.record_consent(actor=await complainant_of(number), answer="granted")
        from review.rulings.services.deliberation import issue_ruling

        await issue_ruling(number=number, actor=office)
    await run_jobs()
    await run_jobs()
    assert await PublishedRuling.count() == 3

    async def found(**params: str) -> list[str]:
        page = await queries.search(queries.parse_filters(params))
        return sorted(p.content.summary[:3] for p in page.items)

    assert await found(department="CDSW") == ["第1件"]
    assert await found(q="路灯") == ["第1件"]
    assert await found(district="武侯区") == ["第0件"]
    assert len(await found()) == 3
    first = await queries.search(queries.Filters(), limit=2)
    second = await queries.search(queries.Filters(), cursor=first.next_cursor, limit=2)
    assert len(first.items) == 2 and len(second.items) == 1 and second.next_cursor is None
    assert {p.id for p in first.items}.isdisjoint(p.id for p in second.items)
    async with factories.client() as http:
        bad = await http.get("/api/v1/public/rulings", params={"grade": "excellent"})
        bad_page = await http.get("/public/rulings", params={"since": "2026-13-01"})
        by_department = await http.get("/public/rulings", params={"department": "cdsw"})
    assert '<option value="CDSW" selected>成都市水务局</option>' in by_department.text
    assert by_department.text.count('<li class="card ruling">') == 1 and "第1件" in by_department.text
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "grade"
    assert bad_page.status_code == 422 and "日期格式" in bad_page.text


async def test_an_identifier_in_the_reasoning_is_masked_before_publication() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await issued_verdict(office)
    # A reasoning that carries an identifier masking does not know as the complainant's (planted after issue).
    from scoring.tables import Ruling

    row = await queries.standing_row(number=number)
    await Ruling.update({Ruling.reasoning: "经核实，王小明的邮箱 wxm2026@example.cn 已收到答复。"}).where(
        Ruling.id == row["ruling_id"]).run()
    await publication.record_consent(actor=await complainant_of(number), answer="granted")
    await run_jobs()
    # Masking removes the e-mail before the gate sees it: what is published carries none of it.
    published = await PublishedRuling.select().first().run()
    assert published is not None and "wxm2026" not in published["reasoning"]


async def test_leak_gate_stops_the_ruling_when_masking_misses_and_tells_the_office() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await issued_verdict(office)
    await publication.record_consent(actor=await complainant_of(number), answer="granted")
    row = await queries.standing_row(number=number)
    content = queries.content_of(row, await queries.criteria_of(row["criteria_set"]))
    leaked = type(content)(**{**content.__dict__, "reasoning": content.reasoning + "诉求人电话13800001234。"})
    from review.core import leak_gate

    with pytest.raises(leak_gate.LeakStopped) as stop:
        leak_gate.check(leaked.texts(), what="公开的评议结论", known=queries.known_of(row), allowed=leaked.allowed())
    assert [(h.kind, h.where) for h in stop.value.hits] == [("phone", "评议理由")]
    assert "13800001234" not in stop.value.message
    await publication.record_stop(case_id=row["id"], output="published_ruling", subject=row["verdict_number"],
                                  hits=stop.value.hits)
    stops = await LeakStop.select().run()
    assert len(stops) == 1 and "13800001234" not in json.dumps(stops[0]["hits"], ensure_ascii=False)
    notice = await Notification.select(Notification.subject, Notification.body).where(
        Notification.event == "leak_stopped").run()
    assert notice and all("13800001234" not in n["body"] and "评议理由" in n["body"] for n in notice)
    assert "leak_stopped" in await actions_of(number)
    # With the stop open, the sweep does not publish the case; the office sees the stop and checks again.
    assert await publication.sync_due() == 0
    async with factories.client() as http:
        await http.post("/login", data={"username": office.username, "password": factories.PASSWORD,
                                        "csrf_token": csrf_of(await http.get("/login"))})
        page = await http.get(f"/office/cases/{number}")
        stops = re.search(r'<div class="notice" id="leak-stops">(.*?)</div>', page.text, re.DOTALL)
        assert stops and "评议理由：电话号码" in stops.group(1) and "1234" not in stops.group(1)
        rechecked = await http.post(f"/office/cases/{number}/publication/recheck", data={"csrf_token": csrf_of(page)})
    assert rechecked.status_code == 303
    assert (await LeakStop.select(LeakStop.cleared_at).first().run())["cleared_at"] is not None
    assert (await PublishedRuling.select().first().run())["status"] == "published"
    assert "leak_stop_cleared" in await actions_of(number)


async def test_publication_is_announced_by_webhook_to_the_subscribed_receiver(receiver: Receiver) -> None:  # noqa: F811
    office = await factories.account("office")
    await factories.roster()
    from review.webhooks import services as webhooks

    _, secret = await webhooks.register(actor=office, url=receiver.url("pub"), events=["ruling.published"])
    receiver.paths["pub"] = Behaviour(secrets=[secret])
    number, verdict = await issued_verdict(office)
    await publication.record_consent(actor=await complainant_of(number), answer="granted")
    await run_jobs()
    await run_jobs()
    published = await PublishedRuling.select().first().run()
    bodies = [json.loads(b) for b in receiver.bodies.values()]
    assert [b["type"] for b in bodies] == ["ruling.published"]
    assert bodies[0]["data"]["verdict_number"] == verdict["number"]
    assert bodies[0]["data"]["link"].endswith(f"/public/rulings/{published['id']}")


async def test_the_sweep_publishes_what_a_lost_job_left() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await issued_verdict(office)
    await PublicationConsent.insert(PublicationConsent(
        case=(await complainant_of(number)).case_id, answer="granted", channel="web", answered_at=now())).run()
    assert await publication.sync_due() == 1  # no job was queued for that answer: the sweep finds it
    assert (await PublishedRuling.select().first().run())["status"] == "published"
    assert await publication.sync_due() == 0  # in step: nothing more to look at
