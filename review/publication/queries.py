"""Publication's reads: what one case's publication depends on, what would be published (the preview the
complainant sees is built by the same function that publishing uses), and the public list and page."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from review.core import db
from review.core.actors import Actor
from review.core.db import dialect
from review.core.errors import Invalid, NotFound
from review.core.leak_gate import kind_label
from review.core.privacy import Complainant, masker
from review.publication import rules, sql
from scoring.domain.aggregate import GRADE_LABELS


@dataclass(frozen=True)
class ScoreLine:
    code: str
    name: str
    weight: float
    mean: float
    scale_max: int


@dataclass(frozen=True)
class PublicContent:
    """Everything a published ruling shows, masked (what the leak gate checks before it is written)."""

    verdict_number: str
    verdict_code: str
    department_name: str
    category: str
    district: str
    grade: str
    total: float
    summary: str
    reply: str
    reasoning: str
    scores: tuple[ScoreLine, ...]
    criteria_name: str
    criteria_version: int
    criteria_hash: str
    issued_on: date | None

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS.get(self.grade, self.grade)

    def texts(self) -> dict[str, str]:
        """The free text of the ruling by where it stands, for the leak gate."""
        return {"诉求摘要": self.summary, "部门答复": self.reply, "评议理由": self.reasoning,
                "评分表": "；".join(f"{s.code} {s.name}" for s in self.scores),
                "案件信息": f"{self.department_name} {self.category} {self.district} {self.criteria_name}"}

    def allowed(self) -> tuple[str, ...]:
        """What the ruling must carry that a detector could take for someone's number."""
        return (self.verdict_number, self.verdict_code, self.criteria_hash)


def _value(row: dict[str, Any], key: str) -> Any:
    return db.json_value(row[key]) if row.get(key) is not None else None


async def standing_row(*, case_id: int | None = None, number: str | None = None) -> dict[str, Any] | None:
    """The case's publication facts in one row (`sql.CASE_STANDING`), or None if there is no such case."""
    if case_id is not None:
        rows = await db.fetch(sql.STANDING_OF_CASE, case_id)
    else:
        rows = await db.fetch(sql.STANDING_OF_NUMBER, (number or "").strip().upper())
    return rows[0] if rows else None


def standing_of(row: dict[str, Any]) -> rules.Standing:
    return rules.Standing(consent=row["consent"], settled_in_mediation=bool(row["settled"]),
                          verdict_status=row["verdict_status"], public_file=bool(row["public_sha256"]),
                          held=row["hold_reason"] is not None)


def known_of(row: dict[str, Any]) -> Complainant:
    return Complainant.of_case(row)


async def criteria_of(criteria_set: int) -> list[dict[str, Any]]:
    return await db.fetch(sql.CRITERIA_OF_SET, criteria_set)


def content_of(row: dict[str, Any], criteria: list[dict[str, Any]]) -> PublicContent:
    """The ruling as it would be published: the complaint, the reply and the reasoning masked."""
    mask = masker(row)
    per = _value(row, "per_criterion") or {}
    return PublicContent(
        verdict_number=row["verdict_number"] or "", verdict_code=row["verdict_code"] or "",
        department_name=row["department_name"], category=row["category"], district=row["district"],
        grade=row["grade"] or "", total=float(row["total"] or 0.0),
        summary=mask(row["content"]), reply=mask(row["reply"]), reasoning=mask(row["reasoning"] or ""),
        scores=tuple(ScoreLine(c["code"], c["name"], float(c["weight"]), float(per.get(c["code"], 0.0)),
                               int(c["scale_max"])) for c in criteria),
        criteria_name=row["criteria_name"] or "", criteria_version=int(row["criteria_version"] or 0),
        criteria_hash=row["criteria_hash"] or "", issued_on=_day(row["issued_on"]),
    )


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class ConsentView:
    """The complainant's consent block: their answer, its history, whether they may change it, the preview."""

    answer: str | None
    history: list[dict[str, Any]]
    closed_because: str | None  # why the answer may no longer change
    published: bool
    preview: PublicContent | None  # None before the ruling: only the complaint is known yet
    summary_preview: str  # the masked complaint, shown before the ruling too
    why_not: str | None  # why it is not published (yet), in words
    ended: bool = False  # the case ended without a ruling: nothing to ask

    @property
    def answer_label(self) -> str:
        return rules.ANSWERS.get(self.answer or "", rules.UNANSWERED)

    @property
    def history_words(self) -> list[tuple[str, Any]]:
        """Each answer given, oldest first: (its label, when)."""
        return [(rules.ANSWERS.get(h["answer"], h["answer"]), h["answered_at"]) for h in self.history]


