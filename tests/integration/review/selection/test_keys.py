"""Repeated disputes are found by a keyed hash of the complainant's normalised phone number: the number itself is
never kept by the selection, written into its records or events, or logged."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

from review.core import db
from review.core.keys import keyed_hash
from review.core.tables import AuditEvent
from review.selection.disputes import KEY_PURPOSE
from review.selection.services import keys, screening
from review.selection.tables import TABLES, ComplainantKey
from tests import factories
from tests.conftest import run_jobs
from tests.integration.review.selection.helpers import person

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

PHONE = "13912345678"
TYPED = ["+86 139-1234-5678", "0086 13912345678", "139 1234 5678"]


async def _rules(selection_id: int) -> dict[str, str]:
    return {d["number"]: d["rule"] for d in await screening.decisions(selection_id=selection_id,
                                                                      filters=screening.Filters())}


async def test_the_same_number_however_typed_is_one_complainant_and_is_kept_nowhere(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    office = await factories.account("office")
    first = (await factories.case(complainant=person(PHONE)))[0]
    again = [(await factories.case(complainant=person(t)))[0] for t in TYPED]
    stranger = (await factories.case(complainant=person("13987654321")))[0]

    selection_id = await screening.propose(actor=office)
    await screening.apply(selection_id=selection_id, actor=office)
    await run_jobs()

    rules = await _rules(selection_id)
    assert {rules[n] for n in [first, *again]} == {"repeat"}
    assert rules[stranger] in ("sampled", "not_sampled")
    stored = await ComplainantKey.select(ComplainantKey.key).where(ComplainantKey.case.number == first).first().run()
    assert stored["key"] == keyed_hash(KEY_PURPOSE, PHONE)
    assert stored["key"] != hashlib.sha256(PHONE.encode()).hexdigest()  # keyed: not a plain hash to look up
    digits = [PHONE, "1234-5678", "12345678"]
    for table in TABLES:
        rows = json.dumps([dict(r) for r in await table.select().run()], ensure_ascii=False, default=str)
        assert not any(d in rows for d in digits), table._meta.tablename
    events = json.dumps([dict(r) for r in await AuditEvent.select(AuditEvent.data, AuditEvent.reason).run()],
                        ensure_ascii=False, default=str)
    assert not any(d in events for d in digits)
    assert not any(d in record.getMessage() for record in caplog.records for d in digits)


async def test_keys_made_under_another_server_key_are_made_anew() -> None:
    office = await factories.account("office")
    await factories.case(complainant=person(PHONE))
    await factories.case(complainant=person(TYPED[0]))
    first = await screening.propose(actor=office)
    await screening.discard(selection_id=first, reason="重新生成", actor=office)
    await ComplainantKey.update({ComplainantKey.key: "0" * 64, ComplainantKey.key_id: "old"}).where(
        ComplainantKey.id > 0).run()

    second = await screening.propose(actor=office)

    assert set((await _rules(second)).values()) == {"repeat"}
    found = await ComplainantKey.select(ComplainantKey.key_id).run()
    assert {r["key_id"] for r in found} == {keys.key_id()}


async def test_a_case_without_a_phone_is_no_ones_repeat() -> None:
    office = await factories.account("office")
    await factories.case(complainant=person(""))
    await factories.case(complainant=person(""))

    selection_id = await screening.propose(actor=office)

    assert "repeat" not in (await _rules(selection_id)).values()
    rows = await db.fetch("SELECT key FROM selection_complainant_key")
    assert {r["key"] for r in rows} == {""}
