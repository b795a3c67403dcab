"""Factories: real rows made through the real services, no mocks."""

from __future__ import annotations

import itertools
import json
from datetime import UTC
from typing import Any

from httpx import ASGITransport, AsyncClient

from panels.tables import RosterMember, Seat
from review.accounts.services import auth
from review.cases.services import intake_case
from review.core.actors import Actor
from review.core.tables import Account, Department

_serial = itertools.count(1)
PASSWORD = "correct-horse-battery"
_HASH: dict[str, str] = {}


def client(**headers: str) -> AsyncClient:
    """An HTTP client bound to the app in-process (no lifespan: the database fixture runs it)."""
    from review.app import app

    return AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver", headers=headers)


async def department(code: str = "CDJT", name: str = "成都市交通运输局") -> int:
    row = await Department.select(Department.id).where(Department.code == code).first().run()
    if row:
        return row["id"]
    rows = await Department.insert(Department(code=code, name=name, level="市级")).run()
    return rows[0]["id"]


async def account(role: str, username: str | None = None, department_id: int | None = None) -> Actor:
    """A login with the shared test password (hashed once per run: argon2 is slow on purpose)."""
    from datetime import datetime

    if "h" not in _HASH:
        _HASH["h"] = auth.hash_password(PASSWORD)
    username = username or f"{role}{next(_serial)}"
    if role == "liaison" and department_id is None:
        department_id = await department()
    rows = await Account.insert(Account(username=username, display_name=username, role=role,
                                        department=department_id, password_hash=_HASH["h"],
                                        created_at=datetime.now(UTC))).run()
    return Actor(kind=role, user_id=rows[0]["id"], username=username, display_name=username,
                 department_id=department_id)


async def roster(per_role: dict[str, int] | None = None, *, with_logins: bool = True, district: str = "武侯区",
                 affiliations: tuple[str, ...] = ()) -> list[Actor]:
    """Roster members (each with a member login) for the default template: enough for several panels."""
    per_role = per_role or {"lawyer": 3, "deputy": 3, "resident": 5, "expert": 3}
    actors = []
    for role, count in per_role.items():
        for _ in range(count):
            actor = await account("member") if with_logins else None
            await RosterMember.insert(RosterMember(
                user=actor.user_id if actor else None, name=f"{role}-{next(_serial)}", role=role,
                district=district, community="玉林社区" if role != "resident" else "簇桥社区",
                affiliations=json.dumps(list(affiliations)), max_panels=5,
            )).run()
            if actor:
                actors.append(actor)
    return actors


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid intake body (DESIGN §10), unique by source_ref unless given."""
    body: dict[str, Any] = {
        "source_ref": f"CD12345-2026-{next(_serial):06d}",
        "channel": "hotline",
        "received_at": "2026-10-08T09:30:00+08:00",
        "category": "城市管理",
        "district": "武侯区",
        "department_code": "CDJT",
        "complainant": {"name": "王小明", "phone": "13800001234", "id_number": None, "address": None},
        "content": "玉林南路人行道井盖缺失，多次反映未处理。",
        "reply": "已安排养护单位修复。",
        "replied_at": "2026-10-12T16:00:00+08:00",
        "rating": "unsatisfied",
        "rated_at": "2026-10-13T10:00:00+08:00",
    }
    body.update(overrides)
    return body


HOTLINE = Actor(kind="hotline", username="hotline")


async def case(**overrides: Any) -> tuple[str, str]:
    """A received case: (case number, access code)."""
    await department(overrides.get("department_code", "CDJT"))
    result = await intake_case(payload=payload(**overrides), actor=HOTLINE)
    assert result.access_code
    return result.case_number, result.access_code


async def invited_members(number: str) -> list[tuple[int, Actor]]:
    """(seat id, member) for each seat of the case's panel still waiting for an answer."""
    rows = await Seat.select(Seat.id, Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == number) & (Seat.status == "invited")).order_by(Seat.id).run()
    return [(r["id"], Actor(kind="member", user_id=r["member.user.id"], username=r["member.user.username"]))
            for r in rows]


async def seated_members(number: str) -> list[Actor]:
    """The members seated on a case's panel, as actors; open invitations are accepted first."""
    from panels.services.invitations import answer_invitation

    for seat_id, member in await invited_members(number):
        await answer_invitation(seat_id=seat_id, actor=member, answer="accept")
    rows = await Seat.select(Seat.member.user.id, Seat.member.user.username, Seat.role).where(
        (Seat.panel.case.number == number) & (Seat.status == "accepted")).order_by(Seat.id).run()
    return [Actor(kind="member", user_id=r["member.user.id"], username=r["member.user.username"]) for r in rows]


def full_scores(value: int, criteria_codes: list[str] | None = None) -> list[dict]:
    codes = criteria_codes or ["C1", "C2", "C3", "C4", "C5", "C6"]
    return [{"criterion": c, "value": value, "reason": f"{c} 的评分理由"} for c in codes]


async def rule_case(number: str, office: Actor, reasoning: str = "评议组依据公布的评议标准逐项评分，经合议作出本结论。") -> int:
    """Close scoring, let the chair draft and sign the reasoning, and issue the ruling: the ruling id."""
    from review.rulings.services.deliberation import (
        close_scoring,
        issue_ruling,
        save_reasoning,
        sign_reasoning,
    )

    await close_scoring(number=number, actor=office)
    chair = await chair_of(number)
    await save_reasoning(number=number, actor=chair, reasoning=reasoning)
    await sign_reasoning(number=number, actor=chair)
    return await issue_ruling(number=number, actor=office)


async def chair_of(number: str) -> Actor:
    """The chair of the case's panel at work."""
    row = await Seat.select(Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == number) & (Seat.is_chair == True) & (Seat.panel.status == "seated")
    ).first().run()
    return Actor(kind="member", user_id=row["member.user.id"], username=row["member.user.username"])
