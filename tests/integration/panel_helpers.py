"""Shared arrangements of the panels tests: logins on web and API, convened cases, stored rows read back."""

from __future__ import annotations

import json
import re
from typing import Any

from httpx import AsyncClient, Response

from panels.tables import Panel, RosterMember, Seat
from review.accounts.services import auth
from review.cases import services as cases
from review.convening.services import convene_panel
from review.core.actors import Actor
from review.core.tables import AuditEvent, Case
from tests import factories


def csrf_of(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"the page {page.url} carries no CSRF field"
    return found.group(1)


async def web(actor: Actor) -> AsyncClient:
    """A browser logged in as `actor` (a server-side session cookie)."""
    token, _ = await auth.start_session(actor)
    http = factories.client()
    http.cookies.set("rv_session", token)
    return http


async def api(actor: Actor) -> AsyncClient:
    return factories.client(Authorization=f"Bearer {await auth.issue_token(actor)}")


async def submit(http: AsyncClient, page: str, action: str, data: dict[str, Any] | None = None,
                 files: dict[str, Any] | None = None) -> Response:
    """Post a form as a browser does: the CSRF token read off the page it sits on."""
    token = csrf_of(await http.get(page))
    return await http.post(action, data={"csrf_token": token, **(data or {})}, files=files)


async def complainant_token(number: str, code: str) -> str:
    async with factories.client() as http:
        response = await http.post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def accepted_case(office: Actor, **overrides: Any) -> tuple[str, str]:
    number, code = await factories.case(**overrides)
    await cases.screen_case(number=number, actor=office, accept=True)
    return number, code


async def convened_case(office: Actor, **overrides: Any) -> tuple[str, str, int]:
    """A case accepted and convened: (number, access code, panel id)."""
    number, code = await accepted_case(office, **overrides)
    return number, code, await convene_panel(number=number, actor=office)


async def case_row(number: str) -> dict[str, Any]:
    row = await Case.select().where(Case.number == number).first().run()
    assert row is not None
    return row


async def panel_row(panel_id: int) -> dict[str, Any]:
    row = await Panel.select().where(Panel.id == panel_id).first().run()
    assert row is not None
    for key in ("record", "snapshot", "refill_snapshots", "exclusions"):
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


async def seats_of(panel_id: int) -> list[dict[str, Any]]:
    return await Seat.select().where(Seat.panel == panel_id).order_by(Seat.id).run()


async def member_of_seat(seat_id: int) -> Actor:
    row = await Seat.select(Seat.member.user.id, Seat.member.user.username).where(Seat.id == seat_id).first().run()
    assert row is not None
    return Actor(kind="member", user_id=row["member.user.id"], username=row["member.user.username"])


async def member_row_of(actor: Actor) -> dict[str, Any]:
    row = await RosterMember.select().where(RosterMember.user == actor.user_id).first().run()
    assert row is not None
    return row


async def events(action: str) -> list[dict[str, Any]]:
    rows = await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id).run()
    for row in rows:
        for key in ("data",):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
    return rows


async def panel_names(panel_id: int) -> list[str]:
    rows = await Seat.select(Seat.member.name).where(Seat.panel == panel_id).run()
    return [r["member.name"] for r in rows]
