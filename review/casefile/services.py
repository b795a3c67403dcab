"""Adding to a case file (补充材料): the complainant's statement and photos, the department's statement and
evidence, the office's material received on paper. One service, the same for the web form and the API."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

from piccolo.query.functions.aggregate import Count, Sum

from review.casefile.domain import files as rules
from review.casefile.queries import CLOSED_TO_ADDITIONS
from review.casefile.tables import CaseAddition, CaseAttachment, CaseBlob
from review.cases.lifecycle import Action
from review.cases.queries.visibility import may_see
from review.cases.services import load_case_for_update
from review.core import clock, db
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.file_kinds import CheckedFile, Upload
from review.core.tables import AuditEvent

# The actor kind → the party the addition is filed under, and the audit action that records it.
PARTIES = {"complainant": "complainant", "liaison": "department", "office": "office"}
ACTIONS = {"complainant": "complainant_statement_added", "department": "department_statement_added",
           "office": "office_material_added"}
AFTER_SCORING = "评分开始后提交"


async def _scoring_started(case_id: int) -> bool:
    return bool(await AuditEvent.exists().where(
        (AuditEvent.case == case_id) & (AuditEvent.action == Action.start_scoring.value)).run())


async def _kept(case_id: int) -> tuple[int, int]:
    """How many files, and how many bytes, the case's file holds."""
    row = await CaseAttachment.select(Count(CaseAttachment.id, alias="files"),
                                      Sum(CaseAttachment.size, alias="bytes")).where(
        CaseAttachment.case == case_id).first().run()
    return int(row["files"] or 0) if row else 0, int(row["bytes"] or 0) if row else 0


async def _store(case_id: int, addition_id: int, checked: Sequence[CheckedFile]) -> list[int]:
    """Each file's bytes under their digest (once, however often sent), and its attachment row."""
    if not checked:
        return []
    for f in checked:
        await CaseBlob.insert(CaseBlob(sha256=f.sha256, size=f.size, content=f.content)).on_conflict(
            target=CaseBlob.sha256, action="DO NOTHING").run()
    rows = await CaseAttachment.insert(*[CaseAttachment(
        addition=addition_id, case=case_id, filename=f.filename, content_type=f.kind.media_type, size=f.size,
        sha256=f.sha256, re_encoded=f.kind in rules.FILE_KINDS[:2],
    ) for f in checked]).returning(CaseAttachment.id).run()
    return [int(r["id"]) for r in rows]


async def add_to_file(*, number: str, actor: Actor, statement: str = "", files: Sequence[Upload] = (),
                      statement_required: bool = False, files_required: bool = False) -> int:
    """补充材料: a party's statement and files go into the case file together, or, when anything is refused,
    nothing does. Audited on the case (digests and sizes, never the text or the files' names); marked when
    the panel had started scoring. The addition's id."""
    party = PARTIES.get(actor.kind)
    if party is None:
        raise Forbidden("forbidden", "只有诉求人、承办部门联络员和评议办可以补充案卷材料")
    if files_required and not files:
        raise Invalid("file_required", "请选择要上传的文件", field="files")
    text = rules.check_statement(statement, files=len(files), required=statement_required)
    # Decoding and re-encoding photos takes a while: off the event loop, and before anything is locked.
    checked = await asyncio.to_thread(rules.check_files, files)
    async with db.transaction():
        case = await load_case_for_update(number.strip().upper())
        if not await may_see(actor, case):
            raise NotFound("case_not_found", "未找到该案件")
        if case["status"] in CLOSED_TO_ADDITIONS:
            raise Conflict("case_ended", "本案已结束，不能再补充材料")
        kept_files, kept_bytes = await _kept(case["id"])
        rules.check_case_room(kept_files=kept_files, kept_bytes=kept_bytes, adding=checked)
        after_scoring = await _scoring_started(case["id"])
        digest = hashlib.sha256(text.encode()).hexdigest() if text else ""
        inserted = await CaseAddition.insert(CaseAddition(
            case=case["id"], party=party, statement=text, statement_sha256=digest, after_scoring=after_scoring,
            added_at=clock.now(), added_by=actor.user_id if actor.kind != "complainant" else None,
        )).returning(CaseAddition.id).run()
        addition_id = int(inserted[0]["id"])
        ids = await _store(case["id"], addition_id, checked)
        await audit.record(case_id=case["id"], actor=actor.label, action=ACTIONS[party],
                           reason=AFTER_SCORING if after_scoring else "", data={
                               "addition": addition_id, "party": party, "statement_sha256": digest,
                               "statement_chars": len(text), "after_scoring": after_scoring,
                               "files": [{"id": i, "size": f.size, "sha256": f.sha256, "type": f.kind.media_type}
                                         for i, f in zip(ids, checked, strict=True)]})
    return addition_id
