"""批量签发: at the end of a review round the office issues many rulings at once and collects their verdicts.

"Issuing" a verdict is issuing its ruling (`issue_ruling`): that numbers the verdict gaplessly and queues its
render. A bulk issuance is a row that records the selected cases; a job issues them one
by one (each in its own transaction, as if the office had pressed the button for each) and notes each result
in the row, so that a retried job skips what is done. Progress counts a case as done once its verdict's files
are stored (or it failed, with the reason); the ZIP is built from the stored content-addressed files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from review.core import db
from review.core import jobs as queue
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.errors import Invalid, NotFound, ServiceError
from review.core.params import LARGEST
from review.core.tables import Account, Case
from review.rulings.services.deliberation import issue_ruling
from review.verdicts import sql
from review.verdicts.tables import BulkIssuance, Verdict

MAX_CASES = 2000


async def ready_cases() -> list[dict]:
    """Cases whose ruling may be issued now: scoring closed and the reasoning signed."""
    return await db.fetch(sql.READY_CASES)


async def start(*, actor: Actor, numbers: list[str], all_ready: bool = False) -> int:
    """Record a bulk issuance of the chosen cases (or all ready ones) and queue the job that issues them."""
    OFFICE.check(actor)
    if all_ready:
        case_ids = [row["id"] for row in await ready_cases()]
    else:
        wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
        rows = await Case.select(Case.id, Case.number).where(Case.number.is_in(wanted)).run() if wanted else []
        by_number = {r["number"]: r["id"] for r in rows}
        unknown = [n for n in wanted if n not in by_number]
        if unknown:
            raise Invalid("unknown_case", f"未找到案件：{'、'.join(unknown[:5])}", field="cases")
        case_ids = [by_number[n] for n in wanted]
    if not case_ids:
        raise Invalid("no_cases", "请至少选择一件可签发的案件", field="cases")
    if len(case_ids) > MAX_CASES:
        raise Invalid("too_many_cases", f"一次最多签发 {MAX_CASES} 件", field="cases")
    async with db.transaction():
        rows = await BulkIssuance.insert(BulkIssuance(
            requested_by=actor.user_id, case_ids=json.dumps(case_ids), total=len(case_ids),
            issued="[]", failed="[]", status="queued", created_at=datetime.now(UTC),
        )).run()
        bulk_id = rows[0]["id"]

        await audit.record(case_id=None, actor=actor.label, action="bulk_issuance_requested",
                           data={"bulk_issuance": bulk_id, "cases": len(case_ids)})
    await queue.enqueue("issue_bulk", bulk_id)
    return bulk_id


async def run(*, bulk_id: int) -> str:
    """The job's work: issue each selected case not yet handled, noting the verdict or the reason it failed."""
    row = await BulkIssuance.select().where(BulkIssuance.id == bulk_id).first().run()
    if row is None or row["status"] == "issued":
        return "issued"
    account = await Account.select().where(Account.id == row["requested_by"]).first().run()
    actor = Actor(kind=account["role"], user_id=account["id"], username=account["username"],
                  display_name=account["display_name"])
    issued, failed = db.json_value(row["issued"]), db.json_value(row["failed"])
    handled = {entry["case"] for entry in issued} | {entry["case"] for entry in failed}
    case_ids = db.json_value(row["case_ids"])
    numbers = {r["id"]: r["number"] for r in await Case.select(Case.id, Case.number).where(
        Case.id.is_in(case_ids)).run()}
    await BulkIssuance.update({BulkIssuance.status: "issuing"}).where(BulkIssuance.id == bulk_id).run()
    for case_id in case_ids:
        if case_id in handled:
            continue
        try:
            ruling_id = await issue_ruling(number=numbers[case_id], actor=actor)
        except ServiceError as error:
            failed.append({"case": case_id, "case_number": numbers[case_id], "reason": error.message})
            update: dict = {BulkIssuance.failed: json.dumps(failed, ensure_ascii=False)}
        else:
            verdict = await Verdict.select(Verdict.id).where(Verdict.ruling_id == ruling_id).first().run()
            issued.append({"case": case_id, "verdict": verdict["id"]})
            update = {BulkIssuance.issued: json.dumps(issued)}
        await BulkIssuance.update(update).where(BulkIssuance.id == bulk_id).run()
    await BulkIssuance.update({BulkIssuance.status: "issued", BulkIssuance.finished_at: datetime.now(UTC)}
                              ).where(BulkIssuance.id == bulk_id).run()
    return "issued"


@dataclass(frozen=True)
class Progress:
    """Where a bulk issuance stands: n of total done, the failures with reasons, the verdicts ready."""

    id: int
    total: int
    issued: int
    rendered: int
    status: str  # queued / issuing / rendering / finished
    failed: list[dict] = field(default_factory=list)
    verdicts: list[dict] = field(default_factory=list)  # rendered ones: number, issued_on, both hashes

    @property
    def done(self) -> int:
        return self.rendered + len(self.failed)

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def as_json(self) -> dict:
        return {"id": self.id, "status": self.status, "total": self.total, "done": self.done,
                "issued": self.issued, "rendered": self.rendered,
                "failed": [{"case_number": f["case_number"], "reason": f["reason"]} for f in self.failed],
                "zip": f"/api/v1/verdicts/bulk/{self.id}/verdicts.zip" if self.rendered else None}


async def progress(*, bulk_id: int | str, actor: Actor) -> Progress:
    """The progress of one bulk issuance (office only)."""
    OFFICE.check(actor)
    try:
        bulk_id = int(bulk_id)
    except ValueError:
        raise NotFound("not_found", "未找到该批量签发记录") from None
    if not 0 < bulk_id <= LARGEST:
        raise NotFound("not_found", "未找到该批量签发记录")
    row = await BulkIssuance.select().where(BulkIssuance.id == bulk_id).first().run()
    if row is None:
        raise NotFound("not_found", "未找到该批量签发记录")
    issued, failed = db.json_value(row["issued"]), db.json_value(row["failed"])
    verdict_ids = [entry["verdict"] for entry in issued]
    rendered = await Verdict.select(
        Verdict.id, Verdict.number, Verdict.issued_on, Verdict.full_sha256, Verdict.public_sha256
    ).where(Verdict.id.is_in(verdict_ids) & (Verdict.full_sha256 != "")).order_by(Verdict.sequence).run() \
        if verdict_ids else []
    status = row["status"]
    if status == "issued":
        status = "finished" if len(rendered) == len(issued) else "rendering"
    return Progress(id=row["id"], total=row["total"], issued=len(issued), rendered=len(rendered), status=status,
                    failed=failed, verdicts=rendered)


async def recent(limit: int = 10) -> list[dict]:
    """The latest bulk issuances, for the office's page."""
    return await BulkIssuance.select(BulkIssuance.id, BulkIssuance.total, BulkIssuance.status,
                                     BulkIssuance.created_at).order_by(BulkIssuance.id, ascending=False).limit(
        limit).run()
