"""Verdicts: building the document from the record, rendering it once, verifying it by code."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import secrets
import socket
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime
from pathlib import Path

from panels.tables import Seat
from review.assessments.services import redo as redo_orders
from review.cases.queries.visibility import visible_case
from review.core import db, priority, settings
from review.core import jobs as queue
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import today_in_china
from review.core.errors import Conflict, Invalid, NotFound
from review.core.i18n import lazy_labels
from review.core.labels import ROLE_LABELS
from review.core.privacy import mask_name, masker
from review.core.secrets import ALPHABET
from review.core.tables import Case
from review.publication import services as publication
from review.verdicts import signing as verdict_signing
from review.verdicts import sql
from review.verdicts.document import CriterionLine, PanelSeatLine, VerdictDocument, document_number
from review.verdicts.tables import Verdict
from review.webhooks import services as webhooks
from scoring.domain.aggregate import GRADE_LABELS, RULING_TEXT
from scoring.tables import CriteriaSet, Criterion, Ruling

STATUS_LABELS = lazy_labels({"pending": "生成中", "valid": "有效", "superseded": "已被复议结论取代", "withdrawn": "已撤销",
                             "corrected": "已被更正"})
# A corrected verdict was withdrawn first: neither stands, and neither's public file is served.
WITHDRAWN = ("withdrawn", "corrected")
# A criterion scored below this share of its scale is named in the required actions.
SHORTFALL_SHARE = 0.6

ISSUING_OFFICE = "成都市网络理政第三方评议办公室"


def new_verification_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(12))


async def number_verdict(*, case_id: int, ruling_id: int, day: date, corrects: int | None = None) -> int:
    """The next number in the year's gapless sequence (the chain-head lock is held); `corrects` is the
    withdrawn verdict of the same ruling that the new one corrects."""
    rows = await db.fetch(sql.LAST_SEQUENCE, day.year)
    sequence = rows[0]["n"] + 1
    inserted = await Verdict.insert(Verdict(
        case=case_id, ruling_id=ruling_id, number=document_number("评", day.year, sequence), year=day.year,
        sequence=sequence, code=new_verification_code(), status="pending", issued_on=day, corrects=corrects,
    )).run()
    return inserted[0]["id"]


def stored_path(sha256: str) -> Path:
    """Content-addressed location of a PDF."""
    return settings.verdict_dir() / sha256[:2] / f"{sha256}.pdf"


def _part_prefix(pid: int | None = None) -> str:
    return f"{socket.gethostname()}.{os.getpid() if pid is None else pid}."


def sweep_partial_files() -> int:
    """Remove temp files left by a writer on this host that was killed mid-write; returns how many."""
    root = settings.verdict_dir()
    removed = 0
    host = socket.gethostname() + "."
    for part in root.glob("*/*.part"):
        name = part.name
        if not name.startswith(host):
            continue  # another host's writer: it may still be alive
        try:
            pid = int(name[len(host):].split(".", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            part.unlink(missing_ok=True)
            removed += 1
        except (ValueError, PermissionError):
            continue
    return removed


def store(pdf: bytes) -> str:
    """Write a PDF under its SHA-256; a crash mid-write leaves only a temp file, never a partial PDF."""
    digest = hashlib.sha256(pdf).hexdigest()
    path = stored_path(digest)
    if path.exists():
        return digest
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temp name carries host and pid so that sweep_partial_files can tell a dead writer's leftovers.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_part_prefix(), suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pdf)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


async def printed_panel(verdict: dict) -> list[dict]:
    """The panel a verdict prints, chair first: member (id), member.name, role, is_chair, panel.

    It is the panel whose ruling the verdict carries, not every panel the case has had (a reconsideration's
    verdict names the reconsideration panel alone). `review verify-draw` compares these seats with the draw
    record, so the document and the check read one list.
    """
    ruling = await Ruling.select(Ruling.panel_id).where(Ruling.id == verdict["ruling_id"]).first().run()
    return await Seat.select(Seat.member, Seat.member.name, Seat.role, Seat.is_chair, Seat.panel).where(
        (Seat.panel == ruling["panel_id"]) & (Seat.status == "accepted")
    ).order_by(Seat.is_chair, ascending=False).order_by(Seat.id).run()


async def build_documents(verdict: dict) -> tuple[VerdictDocument, VerdictDocument]:
    """The full and the public document of a verdict, from the stored records."""
    case = await Case.select(*Case.all_columns(), Case.department.name.as_alias("department_name")).where(
        Case.id == verdict["case"]).first().run()
    ruling = await Ruling.select().where(Ruling.id == verdict["ruling_id"]).first().run()
    criteria_set = await CriteriaSet.select().where(CriteriaSet.id == ruling["criteria_set"]).first().run()
    criteria = await Criterion.select().where(Criterion.criteria_set == ruling["criteria_set"]).order_by(
        Criterion.position).run()
    seats = await printed_panel(verdict)
    corrected = None
    if verdict["corrects"] is not None:
        corrected = await Verdict.select(Verdict.number).where(Verdict.id == verdict["corrects"]).first().run()
    per = db.json_value(ruling["per_criterion"])
    mask = masker(case)  # the complainant's own identifiers, however written, and every identifier's shape
    common = dict(  # noqa: C408 - the keyword form reads as the document's fields
        number=verdict["number"], issuing_office=ISSUING_OFFICE, issued_on=verdict["issued_on"],
        case_number=case["number"], category=case["category"], district=case["district"],
        department_name=case["department_name"],
        summary=mask(case["content"]),
        reply_summary=mask(case["reply"]),
        panel_label="复议评议组" if ruling["supersedes"] else "评议组",
        panel=tuple(PanelSeatLine(s["member.name"], ROLE_LABELS.get(s["role"], s["role"]), s["is_chair"])
                    for s in seats),
        criteria_name=criteria_set["name"], criteria_version=criteria_set["version"],
        criteria_hash=criteria_set["content_hash"],
        criteria=tuple(CriterionLine(c["code"], c["name"], c["weight"], per.get(c["code"], 0.0), c["scale_max"])
                       for c in criteria),
        total=ruling["total"], grade_label=GRADE_LABELS[ruling["grade"]], ruling_text=RULING_TEXT[ruling["grade"]],
        reasoning=mask(ruling["reasoning"]), redo_deadline=ruling["redo_deadline"],
        redo_deadline_provisional=bool(ruling["redo_deadline_provisional"]),
        # 不同意见 as the panel recorded them with the ruling (members are named, as on the panel line).
        dissent=mask(ruling.get("dissent") or ""),
        verification_code=verdict["code"],
        verify_url=f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{verdict['code']}",
        required_actions=required_actions(criteria, per) if ruling["redo_deadline"] else (),
        corrects=corrected["number"] if corrected else "",
    )
    full = VerdictDocument(complainant_display=mask_name(case["complainant_name"]), public=False, **common)
    public = VerdictDocument(complainant_display="", public=True, **common)
    return full, public


def required_actions(criteria: list[dict], per: dict[str, float]) -> tuple[str, ...]:
    """整改要求: one line for each criterion the department fell short on."""
    lines = []
    for c in criteria:
        mean = per.get(c["code"], 0.0)
        if mean < SHORTFALL_SHARE * c["scale_max"]:
            lines.append(f"针对“{c['name']}”存在的不足（平均得分{mean:.2f}分，满分{c['scale_max']}分）重新核查办理；")
    if lines:
        lines[-1] = lines[-1].rstrip("；") + "。"
    return tuple(lines)


def is_rendered(verdict: dict) -> bool:
    """Both files of the verdict are stored (whatever its status)."""
    return bool(verdict["full_sha256"]) and stored_path(verdict["full_sha256"]).exists() \
        and stored_path(verdict["public_sha256"]).exists()


async def pending_ids() -> list[int]:
    """Verdicts numbered but not yet rendered."""
    rows = await Verdict.select(Verdict.id).where(Verdict.status == "pending").order_by(Verdict.id).run()
    return [r["id"] for r in rows]


def _signed_pdf(doc: VerdictDocument) -> bytes:
    """The verdict rendered and signed with the office's certificate (CPU work: run it in a thread)."""
    # lazy: WeasyPrint loads only in the processes that render
    from review.verdicts.render import render_verdict_pdf

    return verdict_signing.sign_pdf(render_verdict_pdf(doc), office=doc.issuing_office)


