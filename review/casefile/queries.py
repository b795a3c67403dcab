"""Reads of the parties' additions to a case file: the list a case page and the API show, and one file's bytes
for whoever may see the case. The caller of `additions` has checked the actor may see the case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from review.casefile.domain import files as rules
from review.cases.queries.visibility import text_masker, visible_case
from review.core import db
from review.core.actors import Actor
from review.core.enums import ENDED, CaseStatus
from review.core.errors import NotFound
from review.core.file_kinds import KINDS, size_text
from review.core.params import LARGEST as ID_MAX

PARTY_LABELS = {"complainant": "诉求人", "department": "承办部门", "office": "评议办"}
FILE_NOT_FOUND = ("case_file_not_found", "未找到该附件")
# Who may add to the file, by the kind of actor (members read it).
MAY_ADD = frozenset({"complainant", "liaison", "office"})
# The limits the form states.
LIMITS = {"text": rules.LIMITS_TEXT, "statement_max": rules.STATEMENT_MAX}
# A case that ended takes no more additions.
CLOSED_TO_ADDITIONS = frozenset({*ENDED, CaseStatus.closed})

_ADDITIONS = (
    "SELECT a.id, a.party, a.statement, a.statement_sha256, a.after_scoring, a.added_at,"
    " c.complainant_name, c.complainant_phone, c.complainant_id_number, c.complainant_address"
    ' FROM case_addition a JOIN review_case c ON c.id = a."case" WHERE a."case" = {} ORDER BY a.id'
)
_ATTACHMENTS = (
    "SELECT id, addition, filename, content_type, size, sha256, re_encoded FROM case_attachment"
    ' WHERE "case" = {} ORDER BY id'
)
_ATTACHMENT = (
    "SELECT a.id, a.filename, a.content_type,"
    " c.complainant_name, c.complainant_phone, c.complainant_id_number, c.complainant_address"
    ' FROM case_attachment a JOIN review_case c ON c.id = a."case" WHERE a.id = {} AND a."case" = {}'
)
_CONTENT = "SELECT content FROM case_blob WHERE sha256 = (SELECT sha256 FROM case_attachment WHERE id = {})"


@dataclass(frozen=True)
class FileView:
    id: int
    filename: str
    content_type: str
    kind_label: str  # JPEG / PNG / PDF
    size: int
    size_text: str
    sha256: str
    re_encoded: bool


@dataclass(frozen=True)
class AdditionView:
    id: int
    party: str
    party_label: str  # 诉求人 / 承办部门 / 评议办
    statement: str
    statement_sha256: str
    after_scoring: bool  # 评分开始后提交
    added_at: datetime
    files: list[FileView] = field(default_factory=list)


@dataclass(frozen=True)
class StoredFile:
    id: int
    filename: str
    content_type: str
    content: bytes

    @property
    def fallback_name(self) -> str:
        """The name in ASCII for clients that read no UTF-8 name: its id and its kind's suffix."""
        return f"case-file-{self.id}{rules.suffix_of(self.content_type)}"


def _label(media_type: str) -> str:
    return next((k.label for k in KINDS if k.media_type == media_type), media_type)


async def additions(actor: Actor, case_id: int) -> list[AdditionView]:
    """The case's additions, oldest first, each with its files: masked, as the complaint is, for all but the
    office and the complainant (a statement or a file's name may name people)."""
    rows = await db.fetch(_ADDITIONS, case_id)
    if not rows:
        return []
    mask = text_masker(actor, rows[0])
    by_addition: dict[int, list[FileView]] = {}
    for f in await db.fetch(_ATTACHMENTS, case_id):
        by_addition.setdefault(f["addition"], []).append(FileView(
            id=f["id"], filename=mask(f["filename"]), content_type=f["content_type"],
            kind_label=_label(f["content_type"]), size=f["size"], size_text=size_text(f["size"]),
            sha256=f["sha256"], re_encoded=bool(f["re_encoded"])))
    return [AdditionView(id=r["id"], party=r["party"], party_label=PARTY_LABELS.get(r["party"], r["party"]),
                         statement=mask(r["statement"]), statement_sha256=r["statement_sha256"],
                         after_scoring=bool(r["after_scoring"]), added_at=db_time(r["added_at"]),
                         files=by_addition.get(r["id"], []))
            for r in rows]


def db_time(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


async def stored_file(*, number: str, file_id: int, actor: Actor) -> StoredFile:
    """One file of the case's additions, for whoever may see the case; the same 404 when the case is hidden
    from `actor`, or the file is missing or another case's."""
    case = await visible_case(actor, number)
    if file_id > ID_MAX:  # beyond any row (and beyond PostgreSQL's integer)
        raise NotFound(*FILE_NOT_FOUND)
    rows = await db.fetch(_ATTACHMENT, file_id, case["id"])
    if not rows:
        raise NotFound(*FILE_NOT_FOUND)
    found = rows[0]
    # The bytes only once the file is known to be theirs to read.
    content = await db.fetch(_CONTENT, file_id)
    if not content:
        raise NotFound(*FILE_NOT_FOUND)
    mask = text_masker(actor, found)
    return StoredFile(id=found["id"], filename=mask(found["filename"]), content_type=found["content_type"],
                      content=bytes(content[0]["content"]))
