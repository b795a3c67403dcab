"""When the leak gate stops an output: the stop is recorded (kinds and places, never the values), audited on the
case, and the office is told, once per output stopped."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Sequence
from typing import Any

from review.core import db, leak_gate
from review.core import jobs as queue
from review.core.audit import store as audit
from review.core.clock import now
from review.core.leak_gate import Hit, LeakStopped
from review.core.privacy import Complainant
from review.notifications import services as notifications
from review.publication import sql
from review.publication.tables import LeakStop

log = logging.getLogger("review.publication")

OUTPUTS = {"public_pdf": "评议意见书公开版 PDF", "published_ruling": "公开的评议结论", "export": "导出文件",
           "public_api": "公开接口的答复", "archive": "评议意见书批量下载"}


async def record_stop(*, case_id: int | None, output: str, subject: str, hits: Sequence[Hit]) -> bool:
    """Record that `output` (about `subject`: a verdict number, an export's name) was stopped, audit it and tell
    the office; an output stopped again before the office cleared it is recorded once. True if newly recorded."""
    what = f"{OUTPUTS.get(output, output)}（{subject}）"
    places = "；".join(dict.fromkeys(hit.words for hit in hits))
    async with db.transaction():
        if await db.fetch(sql.OPEN_STOP, case_id or 0, output, subject[:100]):
            return False
        rows = await LeakStop.insert(LeakStop(
            case=case_id, output=output, subject=subject[:100],
            hits=json.dumps([{"kind": h.kind, "where": h.where} for h in hits], ensure_ascii=False),
            stopped_at=now())).run()
        await audit.record(case_id=case_id, actor="system:leak_gate", action="leak_stopped",
                           reason=f"{what}：{places}"[:2000], data={"output": output, "subject": subject})
        stored = await notifications.store_many([notifications.Notice(
            event="leak_stopped", key=f"leak_stop:{rows[0]['id']}", recipients=await notifications.recipients("office"),
            context={"what": what, "places": places})])
    await notifications.queue_stored(stored)
    log.warning("leak gate stopped %s (%s): %s", output, subject, places)
    return True


async def stopped(error: LeakStopped, *, case_id: int | None, output: str, subject: str) -> None:
    """Record the stop `error` reports (the caller then lets it stand as the refusal)."""
    await record_stop(case_id=case_id, output=output, subject=subject, hits=error.hits)


@functools.lru_cache(maxsize=4096)
def _scanned(parts: tuple[tuple[str, str], ...], allowed: tuple[str, ...]) -> tuple[Hit, ...]:
    # A published ruling changes only when republished: the same texts are scanned once per process.
    return tuple(leak_gate.scan(dict(parts), allowed=allowed))


async def passing_gate(items: Sequence[Any]) -> list[Any]:
    """The published rulings (`queries.Published`) of a page or an answer that pass the leak gate; one that does
    not is left out and reported to the office by a job (a read-only request writes nothing)."""
    passed = []
    for item in items:
        hits = _scanned(tuple(item.content.texts().items()), item.content.allowed())
        if hits:
            await queue.enqueue("report_public_leak", item.id, [[h.kind, h.where] for h in hits])
            continue
        passed.append(item)
    return passed


async def report_public_leak(*, ruling_id: int, hits: Sequence[Sequence[str]]) -> bool:
    """Record a stop of a published ruling held from a public answer."""
    rows = await db.fetch(sql.PUBLISHED_OF_ID, ruling_id)
    if not rows:
        return False
    return await record_stop(case_id=rows[0]["case_id"], output="public_api", subject=rows[0]["verdict_number"],
                             hits=[Hit(kind, where) for kind, where in hits])


async def check_public_pdf(*, verdict: dict[str, Any], pdf: bytes, carries: Sequence[str] = ()) -> None:
    """The leak gate on a verdict's public PDF (text layer and metadata) before it is stored: a hit is recorded,
    the office told, and `LeakStopped` raised, so that the file is never stored or served. `carries` names what
    the document must print that a detector could take for personal data (its numbers and codes, the panel's
    names: the members sit in their public capacity)."""
    rows = await db.fetch(sql.CASE_IDENTIFIERS, verdict["case"])
    known = Complainant.of_case(rows[0]) if rows else None
    case_number = rows[0]["number"] if rows else ""
    parts = await asyncio.to_thread(leak_gate.pdf_parts, pdf)
    allowed = (verdict["number"], verdict["code"], case_number, *carries)
    hits = leak_gate.scan(parts, known=known, allowed=allowed)
    if hits:
        await record_stop(case_id=verdict["case"], output="public_pdf", subject=verdict["number"], hits=hits)
        raise LeakStopped(hits, OUTPUTS["public_pdf"])