_render_processes: ProcessPoolExecutor | None = None
_starting = asyncio.Lock()


def _start_render_processes() -> ProcessPoolExecutor:

    pool = ProcessPoolExecutor(settings.VERDICT_RENDER_PROCESSES, initializer=priority.lower,
                               mp_context=multiprocessing.get_context("spawn"))
    pool.submit(os.getpid)  # starts the processes here, on a helper thread, not on the event loop
    return pool


async def _rendered(doc: VerdictDocument) -> bytes:
    """A signed PDF. Where jobs run inside the web process (no Redis), on separate processes: WeasyPrint is
    Python work that would keep the interpreter lock from the event loop serving pages. In a verdict worker,
    whose only work this is, on a thread."""
    global _render_processes
    if settings.REDIS_URL or settings.VERDICT_RENDER_PROCESSES == 0:
        return await asyncio.to_thread(_signed_pdf, doc)
    async with _starting:
        if _render_processes is None:
            _render_processes = await asyncio.to_thread(_start_render_processes)
    try:
        return await asyncio.get_running_loop().run_in_executor(_render_processes, _signed_pdf, doc)
    except BrokenProcessPool:
        _render_processes = None  # a render process died (killed, out of memory): the next render starts anew
        raise


async def render(*, verdict_id: int) -> str:
    """Render and store both PDFs of a verdict; a verdict already rendered is left untouched."""
    verdict = await Verdict.select().where(Verdict.id == verdict_id).first().run()
    if verdict is None:
        raise NotFound("verdict_not_found", "未找到该评议意见书")
    if is_rendered(verdict):
        return verdict["status"]
    full, public = await build_documents(verdict)
    # Both files are signed in memory and stored under the digest of the signed bytes (the hashes /verify shows).
    full_pdf = await _rendered(full)
    public_pdf = await _rendered(public)
    # The leak gate reads the public file as anyone would (text layer and metadata); a hit stores neither file.
    await publication.check_public_pdf(verdict=verdict, pdf=public_pdf, carries=(
        public.criteria_hash, public.verify_url, *(seat.name for seat in public.panel)))
    full_sha, public_sha = await asyncio.to_thread(store, full_pdf), await asyncio.to_thread(store, public_pdf)

    async with db.transaction():
        # Locked: a withdrawal committed while the files were being made is seen here, not overwritten.
        current = (await db.fetch(sql.VERDICT_STATE + db.for_update(), verdict_id))[0]
        if current["full_sha256"]:
            return current["status"]  # a concurrent run finished first (its signed files are the ones recorded)
        # A verdict superseded or withdrawn before its render keeps that status; only a pending one turns valid.
        status = "valid" if current["status"] == "pending" else current["status"]
        await Verdict.update({
            Verdict.full_sha256: full_sha, Verdict.public_sha256: public_sha, Verdict.status: status,
            Verdict.rendered_at: datetime.now(UTC),
        }).where(Verdict.id == verdict_id).run()
        await audit.record(case_id=verdict["case"], actor="system:job", action="verdict_rendered",
                           data={"verdict": verdict["number"], "full_sha256": full_sha, "public_sha256": public_sha})
        if status == "valid":
            await webhooks.emit("verdict.issued", _announced(verdict))
    return status


