"""Mediation's reads: the office's list with each clock, a participant's sessions to come, a case's mediation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from review.core import clock, db, settings
from review.core.actors import OFFICE, Actor
from review.core.verification import Verified
from review.mediation import sql
from review.mediation.domain import agreement as agreement_rules
from review.mediation.domain import clock as clock_rules
from review.mediation.domain import room as room_rules

OVERDUE_LABELS = clock_rules.OVERDUE_LABELS


def overdue(mediation: dict, *, sessions: int, today: date) -> str:
    """'' or what is overdue of a mediation row: its first session (start_by) or its end (end_by)."""
    return clock_rules.overdue(status=mediation["status"], start_by=mediation["start_by"],
                               end_by=mediation["end_by"], sessions=sessions, today=today)


async def office_list(*, actor: Actor, today: date | None = None) -> list[db.Row]:
    """Every mediation, newest first, with its case, state and clock, and what is overdue."""
    OFFICE.check(actor)
    day = today or clock.today_in_china()
    rows = await db.fetch(sql.OFFICE_LIST)
    for r in rows:
        r["overdue"] = overdue(r, sessions=int(r["sessions"]), today=day)
    return [db.Row(r) for r in rows]


async def upcoming_sessions(*, actor: Actor) -> list[db.Row]:
    """The sessions still to come that `actor` is invited to (the complainant: of their one case)."""
    now = clock.now()
    if actor.kind == "complainant":
        rows = await db.fetch(sql.UPCOMING_OF_COMPLAINANT, now, actor.case_id or 0)
    elif actor.kind in ("liaison", "member") and actor.user_id:
        rows = await db.fetch(sql.UPCOMING_OF_ACCOUNT, now, actor.user_id)
    else:
        rows = []
    return [db.Row(r) for r in rows]


@dataclass
class CaseMediation:
    """A case's latest mediation with its sessions, each with who is invited and how they answered."""

    mediation: db.Row
    overdue: str
    sessions: list[db.Row] = field(default_factory=list)
    earlier: int = 0  # mediations of the case before this one


async def of_case(number: str, *, today: date | None = None) -> CaseMediation | None:
    """The case's latest mediation, or None; callers check that the reader may see the case."""
    found = await db.fetch(sql.OF_CASE, number)
    if not found:
        return None
    mediation = db.Row(found[0])
    sessions = [db.Row(s, participants=[]) for s in await db.fetch(sql.SESSIONS_OF, mediation["id"])]
    by_id: dict[int, Any] = {s["id"]: s for s in sessions}
    for p in await db.fetch(sql.PARTICIPANTS_OF_MEDIATION, mediation["id"]):
        by_id[p["session"]]["participants"].append(db.Row(p))
    live = sum(1 for s in sessions if s["status"] != "cancelled")
    return CaseMediation(mediation, overdue(mediation, sessions=live, today=today or clock.today_in_china()),
                         sessions, earlier=len(found) - 1)


@dataclass
class AgreementView:
    """The agreement of a mediation as the room shows it: every version (newest first), every confirmation with
    whether a newer version voided it, who is still to confirm, the sealed agreement if any, and what the reader
    may do (draft while it is open; confirm for their own party)."""

    mediation_id: int
    versions: list[db.Row]
    latest: db.Row | None
    confirmations: list[db.Row]
    waiting: list[str]  # the parties still to confirm the latest version (complainant / department)
    waiting_labels: list[str]
    sealed: db.Row | None
    editable: bool
    my_party: str | None  # complainant / department, if the reader confirms for one
    my_party_label: str
    may_confirm: bool  # a required party that has not confirmed the latest version
    max_chars: int


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def agreement(*, mediation_id: int, status: str, actor: Actor) -> AgreementView:
    """The agreement of a mediation whose room `actor` is admitted to (callers check it), `status` the mediation's."""
    versions = [db.Row(v, author_label=room_rules.AUTHOR_LABELS.get(v["author_kind"], v["author_kind"]),
                       at_local=clock.local_time(_when(v["at"])))
                for v in await db.fetch(sql.AGREEMENT_VERSIONS, mediation_id)]
    latest_number = int(versions[-1]["number"]) if versions else 0
    stored = await db.fetch(sql.AGREEMENT_CONFIRMATIONS, mediation_id)
    marked = agreement_rules.with_voiding([(c["party"], int(c["version"]), c["sha256"]) for c in stored],
                                          latest=latest_number)
    confirmations = [db.Row(c, voided=m.voided, party_label=agreement_rules.PARTY_LABELS[c["party"]],
                            at_local=clock.local_time(_when(c["at"])))
                     for c, m in zip(stored, marked, strict=True)]
    sealed_rows = await db.fetch(sql.SEALED_OF_MEDIATION, mediation_id)
    sealed = db.Row({k: sealed_rows[0][k] for k in ("id", "code", "sha256", "version", "pdf_sha256")},
                    sealed_at_local=clock.local_time(_when(sealed_rows[0]["sealed_at"])),
                    sealed_at=_when(sealed_rows[0]["sealed_at"])) if sealed_rows else None
    party = agreement_rules.party_of(actor.kind)
    waiting = agreement_rules.waiting_for(marked, latest=latest_number)
    editable = status == "open" and sealed is None
    confirmed_latest = any(m.party == party and m.version == latest_number for m in marked)
    return AgreementView(
        mediation_id=mediation_id, versions=versions[::-1], latest=versions[-1] if versions else None,
        confirmations=confirmations,
        waiting=waiting, waiting_labels=[agreement_rules.PARTY_LABELS[p] for p in waiting],
        sealed=sealed, editable=editable, my_party=party,
        my_party_label=agreement_rules.PARTY_LABELS.get(party or "", ""),
        may_confirm=editable and party is not None and latest_number > 0 and not confirmed_latest,
        max_chars=settings.MEDIATION_AGREEMENT_MAX_CHARS)


async def agreement_verification(code: str) -> Verified | None:
    """/verify/{code} for a sealed mediation agreement: its case, when sealed, the version's hash; no names."""
    rows = await db.fetch(sql.SEALED_BY_CODE, code)
    if not rows:
        return None
    sealed = rows[0]
    return Verified(
        title="调解协议书", status_label="有效（已经各方确认签订）", valid=True, code=sealed["code"],
        sha256=sealed["pdf_sha256"] or "",
        facts=(("案件编号", sealed["case_number"]), ("文书性质", f"案件 {sealed['case_number']} 的调解协议"),
               ("签订时间", clock.local_time(_when(sealed["sealed_at"]))),
               ("协议版本", f"第{sealed['version']}版"), ("协议文本 SHA-256", sealed["sha256"]),
               ("协议书文件 SHA-256", sealed["pdf_sha256"] or "（生成中）")))
