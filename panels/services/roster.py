"""The roster (评议员库): import from a table, edits by the office, declarations by the members themselves."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from panels.domain.roster import (
    MemberInput,
    RowError,
    affiliation_codes,
    available_on,
    parse_member_row,
    parse_periods,
    periods_json,
    split_list,
)
from panels.tables import RosterMember
from review.core import db, settings
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.errors import Forbidden, Invalid, NotFound
from review.core.spreadsheets import ImportReport, RowReport, table_chunks
from review.core.tables import Account, Department


async def _department_codes() -> set[str]:
    return {r["code"] for r in await Department.select(Department.code).run()}


async def _member_logins(usernames: set[str]) -> dict[str, int]:
    if not usernames:
        return {}
    rows = await Account.select(Account.id, Account.username).where(
        Account.username.is_in(sorted(usernames)) & (Account.role == "member")
    ).run()
    return {r["username"]: r["id"] for r in rows}


def _check_against(member: MemberInput, departments: set[str], logins: dict[str, int]) -> None:
    unknown = [code for code in member.affiliations if code not in departments]
    if unknown:
        raise RowError("affiliations", f"关联部门代码不存在：{'、'.join(unknown)}")
    if member.username and member.username not in logins:
        raise RowError("username", f"登录名 {member.username} 不存在或不是评议员账号")


def _columns(member: MemberInput, user_id: int | None) -> dict[str, Any]:
    return {
        "user": user_id, "name": member.name, "role": member.role, "district": member.district,
        "community": member.community, "employer": member.employer,
        "affiliations": json.dumps(list(member.affiliations)),
        "organisations": json.dumps(list(member.organisations), ensure_ascii=False),
        "expertise": json.dumps(list(member.expertise), ensure_ascii=False),
        "max_panels": member.max_panels, "active": member.active,
    }


def _parsed(row: dict[str, Any]) -> MemberInput | RowError:
    try:
        return parse_member_row(row)
    except RowError as error:
        return error


INSERT_BATCH = 500


async def import_roster(
    *, path: Path, actor: Actor, on_progress: Callable[[int], Awaitable[None]] | None = None,
    reader_process: bool = False,
) -> ImportReport:
    """Check every row first; import all of them in one transaction only if every row is good.

    The table is read and parsed off the event loop (by a process of its own with `reader_process`: the import
    job's large files), ROSTER_MAX_ROWS rows at most; `on_progress(rows read)` is awaited after each chunk.
    """
    OFFICE.check(actor, "只有评议办可以导入评议员")
    parsed: list[tuple[int, MemberInput | RowError]] = []
    async for chunk in table_chunks(path, max_rows=settings.ROSTER_MAX_ROWS, convert=_parsed,
                                    reader_process=reader_process):
        parsed.extend(chunk)
        if on_progress is not None:
            await on_progress(len(parsed))
    departments = await _department_codes()
    logins = await _member_logins({m.username for _, m in parsed if isinstance(m, MemberInput) and m.username})
    reports: list[RowReport] = []
    good: list[MemberInput] = []
    seen_logins: set[str] = set()
    for index, (number, member) in enumerate(parsed):
        if index % INSERT_BATCH == 0:
            await asyncio.sleep(0)
        if isinstance(member, MemberInput):
            try:
                _check_against(member, departments, logins)
                if member.username and member.username in seen_logins:
                    raise RowError("username", f"登录名 {member.username} 在表中重复")
            except RowError as error:
                member = error
            else:
                seen_logins.add(member.username)
        if isinstance(member, RowError):
            reports.append(RowReport(number, False, f"{member.message}（{member.field}）"))
        else:
            good.append(member)
            reports.append(RowReport(number, True, f"{member.name}（{member.role}）"))
    if not reports:
        raise Invalid("empty_file", "文件中没有评议员数据")
    if len(good) < len(reports):
        return ImportReport(tuple(reports), 0)
    async with db.transaction():
        for start in range(0, len(good), INSERT_BATCH):
            await RosterMember.insert(
                *[RosterMember(**_columns(m, logins.get(m.username))) for m in good[start:start + INSERT_BATCH]]
            ).run()
        await audit.record(case_id=None, actor=actor.label, action="roster_imported",
                           data={"members": len(good), "file": path.suffix.lower()})
    return ImportReport(tuple(reports), len(good))


async def _member(member_id: int) -> dict[str, Any]:
    row = await RosterMember.select().where(RosterMember.id == member_id).first().run()
    if row is None:
        raise NotFound("member_not_found", "评议员不存在")
    return row


async def update_member(*, member_id: int, actor: Actor, fields: dict[str, Any]) -> None:
    """The office edits a member: role, district, community, employer, ties, expertise, capacity, active."""
    OFFICE.check(actor, "只有评议办可以编辑评议员")
    current = await _member(member_id)
    merged = {
        "name": current["name"], "role": current["role"], "district": current["district"],
        "community": current["community"], "employer": current["employer"],
        "affiliations": db.json_list(current["affiliations"]), "organisations": db.json_list(current["organisations"]),
        "expertise": db.json_list(current["expertise"]), "max_panels": current["max_panels"],
        "active": "是" if current["active"] else "否",
    }
    merged.update({k: v for k, v in fields.items() if k in merged})
    try:
        member = parse_member_row(merged)
        _check_against(member, await _department_codes(), {})
    except RowError as error:
        raise Invalid("invalid_field", error.message, field=error.field) from None
    columns = _columns(member, current["user"])
    async with db.transaction():
        await RosterMember.update({getattr(RosterMember, k): v for k, v in columns.items()}).where(
            RosterMember.id == member_id
        ).run()
        changed = sorted(k for k in columns if str(columns[k]) != str(current[k]))
        await audit.record(case_id=None, actor=actor.label, action="roster_member_updated",
                           data={"member": member_id, "fields": changed})


async def own_member(actor: Actor) -> dict[str, Any]:
    """The roster entry of the member who is logged in."""
    if actor.kind != "member":
        raise Forbidden("forbidden", "只有评议员可以查看本人申报")
    row = await RosterMember.select().where(RosterMember.user == actor.user_id).first().run()
    if row is None:
        raise NotFound("member_not_found", "您的账号尚未关联评议员信息，请联系评议办")
    return row


async def declare(*, actor: Actor, fields: dict[str, Any]) -> None:
    """A member keeps their own declarations current: employer, ties, expertise, periods they cannot serve."""
    current = await own_member(actor)
    columns: dict[str, Any] = {}
    if "employer" in fields:
        employer = str(fields["employer"] or "").strip()
        if len(employer) > 100:
            raise Invalid("invalid_field", "工作单位过长（最多 100 个字）", field="employer")
        columns["employer"] = employer
    if "affiliations" in fields:
        codes = list(affiliation_codes(fields["affiliations"]))
        unknown = sorted(set(codes) - await _department_codes())
        if unknown:
            raise Invalid("invalid_field", f"关联部门代码不存在：{'、'.join(unknown)}", field="affiliations")
        columns["affiliations"] = json.dumps(codes)
    for key in ("organisations", "expertise"):
        if key in fields:
            columns[key] = json.dumps(list(split_list(fields[key])), ensure_ascii=False)
    if "unavailable" in fields:
        try:
            columns["unavailable"] = json.dumps(periods_json(parse_periods(fields["unavailable"])))
        except RowError as error:
            raise Invalid("invalid_field", error.message, field=error.field) from None
    columns["declared_at"] = datetime.now(UTC)
    async with db.transaction():
        await RosterMember.update({getattr(RosterMember, k): v for k, v in columns.items()}).where(
            RosterMember.id == current["id"]
        ).run()
        await audit.record(case_id=None, actor=actor.label, action="declarations_updated",
                           data={"member": current["id"], "fields": sorted(k for k in columns if k != "declared_at")})


def is_available(unavailable: Any, day: date) -> bool:
    """Whether a member's stored unavailable periods leave `day` free."""
    return available_on(parse_periods(db.json_list(unavailable)), day)
