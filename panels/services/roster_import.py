"""Large uploaded tables are imported by a job: the upload waits in the data folder, the job reads it off the
event loop chunk by chunk and notes how far it got, and a progress page shows that until the report is in."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from panels.services import roster as roster_service
from review.core import db, settings
from review.core import jobs as queue
from review.core.actors import OFFICE, Actor
from review.core.errors import NotFound, ServiceError
from review.core.tables import Account, ImportJob

KINDS = {"roster": "评议员名单"}
REPORT_ROWS = 200  # refused rows kept for the progress page; the count covers all of them


def uploads_dir() -> Path:
    return settings.DATA_DIR / "imports"


def _stored(job: dict[str, Any]) -> Path:
    return uploads_dir() / f"{job['id']}{job['file_type']}"


def is_large(path: Path) -> bool:
    """Whether an upload is imported by a job rather than while the office waits."""
    return path.stat().st_size > settings.IMPORT_JOB_BYTES


async def start(*, kind: str, path: Path, actor: Actor) -> int:
    """Keep the uploaded file for the job and queue it; the upload at `path` is moved, not copied."""
    OFFICE.check(actor, "只有评议办可以导入")
    rows = await ImportJob.insert(ImportJob(
        kind=kind, requested_by=actor.user_id, file_type=path.suffix.lower(), status="queued",
        created_at=datetime.now(UTC),
    )).run()
    job_id = rows[0]["id"]
    target = uploads_dir() / f"{job_id}{path.suffix.lower()}"
    await asyncio.to_thread(lambda: (target.parent.mkdir(parents=True, exist_ok=True), shutil.move(path, target)))
    await queue.enqueue("run_import", job_id)
    return job_id


async def _finish(job_id: int, status: str, imported: int, report: dict[str, Any]) -> None:
    await ImportJob.update({
        ImportJob.status: status, ImportJob.imported: imported,
        ImportJob.report: json.dumps(report, ensure_ascii=False), ImportJob.finished_at: datetime.now(UTC),
    }).where(ImportJob.id == job_id).run()


async def run(*, job_id: int) -> str:
    """The job's work. The import itself is all or nothing, so a job run again after a crash starts afresh."""
    job = await ImportJob.select().where(ImportJob.id == job_id).first().run()
    if job is None or job["status"] in ("done", "failed"):
        return job["status"] if job else "missing"
    account = await Account.select().where(Account.id == job["requested_by"]).first().run()
    actor = Actor(kind=account["role"], user_id=account["id"], username=account["username"],
                  display_name=account["display_name"])
    path = _stored(job)
    if not path.exists():
        await _finish(job_id, "failed", 0, {"error": {"code": "file_missing", "message": "上传的文件已不存在，请重新上传"}})
        return "failed"
    await ImportJob.update({ImportJob.status: "running", ImportJob.rows_read: 0}).where(ImportJob.id == job_id).run()

    async def progress(rows_read: int) -> None:
        await ImportJob.update({ImportJob.rows_read: rows_read}).where(ImportJob.id == job_id).run()


    try:
        report = await roster_service.import_roster(path=path, actor=actor, on_progress=progress,
                                                   reader_process=True)
    except ServiceError as error:
        await _finish(job_id, "failed", 0, error.as_json())
        return "failed"
    finally:
        path.unlink(missing_ok=True)
    refused = [{"row": r.row, "message": r.message} for r in report.rows if not r.ok]
    await _finish(job_id, "done", report.imported, {"refused": len(refused), "rows": refused[:REPORT_ROWS],
                                                    "total": len(report.rows)})
    return "done"


async def progress(*, job_id: int, actor: Actor) -> dict[str, Any]:
    """What the progress page and the API show: status, rows read so far, and the report once it is in."""
    OFFICE.check(actor, "只有评议办可以查看导入进度")
    job = await ImportJob.select().where(ImportJob.id == job_id).first().run()
    if job is None:
        raise NotFound("import_not_found", "导入任务不存在")
    report = db.json_value(job["report"]) or {}
    return {
        "id": job["id"], "kind": job["kind"], "kind_label": KINDS.get(job["kind"], job["kind"]),
        "status": job["status"], "finished": job["status"] in ("done", "failed"),
        "rows_read": job["rows_read"], "imported": job["imported"],
        "total": report.get("total"), "refused": report.get("refused", 0), "rows": report.get("rows", []),
        "error": report.get("error"),
        "created_at": job["created_at"].isoformat(),
        "finished_at": job["finished_at"].isoformat() if job["finished_at"] else None,
    }
