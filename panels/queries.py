"""Reads that feed the panel pages and API: one query each, never one per row."""

from __future__ import annotations

from typing import Any

from review.core import db

PAGE_SIZE = 100


async def roster_page(*, role: str = "", district: str = "", search: str = "", page: int = 1) -> dict[str, Any]:
    """Members matching the filters with their current load, a page at a time, and the total."""
    where, args = ["1 = 1"], []
    if role:
        where.append("m.role = {}")
        args.append(role)
    if district:
        where.append("m.district = {}")
        args.append(district)
    if search:
        where.append("(m.name LIKE {} OR m.employer LIKE {})")
        args.extend([f"%{search}%", f"%{search}%"])
    condition = " AND ".join(where)
    total = (await db.fetch(f"SELECT COUNT(*) AS n FROM roster_member m WHERE {condition}", *args))[0]["n"]
    offset = (max(page, 1) - 1) * PAGE_SIZE
    rows = await db.fetch(
        "SELECT m.id, m.name, m.role, m.district, m.community, m.employer, m.affiliations, m.expertise,"
        " m.active, m.max_panels, m.\"user\" IS NOT NULL AS has_account, COALESCE(l.n, 0) AS load"
        " FROM roster_member m LEFT JOIN (SELECT seat.member, COUNT(*) AS n FROM seat"
        " JOIN panel ON panel.id = seat.panel WHERE panel.status = 'seated'"
        " AND seat.status IN ('invited', 'accepted') GROUP BY seat.member) l ON l.member = m.id"
        f" WHERE {condition} ORDER BY m.role, m.id LIMIT {PAGE_SIZE} OFFSET {offset}",
        *args,
    )
    for row in rows:
        row["affiliations"] = db.json_list(row["affiliations"])
        row["expertise"] = db.json_list(row["expertise"])
    return {"members": rows, "total": total, "page": max(page, 1), "pages": max(1, -(-total // PAGE_SIZE))}


async def roster_districts() -> list[str]:
    return [r["district"] for r in await db.fetch("SELECT DISTINCT district FROM roster_member ORDER BY district")]


async def member_detail(member_id: int) -> dict[str, Any] | None:
    rows = await db.fetch("SELECT * FROM roster_member WHERE id = {}", member_id)
    if not rows:
        return None
    row = rows[0]
    for key in ("affiliations", "organisations", "expertise", "unavailable"):
        row[key] = db.json_list(row[key])
    return row


async def panel_record(panel_id: int) -> dict[str, Any] | None:
    """A panel's draw record with its case number and template, and its seats in order."""
    rows = await db.fetch(
        "SELECT p.id, p.seed_hash, p.seed, p.roster_hash, p.case_hash, p.record, p.snapshot, p.refill_snapshots,"
        " p.exclusions, p.status,"
        " p.convened_at, p.template_version, p.round, t.name AS template_name, t.seats AS template_seats,"
        " t.chair_roles, t.prefer_local_residents, t.id AS template_id, c.number AS case_number, c.id AS case_id"
        " FROM panel p JOIN composition_template t ON t.id = p.template JOIN review_case c ON c.id = p.\"case\""
        " WHERE p.id = {}",
        panel_id,
    )
    if not rows:
        return None
    record = rows[0]
    for key in ("record", "snapshot", "refill_snapshots", "exclusions", "template_seats", "chair_roles"):
        value = record[key]
        record[key] = db.json_value(value)
    record["seats"] = await db.fetch(
        "SELECT seat.id, seat.member, seat.role, seat.is_chair, seat.status, seat.reason_kind, m.name"
        " FROM seat JOIN roster_member m ON m.id = seat.member WHERE seat.panel = {} ORDER BY seat.id",
        panel_id,
    )
    return record


async def recent_panels(limit: int = 50) -> list[dict[str, Any]]:
    """The latest draws, for the public list (no personal data)."""
    return await db.fetch(
        "SELECT p.id, p.seed_hash, p.roster_hash, p.convened_at, p.template_version, p.status,"
        " c.category, c.district FROM panel p JOIN review_case c ON c.id = p.\"case\""
        f" ORDER BY p.id DESC LIMIT {int(limit)}",
    )