def _announced(verdict: dict) -> dict:
    """A verdict as a webhook names it: its id, its number and its public page."""
    return {"verdict_id": verdict["id"], "verdict_number": verdict["number"],
            "link": f"/api/v1/verdicts/{verdict['code']}"}


async def supersede(*, old_ruling_id: int, new_ruling_id: int) -> None:
    """复议改变结论: mark the old ruling's verdict superseded by the new ruling (inside the issuing transaction)."""
    old = await Verdict.select(Verdict.id, Verdict.case, Verdict.number, Verdict.status).where(
        Verdict.ruling_id == old_ruling_id).order_by(Verdict.id, ascending=False).first().run()
    if old is None:
        raise NotFound("verdict_not_found", "原评议结论没有评议意见书")
    if old["status"] != "valid":
        return  # already superseded (the flow may be retried), or withdrawn, which stays the stronger status
    await Verdict.update({Verdict.status: "superseded", Verdict.superseded_by_ruling: new_ruling_id,
                          Verdict.status_changed_at: datetime.now(UTC)}).where(Verdict.id == old["id"]).run()
    await audit.record(case_id=old["case"], actor="system:reconsideration", action="verdict_superseded",
                       data={"verdict": old["number"], "ruling_id": old_ruling_id, "new_ruling_id": new_ruling_id})


