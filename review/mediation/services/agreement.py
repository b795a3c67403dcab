"""The mediation agreement's services (调解协议), one per user action: save a version of the shared draft, confirm
a version; and the sealed agreement's PDF, rendered once in the background and downloaded by the parties.

Every version and every confirmation is a room event too (kinds "draft" and "confirm"), stored with
`room.store_event` inside the same transaction under the mediation's row lock and announced after the commit.
When the confirmation that completes the required parties lands, the agreement is sealed in that transaction and
the case settled by the stage's own settling move (review.mediation.services.stage.settle_in_transaction)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from review.cases import services as cases
from review.core import clock, db, settings
from review.core import jobs as queue
from review.core.actors import SYSTEM, Actor
from review.core.audit import store as audit
from review.core.errors import Invalid, NotFound
from review.core.privacy import mask_name
from review.mediation import sql
from review.mediation.domain import agreement as rules
from review.mediation.services import stage
from review.mediation.services.room import announce, locked_mediation, room_admits, store_event
from review.mediation.tables import (
    MediationAgreement,
    MediationAgreementConfirmation,
    MediationAgreementVersion,
)
from review.verdicts import services as verdicts

ISSUING_OFFICE = verdicts.ISSUING_OFFICE  # the office that keeps the record and answers /verify


def _number(value: Any, *, field: str) -> int:
    """A version number as a form or a body gives it (0 for "no version yet" where a base is asked for)."""
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        number = -1
    if number < 0:
        raise Invalid("invalid_field", "版本号应为不小于 0 的整数", field=field)
    return number


def _short(sha256: str) -> str:
    return sha256[:12]


async def _latest(mediation_id: int) -> dict[str, Any] | None:
    rows = await db.fetch(sql.LATEST_AGREEMENT_VERSION, mediation_id)
    return rows[0] if rows else None


async def _confirmations(mediation_id: int, *, latest: int) -> list[rules.Confirmation]:
    rows = await db.fetch(sql.AGREEMENT_CONFIRMATIONS, mediation_id)
    return rules.with_voiding([(r["party"], int(r["version"]), r["sha256"]) for r in rows], latest=latest)


async def sealed_of(mediation_id: int) -> dict[str, Any] | None:
    """The mediation's sealed agreement (with its version's text and its case), or None."""
    rows = await db.fetch(sql.SEALED_OF_MEDIATION, mediation_id)
    return rows[0] if rows else None


async def _refuse_if_sealed(mediation_id: int, *, doing: str) -> None:
    # Before the room's lock, which refuses a settled mediation in general terms: say why in the agreement's.
    rules.check_open(sealed=await sealed_of(mediation_id) is not None, doing=doing)


async def save_version(*, mediation_id: int, actor: Actor, text: Any, base_version: Any) -> dict[str, Any]:
    """修改协议草稿: a participant of the room saves a new version of the draft, made on `base_version` (the one
    they edited; 0 for the first draft). A stale base, an unchanged text and a sealed agreement are refused.
    Earlier confirmations are void from then on. The version: number, sha256, and the room event."""
    body = rules.draft_text(text, limit=settings.MEDIATION_AGREEMENT_MAX_CHARS)
    base = _number(base_version, field="base_version")
    await room_admits(mediation_id=mediation_id, actor=actor)
    await _refuse_if_sealed(mediation_id, doing="修改")
    async with db.transaction():
        mediation = await locked_mediation(mediation_id, doing="修改调解协议")
        latest = await _latest(mediation_id)
        latest_number = int(latest["number"]) if latest else 0
        rules.check_base(base=base, latest=latest_number)
        rules.check_changed(body, latest_text=latest["text"] if latest else None, latest=latest_number)
        number, sha = latest_number + 1, rules.digest(body)
        voided = [c for c in await _confirmations(mediation_id, latest=latest_number) if not c.voided]
        await MediationAgreementVersion.insert(MediationAgreementVersion(
            mediation=mediation_id, number=number, base=base, text=body, sha256=sha, author=actor.label,
            author_kind=actor.kind, at=clock.now(),
        )).run()
        note = f"，此前各方对第{latest_number}版的确认随之作废" if voided else ""
        event = await store_event(
            mediation=mediation, kind="draft", actor=actor,
            body=f"保存了调解协议草稿第{number}版（摘要 {_short(sha)}…）{note}",
            data={"version": number, "base": base, "text_sha256": sha, "voided": [c.party for c in voided]})
    await announce(event, mediation_id)  # after the commit: stored first, then announced
    return {"version": number, "sha256": sha, "event": event}


async def confirm(*, mediation_id: int, actor: Actor, version: Any, sha256: Any,
                  party: str | None = None) -> dict[str, Any]:
    """确认调解协议: the complainant, or a liaison for the department, confirms one version by its number and
    SHA-256. Refused: a stale version or hash, a second confirmation, anyone not a required party (or claiming to
    be another). The confirmation that completes every required party seals the agreement and settles the case.
    The confirmation: party, version, sealed, and the room event."""
    number = _number(version, field="version")
    room = await room_admits(mediation_id=mediation_id, actor=actor)
    await _refuse_if_sealed(mediation_id, doing="确认")
    sealed_id: int | None = None
    async with db.transaction():
        case = await cases.load_case_for_update(room["number"])  # the case first, then the mediation, as settling
        mediation = await locked_mediation(mediation_id, doing="确认调解协议")
        latest = await _latest(mediation_id)
        latest_number = int(latest["number"]) if latest else 0
        confirmations = await _confirmations(mediation_id, latest=latest_number)
        who = rules.check_confirmation(party=rules.party_of(actor.kind), claimed=party, version=number,
                                       sha256=str(sha256 or ""), latest=latest_number,
                                       latest_sha256=latest["sha256"] if latest else "", confirmed=confirmations)
        assert latest is not None  # check_confirmation refuses when there is no version
        sha = latest["sha256"]
        await MediationAgreementConfirmation.insert(MediationAgreementConfirmation(
            mediation=mediation_id, version=latest["id"], party=who, sha256=sha, actor=actor.label, at=clock.now(),
        )).run()
        confirmations.append(rules.Confirmation(who, number, sha, voided=False))
        sealed = rules.sealable(confirmations, latest=latest_number)
        body = f"{rules.PARTY_LABELS[who]}确认调解协议第{number}版（摘要 {_short(sha)}…）"
        if sealed:
            body += "；各方均已确认，协议签订封存，本案调解结案"
        event = await store_event(mediation=mediation, kind="confirm", actor=actor, body=body,
                                  data={"version": number, "party": who, "text_sha256": sha, "sealed": sealed})
        if sealed:
            sealed_id = await _seal(case=case, mediation=mediation, version=latest, actor=actor)
    await announce(event, mediation_id)
    if sealed_id is not None:
        await queue.enqueue("render_mediation_agreement", sealed_id)
    return {"party": who, "version": number, "sha256": sha, "sealed": sealed_id is not None, "event": event}


async def _seal(*, case: dict, mediation: dict, version: dict, actor: Actor) -> int:
    """Seal the agreement on `version` and settle the case (inside the confirming transaction). Its id."""
    inserted = await MediationAgreement.insert(MediationAgreement(
        mediation=mediation["id"], version=version["id"], sha256=version["sha256"],
        code=verdicts.new_verification_code(), sealed_at=clock.now(),
    )).returning(MediationAgreement.id).run()
    agreement_id: int = inserted[0]["id"]
    await audit.record(case_id=case["id"], actor=actor.label, action="mediation_agreement_sealed", data={
        "mediation_id": mediation["id"], "agreement_id": agreement_id, "version": int(version["number"]),
        "sha256": version["sha256"], "parties": list(rules.REQUIRED)})
    await stage.settle_in_transaction(
        case=case, mediation=mediation, actor=stage.AGREEMENT,
        reason=f"调解达成协议：协议第{version['number']}版经诉求人和承办部门确认",
        data={"agreement_id": agreement_id, "version": int(version["number"]), "sha256": version["sha256"]})
    return agreement_id


async def document_of(agreement_id: int) -> Any:
    """The sealed agreement as printed (review.mediation.document.AgreementDocument)."""
    # lazy: the document module loads WeasyPrint, which only the processes that render need
    from review.mediation.document import AgreementDocument, PrintedConfirmation

    rows = await db.fetch(sql.SEALED_BY_ID, agreement_id)
    if not rows:
        raise NotFound("agreement_not_found", "未找到该调解协议")
    sealed = rows[0]
    confirmed = [r for r in await db.fetch(sql.AGREEMENT_CONFIRMATIONS, sealed["mediation"])
                 if int(r["version"]) == int(sealed["version"])]
    sealed_at = clock.instant(sealed["sealed_at"])
    assert sealed_at is not None  # a sealed agreement has its time (NOT NULL)
    return AgreementDocument(
        issuing_office=ISSUING_OFFICE, case_number=sealed["case_number"],
        department_name=sealed["department_name"] or "", complainant_display=mask_name(sealed["complainant_name"]),
        text=sealed["text"], version=int(sealed["version"]), sha256=sealed["sha256"],
        sealed_on=sealed_at.astimezone(clock.CHINA).date(), sealed_at_text=clock.local_time(sealed_at),
        confirmations=tuple(PrintedConfirmation(rules.PARTY_LABELS[r["party"]], clock.local_label(r["at"]))
                            for r in confirmed),
        verification_code=sealed["code"],
        verify_url=f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{sealed['code']}",
    )


def _render(document: Any) -> bytes:
    # lazy: WeasyPrint loads only in the processes that render
    from review.mediation.document import render_agreement_pdf

    return render_agreement_pdf(document)


async def render(*, agreement_id: int) -> str:
    """Render and store the sealed agreement's PDF (content-addressed, beside the verdicts); one already rendered
    is left as it is. Its SHA-256."""
    rows = await db.fetch(sql.SEALED_BY_ID, agreement_id)
    if not rows:
        raise NotFound("agreement_not_found", "未找到该调解协议")
    if rows[0]["pdf_sha256"] and verdicts.stored_path(rows[0]["pdf_sha256"]).exists():
        return str(rows[0]["pdf_sha256"])
    pdf = await asyncio.to_thread(_render, await document_of(agreement_id))
    digest = await asyncio.to_thread(verdicts.store, pdf)
    async with db.transaction():
        current = (await db.fetch(sql.AGREEMENT_PDF_STATE + db.for_update(), agreement_id))[0]
        if current["pdf_sha256"]:
            return str(current["pdf_sha256"])  # a concurrent render recorded its file first (the same bytes)
        await MediationAgreement.update({
            MediationAgreement.pdf_sha256: digest, MediationAgreement.rendered_at: clock.now(),
        }).where(MediationAgreement.id == agreement_id).run()
        await audit.record(case_id=rows[0]["case_id"], actor=SYSTEM.label, action="mediation_agreement_rendered",
                           data={"agreement_id": agreement_id, "pdf_sha256": digest})
    return digest


async def unrendered_ids() -> list[int]:
    """Sealed agreements whose PDF is not stored yet."""
    return [int(r["id"]) for r in await db.fetch(sql.UNRENDERED_AGREEMENTS)]


async def sealed_pdf(*, mediation_id: int, actor: Actor) -> tuple[Path, str]:
    """The sealed agreement's PDF for a participant of the room: (file, verification code)."""
    await room_admits(mediation_id=mediation_id, actor=actor)
    sealed = await sealed_of(mediation_id)
    if sealed is None:
        raise NotFound("agreement_not_sealed", "调解协议尚未经各方确认签订")
    if not sealed["pdf_sha256"]:
        raise NotFound("agreement_not_ready", "调解协议书尚在生成，请稍后刷新")
    return verdicts.stored_path(sealed["pdf_sha256"]), str(sealed["code"])
