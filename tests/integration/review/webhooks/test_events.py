"""The platform's changes announced where they are made: a subscribed receiver verifying with the reference
library gets case.received, case.screened, panel.convened, ruling.issued (within a second of the issue),
redo.opened, verdict.issued, verdict.withdrawn and verdict.corrected for one case's path, each payload thin, and
ruling.issued again by replay under the same webhook-id."""

from __future__ import annotations

import json
import time

import pytest

from review.core.tables import Case
from review.rulings.services.deliberation import issue_ruling
from review.verdicts import services as verdicts
from review.webhooks import payloads
from review.webhooks import services as webhooks
from review.webhooks.tables import WebhookDelivery, WebhookEvent
from tests import factories
from tests.conftest import run_jobs
from tests.integration.review.verdicts.test_services import scored_case
from tests.integration.review.webhooks.receiver import Behaviour, Receiver

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _received(receiver: Receiver) -> list[dict]:
    return sorted((json.loads(body) for body in receiver.bodies.values()), key=lambda b: b["timestamp"])


async def test_one_cases_path_is_announced_event_by_event(receiver: Receiver) -> None:
    office = await factories.account("office")
    await factories.roster()
    _, secret = await webhooks.register(actor=office, url=receiver.url("all"), events=list(payloads.EVENT_TYPES))
    receiver.paths["all"] = Behaviour(secrets=[secret])

    number = await scored_case(office)
    await run_jobs()
    assert [b["type"] for b in _received(receiver)] == ["case.received", "case.screened", "panel.convened"]

    issued = time.time()
    ruling_id = await issue_ruling(number=number, actor=office)
    await run_jobs()
    await run_jobs()  # the render (its own queue on Redis) announces verdict.issued: delivered by the next round
    ruling = next(b for b in _received(receiver) if b["type"] == "ruling.issued")
    ruling_id_of_event = next(i for i, body in receiver.bodies.items() if json.loads(body)["type"] == "ruling.issued")
    assert receiver.first_seen[ruling_id_of_event] - issued < 1.0
    assert ruling["data"]["case_number"] == number and ruling["data"]["ruling_id"] == ruling_id
    assert ruling["data"]["grade"] == "improper" and ruling["data"]["redo_id"]
    assert ruling["data"]["link"].endswith(f"/api/v1/cases/{number}")
    types = [b["type"] for b in _received(receiver)]
    assert {"redo.opened", "verdict.issued"} <= set(types)

    await verdicts.withdraw(number=number, actor=office, reason="文书笔误")
    await verdicts.correct(number=number, actor=office, reason="更正笔误")
    await run_jobs()
    await run_jobs()
    types = [b["type"] for b in _received(receiver)]
    assert types.count("verdict.withdrawn") == 1 and types.count("verdict.corrected") == 1
    assert types.count("redo.opened") == 2  # the correction puts the ruling's order back
    assert receiver.refused == 0 and set(receiver.accepted.values()) == {1}

    # Nothing personal in any of them: the complainant's name, phone, ID number and address appear nowhere.
    case = await Case.select().where(Case.number == number).first().run()
    for body in receiver.bodies.values():
        for value in (case["complainant_name"], case["complainant_phone"], case["complainant_id_number"],
                      case["complainant_address"]):
            assert not value or value not in body.decode()

    # Replayed: the same webhook-id, accepted again after verifying afresh.
    event = await WebhookEvent.select(WebhookEvent.id).where(WebhookEvent.event_type == "ruling.issued").first().run()
    delivery = await WebhookDelivery.select(WebhookDelivery.id).where(WebhookDelivery.event == event["id"]).first().run()
    await webhooks.replay(actor=office, delivery_id=delivery["id"])
    await run_jobs()
    assert receiver.accepted[ruling_id_of_event] == 2 and receiver.refused == 0


async def test_a_redo_accepted_and_a_mediation_settled_are_announced(receiver: Receiver) -> None:
    from review.assessments.services import redo as orders
    from review.mediation.services import stage as mediation
    from tests.integration.review.assessments.services.test_redo import ruled
    from tests.integration.scoring_helpers import convened_case

    office = await factories.account("office")
    _, secret = await webhooks.register(actor=office, url=receiver.url("r"),
                                        events=["redo.closed", "mediation.settled"])
    receiver.paths["r"] = Behaviour(secrets=[secret])
    case = await ruled(1)
    await orders.report_done(number=case.number, actor=case.liaison, statement="已修复井盖并回访。")
    await orders.accept(number=case.number, actor=office)
    number, _, _, _ = await convened_case()
    await mediation.open_mediation(number=number, actor=office)
    await mediation.settle_by_agreement(number=number, actor=office)
    await run_jobs()
    got = {b["type"]: b["data"] for b in _received(receiver)}
    assert got["redo.closed"]["case_number"] == case.number and got["redo.closed"]["redo_id"]
    assert got["mediation.settled"]["case_number"] == number and got["mediation.settled"]["mediation_id"]
    assert len(receiver.accepted) == 2 and receiver.refused == 0


async def test_the_delivery_log_is_kept_its_days(receiver: Receiver) -> None:
    from datetime import timedelta

    from review.core.clock import now
    from review.webhooks.tables import WebhookAttempt

    office = await factories.account("office")
    _, secret = await webhooks.register(actor=office, url=receiver.url("k"), events=["case.received"])
    receiver.paths["k"] = Behaviour(secrets=[secret])
    await factories.case()
    await run_jobs()
    assert await WebhookAttempt.count().run() == 1
    await webhooks.forget_old(at=now() + timedelta(days=29))
    assert await WebhookAttempt.count().run() == 1
    await webhooks.forget_old(at=now() + timedelta(days=31))
    assert await WebhookAttempt.count().run() == 0
    assert await WebhookDelivery.count().run() == 0 and await WebhookEvent.count().run() == 0


async def test_a_redo_past_its_deadline_is_announced_once_by_the_clock_sweep(receiver: Receiver) -> None:
    from review.deadlines.services.sweep import sweep
    from tests.integration.review.deadlines.timed_cases import at, timed_case

    office = await factories.account("office")
    _, secret = await webhooks.register(actor=office, url=receiver.url("o"), events=["redo.overdue"])
    receiver.paths["o"] = Behaviour(secrets=[secret])
    await factories.department("CDZJ", "成都市住房和城乡建设局")
    late = await timed_case([
        ("intake", at(10, 12)), ("accept", at(10, 13)), ("convene", at(10, 14)), ("start_scoring", at(10, 15)),
        ("close_scoring", at(10, 19)), ("reasoning_signed", at(10, 20)), ("issue_ruling", at(10, 22)),
        ("verdict_rendered", at(10, 22, 11)), ("redo_order_opened", at(10, 26)),
    ], "ruled", department_code="CDZJ")
    await sweep(now=at(11, 20, 10))
    await sweep(now=at(11, 21, 10))  # a later sweep: the first escalation is not announced again
    await run_jobs()
    got = [json.loads(body) for body in receiver.bodies.values()]
    assert [(b["type"], b["data"]["case_number"]) for b in got] == [("redo.overdue", late)]
    assert got[0]["data"]["due_on"]
