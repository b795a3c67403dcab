"""What a draw reads: the rule in force, the roster as candidates with their loads, and each case's facts.

Shared by the single draw (review.convening.services), refills (panels.services.refill) and rounds
(panels.services.rounds). Reads panels' tables and the core tables only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from panels import sql
from panels.domain.conflicts import Candidate, CaseFacts, ConflictKind
from panels.domain.draw import DrawRule
from panels.services.roster import is_available
from panels.tables import RosterMember
from review.core import db, settings
from review.core.clock import CHINA
from review.core.tables import Department


def current_rule() -> DrawRule:
    """The draw rule new draws follow, with the load margin this installation publishes."""
    margin = settings.PANEL_LOAD_MARGIN
    return DrawRule(load_margin=int(margin) if float(margin).is_integer() else margin)


async def current_loads() -> dict[int, int]:
    """Seats each member holds on panels still at work."""
    rows = await db.fetch(sql.SEATED_LOADS)
    return {r["member"]: r["n"] for r in rows}


async def roster_candidates(now: datetime) -> list[Candidate]:
    """The whole roster as the draw sees it today: loads, capacity, active and declared availability."""
    loads = await current_loads()
    today = now.astimezone(CHINA).date()
    rows = await RosterMember.select(
        RosterMember.id, RosterMember.role, RosterMember.district, RosterMember.community,
        RosterMember.affiliations, RosterMember.active, RosterMember.max_panels, RosterMember.unavailable,
        RosterMember.user,
    ).run()
    return [
        Candidate(r["id"], r["role"], r["district"], r["community"], frozenset(db.json_value(r["affiliations"])),
                  loads.get(r["id"], 0), r["max_panels"], r["active"], is_available(r["unavailable"], today),
                  r["user"] is not None)
        for r in rows
    ]


async def case_facts(case: dict[str, Any], *, panel_id: int | None = None) -> CaseFacts:
    """What conflicts are judged against, including members excluded by record on this case."""
    department = await Department.select(Department.code).where(Department.id == case["department"]).first().run()
    seats = await db.fetch(sql.CASE_SEATS, case["id"])
    ties, recused, challenged, earlier = set(), set(), set(), set()
    for seat in seats:
        if panel_id is not None and seat["panel"] != panel_id:
            earlier.add(seat["member"])
        elif seat["status"] == "recused":
            (ties if seat["reason_kind"] == ConflictKind.personal_tie.value else recused).add(seat["member"])
        elif seat["status"] == "removed":
            challenged.add(seat["member"])
    if panel_id is None:  # a new panel: everyone who sat on an earlier one is out
        earlier = {s["member"] for s in seats}
    return CaseFacts(
        department["code"], case["district"], case["community"], case_id=case["id"],
        personal_ties=frozenset(ties), earlier_members=frozenset(earlier), recused=frozenset(recused),
        challenged=frozenset(challenged),
    )


async def round_facts(case_rows: list[dict[str, Any]]) -> dict[int, CaseFacts]:
    """Case facts for many cases in two queries (departments, earlier seats), not one per case."""
    ids = [c["id"] for c in case_rows]
    codes = {r["id"]: r["code"] for r in await db.fetch(sql.DEPARTMENT_CODES)}
    earlier: dict[int, set[int]] = defaultdict(set)
    if ids:
        for row in await db.fetch(sql.earlier_members(len(ids)), *ids):
            earlier[row["case_id"]].add(row["member"])
    return {
        c["id"]: CaseFacts(codes[c["department"]], c["district"], c["community"], case_id=c["id"],
                           earlier_members=frozenset(earlier[c["id"]]))
        for c in case_rows
    }