async def _locked_case(number: str) -> dict | None:
    """The case's id, its row locked: a case's verdicts change status one at a time (withdrawn, corrected,
    superseded when a reconsideration is ruled), each seeing the one before."""
    rows = await db.fetch(sql.CASE_ID_BY_NUMBER + db.for_update(), number)
    return rows[0] if rows else None


async def withdraw(*, number: str, actor: Actor, reason: str) -> str:
    """撤销评议意见书: the office withdraws a case's verdict, giving its reason (recorded in the audit chain)."""
    OFFICE.check(actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("reason_required", "请填写撤销理由", field="reason")
    async with db.transaction():
        case = await _locked_case(number)
        verdict = await for_case(case["id"]) if case else None
        if verdict is None:
            raise NotFound("verdict_not_found", "本案尚无评议意见书")
        if verdict["status"] in (*WITHDRAWN, "superseded"):
            raise Conflict("verdict_not_valid", f"该评议意见书{STATUS_LABELS[verdict['status']]}，不能撤销")
        await Verdict.update({Verdict.status: "withdrawn", Verdict.status_reason: reason[:2000],
                              Verdict.status_changed_at: datetime.now(UTC)}).where(
            Verdict.id == verdict["id"]).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="verdict_withdrawn",
                           from_status=verdict["status"], to_status="withdrawn", reason=reason[:2000],
                           data={"verdict": verdict["number"]})
        await redo_orders.void_for_ruling(ruling_id=verdict["ruling_id"], why="withdrawn", actor=actor.label)
        await webhooks.emit("verdict.withdrawn", {"case_number": number, **_announced(verdict)})
    await queue.enqueue("publish_case", case["id"])  # a published ruling of a withdrawn verdict comes down
    return "withdrawn"