async def consent_view(*, actor: Actor) -> ConsentView:
    """What the complainant's tracking page (and the API) shows of publication for their case."""
    if actor.kind != "complainant" or actor.case_id is None:
        raise NotFound("case_not_found", "未找到该案件")
    row = await standing_row(case_id=actor.case_id)
    if row is None:
        raise NotFound("case_not_found", "未找到该案件")
    history = await db.fetch(
        "SELECT answer, channel, answered_at FROM publication_consent WHERE \"case\" = {} ORDER BY id",
        row["id"])
    published = row["published_status"] == "published"
    preview = None
    if row["ruling_id"] is not None:
        preview = content_of(row, await criteria_of(row["criteria_set"]))
    reason = rules.refusal(standing_of(row))
    return ConsentView(
        answer=row["consent"], history=history,
        closed_because=rules.may_answer(case_status=row["status"], published=published),
        published=published, preview=preview, summary_preview=masker(row)(row["content"]),
        why_not=None if published else rules.REASONS.get(reason or "", None),
        ended=row["status"] in rules.ENDED_WITHOUT_RULING,
    )


# --- the public list -------------------------------------------------------------------------------------

PAGE_SIZE = 20
GRADES = dict(GRADE_LABELS)
_PUBLIC = ("SELECT p.id, p.verdict_number, p.verdict_code, p.department_name, p.category, p.district, p.grade,"
           " p.total, p.summary, p.reply, p.reasoning, p.scores, p.criteria_name, p.criteria_version,"
           " p.criteria_hash, p.issued_on, p.published_at"
           " FROM published_ruling p JOIN verdict v ON v.id = p.verdict_id"
           " WHERE p.status = 'published' AND v.status = 'valid'")


