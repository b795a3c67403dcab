"""Verdicts: building the document from the record, rendering it once, verifying it by code."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from panels.tables import Seat
from review import audit, settings
from review.convening import ROLE_LABELS
from review.errors import NotFound
from review.masking import mask_name, mask_text
from review.tables import Case, Verdict
from review.verdict_document import CriterionLine, PanelSeatLine, VerdictDocument
from scoring.aggregate import GRADE_LABELS, RULING_TEXT
from scoring.tables import CriteriaSet, Criterion, Ruling

ISSUING_OFFICE = "成都市网络理政第三方评议办公室"


def stored_path(sha256: str) -> Path:
    """Content-addressed location of a PDF."""
    return settings.verdict_dir() / sha256[:2] / f"{sha256}.pdf"


def store(pdf: bytes) -> str:
    """Write a PDF under its SHA-256; a crash mid-write leaves only a temp file, never a partial PDF."""
    digest = hashlib.sha256(pdf).hexdigest()
    path = stored_path(digest)
    if path.exists():
        return digest
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
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


async def build_documents(verdict: dict) -> tuple[VerdictDocument, VerdictDocument]:
    """The full and the public document of a verdict, from the stored records."""
    case = await Case.select(*Case.all_columns(), Case.department.name.as_alias("department_name")).where(
        Case.id == verdict["case"]).first().run()
    ruling = await Ruling.select().where(Ruling.id == verdict["ruling_id"]).first().run()
    criteria_set = await CriteriaSet.select().where(CriteriaSet.id == ruling["criteria_set"]).first().run()
    criteria = await Criterion.select().where(Criterion.criteria_set == ruling["criteria_set"]).order_by(
        Criterion.position).run()
    seats = await Seat.select(Seat.member.name, Seat.role, Seat.is_chair).where(
        (Seat.panel.case == case["id"]) & (Seat.status == "accepted") & (Seat.panel.status != "dissolved")
    ).order_by(Seat.is_chair, ascending=False).order_by(Seat.id).run()
    per = json.loads(ruling["per_criterion"]) if isinstance(ruling["per_criterion"], str) else ruling["per_criterion"]
    names = (case["complainant_name"],)
    addresses = (case["complainant_address"],)
    common = dict(
        number=verdict["number"], issuing_office=ISSUING_OFFICE, issued_on=verdict["issued_on"],
        case_number=case["number"], category=case["category"], district=case["district"],
        department_name=case["department_name"],
        summary=mask_text(case["content"], names, addresses),
        reply_summary=mask_text(case["reply"], names, addresses),
        panel=tuple(PanelSeatLine(s["member.name"], ROLE_LABELS.get(s["role"], s["role"]), s["is_chair"])
                    for s in seats),
        criteria_name=criteria_set["name"], criteria_version=criteria_set["version"],
        criteria_hash=criteria_set["content_hash"],
        criteria=tuple(CriterionLine(c["code"], c["name"], c["weight"], per.get(c["code"], 0.0), c["scale_max"])
                       for c in criteria),
        total=ruling["total"], grade_label=GRADE_LABELS[ruling["grade"]], ruling_text=RULING_TEXT[ruling["grade"]],
        reasoning=mask_text(ruling["reasoning"], names, addresses), redo_deadline=ruling["redo_deadline"],
        dissent="", verification_code=verdict["code"],
        verify_url=f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{verdict['code']}",
    )
    full = VerdictDocument(complainant_display=mask_name(case["complainant_name"]), public=False, **common)
    public = VerdictDocument(complainant_display="", public=True, **common)
    return full, public


async def render(*, verdict_id: int) -> str:
    """Render and store both PDFs of a verdict; a verdict already rendered is left untouched."""
    from review.verdict_render import render_verdict_pdf

    verdict = await Verdict.select().where(Verdict.id == verdict_id).first().run()
    if verdict is None:
        raise NotFound("verdict_not_found", "未找到该评议意见书")
    if verdict["status"] != "pending" and stored_path(verdict["full_sha256"]).exists():
        return verdict["status"]
    full, public = await build_documents(verdict)
    full_pdf = await asyncio.to_thread(render_verdict_pdf, full)
    public_pdf = await asyncio.to_thread(render_verdict_pdf, public)
    full_sha, public_sha = store(full_pdf), store(public_pdf)
    from review import db

    async with db.transaction():
        current = await Verdict.select(Verdict.status).where(Verdict.id == verdict_id).first().run()
        if current["status"] != "pending":
            return current["status"]
        await Verdict.update({
            Verdict.full_sha256: full_sha, Verdict.public_sha256: public_sha, Verdict.status: "valid",
            Verdict.rendered_at: datetime.now(timezone.utc),
        }).where(Verdict.id == verdict_id).run()
        await audit.record(case_id=verdict["case"], actor="system:job", action="verdict_rendered",
                           data={"verdict": verdict["number"], "full_sha256": full_sha, "public_sha256": public_sha})
    return "valid"


async def by_code(code: str) -> dict:
    """A verdict by its public verification code."""
    verdict = await Verdict.select().where(Verdict.code == code.strip().upper()).first().run()
    if verdict is None:
        raise NotFound("verdict_not_found", "未找到该核验码对应的评议意见书")
    return verdict


async def for_case(case_id: int) -> dict | None:
    return await Verdict.select().where(Verdict.case == case_id).order_by(Verdict.id, ascending=False).first().run()


def verify_bytes(verdict: dict, pdf: bytes) -> str | None:
    """Which version an uploaded PDF is ("full" / "public"), or None if it was altered."""
    digest = hashlib.sha256(pdf).hexdigest()
    if digest == verdict["full_sha256"]:
        return "full"
    return "public" if digest == verdict["public_sha256"] else None