async def correct(*, number: str, actor: Actor, reason: str) -> dict:
    """更正评议意见书: the office issues a corrected verdict of the same ruling in place of the withdrawn one,
    under a new number; the withdrawn one is then marked corrected and points to it."""
    OFFICE.check(actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("reason_required", "请填写更正说明", field="reason")
    async with db.transaction():
        await db.lock_chain_head()  # the numbering lock, as when a ruling is issued: gapless numbers
        case = await _locked_case(number)
        withdrawn = await for_case(case["id"]) if case else None
        if withdrawn is None:
            raise NotFound("verdict_not_found", "本案尚无评议意见书")
        if withdrawn["status"] != "withdrawn":
            raise Conflict("verdict_not_withdrawn",
                           f"只有已撤销的评议意见书才能更正；本案评议意见书{STATUS_LABELS[withdrawn['status']]}")
        ruling = await Ruling.select(Ruling.status).where(Ruling.id == withdrawn["ruling_id"]).first().run()
        if ruling["status"] != "in_force":
            raise Conflict("ruling_not_in_force", "该评议结论已被复议结论取代，不能更正其评议意见书")
        day = today_in_china()
        new_id = await number_verdict(case_id=case["id"], ruling_id=withdrawn["ruling_id"], day=day,
                                      corrects=withdrawn["id"])
        await Verdict.update({Verdict.status: "corrected", Verdict.status_changed_at: datetime.now(UTC)}).where(
            Verdict.id == withdrawn["id"]).run()
        created = await Verdict.select(Verdict.number, Verdict.code, Verdict.status).where(
            Verdict.id == new_id).first().run()
        await audit.record(case_id=case["id"], actor=actor.label, action="verdict_corrected", reason=reason[:2000],
                           data={"verdict": withdrawn["number"], "corrected_by": created["number"]})
        reopened = await redo_orders.reopen_for_ruling(ruling_id=withdrawn["ruling_id"], actor=actor)
        await webhooks.emit("verdict.corrected", {"case_number": number, "verdict_id": new_id,
                                                  "verdict_number": created["number"], "corrects": withdrawn["number"],
                                                  "link": f"/api/v1/verdicts/{created['code']}"})
    await queue.enqueue("render_verdict", new_id)
    if reopened is not None:
        await redo_orders.tell_opened(order_id=reopened)
    return {**created, "corrects": withdrawn["number"]}


async def by_code(code: str) -> dict:
    """A verdict by its public verification code."""
    verdict = await Verdict.select().where(Verdict.code == code.strip().upper()).first().run()
    if verdict is None:
        raise NotFound("verdict_not_found", "未找到该核验码对应的评议意见书")
    return verdict


async def for_case(case_id: int) -> dict | None:
    return await Verdict.select().where(Verdict.case == case_id).order_by(Verdict.id, ascending=False).first().run()


async def verification(code: str) -> dict:
    """What /verify/{code} and the API show: status, both hashes, the public facts, what replaced it."""
    verdict = await by_code(code)
    rows = await db.fetch(sql.PUBLIC_FACTS, verdict["id"])
    facts = rows[0]
    replacement = corrected_by = None
    if verdict["superseded_by_ruling"] is not None:
        replacement = await Verdict.select(Verdict.number, Verdict.code).where(
            Verdict.ruling_id == verdict["superseded_by_ruling"]).order_by(Verdict.id, ascending=False).first().run()
    if verdict["status"] == "corrected":
        corrected_by = await Verdict.select(Verdict.number, Verdict.code).where(
            Verdict.corrects == verdict["id"]).first().run()
    return {**verdict, "status_label": STATUS_LABELS.get(verdict["status"], verdict["status"]),
            "category": facts["category"], "district": facts["district"],
            "department_name": facts["department_name"], "total": facts["total"],
            "grade_label": GRADE_LABELS.get(facts["grade"], facts["grade"]),
            "replaced_by": replacement, "corrected_by": corrected_by, "rendered": bool(verdict["full_sha256"]),
            "signatures": await stored_signatures(verdict)}


def verify_bytes(verdict: dict, pdf: bytes) -> str | None:
    """Which version an uploaded PDF is ("full" / "public"), or None if it was altered."""
    digest = hashlib.sha256(pdf).hexdigest()
    if digest == verdict["full_sha256"]:
        return "full"
    return "public" if digest == verdict["public_sha256"] else None


async def full_pdf(*, actor: Actor, number: str) -> tuple[Path, str]:
    """The stored full verdict of a case `actor` may see: (file, verification code)."""
    case = await visible_case(actor, number)
    verdict = await for_case(case["id"])
    if not verdict or not verdict["full_sha256"]:
        raise NotFound("verdict_not_ready", "评议意见书尚在生成，请稍后刷新")
    return stored_path(verdict["full_sha256"]), verdict["code"]


async def check_upload(verdict: dict, pdf: bytes) -> tuple[str | None, verdict_signing.SignatureState]:
    """An uploaded PDF: which registered version it is (by hash), and the state of its signature."""
    state = await asyncio.to_thread(verdict_signing.signature_state, pdf)
    return verify_bytes(verdict, pdf), state


def _stored_signature(sha256: str | None) -> verdict_signing.SignatureState | None:
    if not sha256:
        return None
    try:
        pdf = stored_path(sha256).read_bytes()
    except FileNotFoundError:
        return verdict_signing.SignatureState("unreadable", "文件不在存储中")
    return verdict_signing.signature_state(pdf)


async def stored_signatures(verdict: dict) -> dict[str, verdict_signing.SignatureState | None]:
    """The signature state of each stored file of the verdict ("full", "public"; None while rendering)."""
    return await asyncio.to_thread(lambda: {"full": _stored_signature(verdict["full_sha256"]),
                                            "public": _stored_signature(verdict["public_sha256"])})