@dataclass(frozen=True)
class Filters:
    department: str = ""  # department code
    category: str = ""
    district: str = ""
    grade: str = ""
    since: date | None = None
    until: date | None = None
    keyword: str = ""

    def query(self) -> dict[str, str]:
        """The filters as a query string's fields (for the next page's link)."""
        values = {"department": self.department, "category": self.category, "district": self.district,
                  "grade": self.grade, "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else "", "q": self.keyword}
        return {k: v for k, v in values.items() if v}


def _date(params: Any, key: str) -> date | None:
    text = str(params.get(key, "") or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("invalid_date", "日期格式应为 YYYY-MM-DD", field=key) from None


def parse_filters(params: Any) -> Filters:
    """The filters of a query string; a malformed one is refused naming its field."""
    grade = str(params.get("grade", "") or "").strip()
    if grade and grade not in GRADES:
        raise Invalid("invalid_grade", "评议结论应为 proper、basic 或 improper", field="grade")
    keyword = str(params.get("q", "") or "").strip()
    if len(keyword) > 50:
        raise Invalid("keyword_too_long", "关键词不能超过 50 个字", field="q")
    filters = Filters(department=str(params.get("department", "") or "").strip().upper(),
                      category=str(params.get("category", "") or "").strip()[:50],
                      district=str(params.get("district", "") or "").strip()[:50], grade=grade,
                      since=_date(params, "since"), until=_date(params, "until"), keyword=keyword)
    if filters.since and filters.until and filters.since > filters.until:
        raise Invalid("invalid_period", "起始日期不能晚于截止日期", field="since")
    return filters


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(filters: Filters) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if filters.department:
        clauses.append("p.department = (SELECT id FROM department WHERE code = {})")
        args.append(filters.department)
    for column, value in (("category", filters.category), ("district", filters.district), ("grade", filters.grade)):
        if value:
            clauses.append(f"p.{column} = {{}}")
            args.append(value)
    if filters.since:
        clauses.append("p.issued_on >= {}")
        args.append(filters.since)
    if filters.until:
        clauses.append("p.issued_on <= {}")
        args.append(filters.until)
    if filters.keyword:
        # PostgreSQL: the expression its trigram index is built on (review.core.db.search).
        clauses.append(dialect.pick(postgres="((p.summary || ' '::text) || p.reasoning) LIKE {} ESCAPE '\\'",
                                    sqlite="(p.summary || ' ' || p.reasoning) LIKE {} ESCAPE '\\'"))
        args.append(_like(filters.keyword))
    return "".join(f" AND {c}" for c in clauses), args


@dataclass(frozen=True)
class Published:
    """One published ruling as the list and its page show it."""

    id: int
    content: PublicContent
    published_at: datetime | None

    @property
    def pdf_url(self) -> str:
        return f"/verify/{self.content.verdict_code}/public.pdf"

    @property
    def verify_url(self) -> str:
        return f"/verify/{self.content.verdict_code}"


@dataclass
class RulingPage:
    items: list[Published]
    filters: Filters
    next_cursor: str | None
    held: int  # rulings the office holds back (the public sees the count)
    facets: dict[str, list[Any]] = field(default_factory=dict)


def _published(row: dict[str, Any]) -> Published:
    scores = _value(row, "scores") or []
    content = PublicContent(
        verdict_number=row["verdict_number"], verdict_code=row["verdict_code"],
        department_name=row["department_name"], category=row["category"], district=row["district"],
        grade=row["grade"], total=float(row["total"]), summary=row["summary"], reply=row["reply"],
        reasoning=row["reasoning"], scores=tuple(ScoreLine(**s) for s in scores),
        criteria_name=row["criteria_name"], criteria_version=int(row["criteria_version"]),
        criteria_hash=row["criteria_hash"], issued_on=_day(row["issued_on"]))
    return Published(row["id"], content, row["published_at"])


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        before = json.loads(base64.urlsafe_b64decode(padded.encode()))["before"]
        return int(before)
    except (ValueError, KeyError, TypeError):
        raise Invalid("invalid_cursor", "翻页参数无效", field="cursor") from None


async def search(filters: Filters, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> RulingPage:
    """Published rulings newest first under the filters, a page at a time (keyset on the id: each page is one
    indexed range read, however deep)."""
    where, args = _where(filters)
    before = decode_cursor(cursor)
    if before is not None:
        where += " AND p.id < {}"
        args.append(before)
    rows = await db.fetch(_PUBLIC + where + " ORDER BY p.id DESC LIMIT {}", *args, limit + 1)
    items = [_published(r) for r in rows[:limit]]
    more = len(rows) > limit
    return RulingPage(items=items, filters=filters,
                      next_cursor=encode_cursor(items[-1].id) if more and items else None,
                      held=await held_count(), facets=await facets())


async def held_count() -> int:
    rows = await db.fetch("SELECT COUNT(*) AS n FROM publication_hold")
    return int(rows[0]["n"])


async def facets() -> dict[str, list[Any]]:
    """The departments, categories and districts the published rulings have: the filters' choices."""
    rows = await db.fetch(
        "SELECT DISTINCT d.code, d.name FROM published_ruling p JOIN department d ON d.id = p.department"
        " WHERE p.status = 'published' ORDER BY d.code")
    categories = await db.fetch(
        "SELECT DISTINCT category FROM published_ruling WHERE status = 'published' ORDER BY category")
    districts = await db.fetch(
        "SELECT DISTINCT district FROM published_ruling WHERE status = 'published' ORDER BY district")
    return {"departments": [{"code": r["code"], "name": r["name"]} for r in rows],
            "categories": [r["category"] for r in categories], "districts": [r["district"] for r in districts]}


async def one(ruling_id: int) -> Published:
    """One published ruling; the same 404 for one never published and one withdrawn since."""
    rows = await db.fetch(_PUBLIC + " AND p.id = {}", ruling_id)
    if not rows:
        raise NotFound("ruling_not_found", "未找到该公开的评议结论")
    return _published(rows[0])


async def case_part(actor: Actor, case: dict[str, Any]) -> Any:
    """What the case page shows of publication to `actor`: the complainant's block, the office's, or nothing."""
    if actor.kind == "complainant":
        return await consent_view(actor=actor)
    if actor.kind == "office":
        return await office_state(case["number"])
    return None


async def office_state(number: str) -> dict[str, Any] | None:
    """What the office's case page shows of publication: the answer, the hold, the published row, the reason."""
    row = await standing_row(number=number)
    if row is None:
        return None
    reason = rules.refusal(standing_of(row))
    stops = await db.fetch(sql.OPEN_STOPS_OF_CASE, row["id"])
    return {"answer": rules.ANSWERS.get(row["consent"] or "", "尚未答复"), "hold_reason": row["hold_reason"],
            "stops": [{"output": s["output"], "subject": s["subject"], "stopped_at": s["stopped_at"],
                       "places": "；".join(f"{h['where']}：{kind_label(h['kind'])}" for h in db.json_list(s["hits"]))}
                      for s in stops],
            "published": row["published_status"] == "published", "published_id": row["published_id"],
            "why_not": rules.REASONS.get(reason or "") if reason else None,
            "ended": row["status"] in rules.ENDED_WITHOUT_RULING}
