"""Mediation's reads: the wall's consent list reads the latest messages only (with the earlier ones a page away),
and every message a party has answered on, so the office still sees who agreed to what."""

from __future__ import annotations

import pytest

from review.mediation import queries
from review.mediation.domain import room as room_rules
from review.mediation.services import wall
from review.mediation.services.room import room_admits
from tests import factories
from tests.integration.panel_helpers import accepted_case, api
from tests.integration.review.mediation.helpers import complainant_of, said_in_room, session_begun

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_the_consent_list_offers_the_latest_messages_and_every_one_answered_on() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    mediation_id, _ = await session_begun(number, office)
    complainant, liaison = await complainant_of(number), await factories.account("liaison")
    latest = room_rules.PAGE_LATEST
    ids = await said_in_room(mediation_id, latest + 30)
    await wall.set_consent(mediation_id=mediation_id, item_kind="message", item_id=ids[0], consent=True,
                           actor=complainant)  # the oldest, far outside the latest page

    mediation = await room_admits(mediation_id=mediation_id, actor=office)
    shown = await queries.consent_view(mediation=mediation, actor=office)
    offered = [i["id"] for i in shown.items if i["kind"] == "message"]
    assert offered == [ids[0], *ids[-latest:]]
    assert shown.earlier == ids[-latest]  # the earlier messages: ?before= the oldest of the latest
    earlier = await queries.consent_view(mediation=mediation, actor=office, before=shown.earlier)
    assert [i["id"] for i in earlier.items if i["kind"] == "message"] == ids[:-latest]
    assert earlier.earlier is None

    board = await queries.consent_board(mediation_id=mediation_id, case_id=mediation["case_id"])
    assert [(i["kind"], i["id"], i["consents"]) for i in board] == [("message", ids[0], {"complainant": True})]

    async with await api(liaison) as http:
        listed = (await http.get(f"/api/v1/mediation/{mediation_id}/consents")).json()
        assert [i["item_id"] for i in listed if i["item_kind"] == "message"] == [ids[0], *ids[-latest:]]
        older = (await http.get(f"/api/v1/mediation/{mediation_id}/consents?before={ids[-latest]}")).json()
        assert [i["item_id"] for i in older if i["item_kind"] == "message"] == ids[:-latest]
        bad = await http.get(f"/api/v1/mediation/{mediation_id}/consents?before=x")
        assert bad.status_code == 422
