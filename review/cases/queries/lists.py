"""Read models for pages and the API: one query each, no queries in loops.

The office's case list (案件管理) pages through any number of cases by keyset: each page starts after the last
row of the one before (a signed cursor, `cursor.py`), never at an offset, so a page costs the same at the
millionth case as at the first and cases taken in meanwhile neither repeat nor push others off a page.

The counts per filter (by status, by department) are read from the indexes that lead with the filters and hold the
counted column, so they need no table rows (index-only scans on PostgreSQL once the table is vacuumed, as
autovacuum does). A process keeps them under their conditions and the cases' fingerprint (`COUNTS_FINGERPRINT`:
the newest case and the newest audit event, which every intake, screening and change of status writes), so a new
case or a case that moved shows in them at once and a page turned under the same filters counts nothing again;
what leaves no audit event (a seat accepted, for the member filter) shows within `COUNTS_KEPT_SECONDS`. A keyword
search counts at most `COUNT_CAP` matches: over that, the page says "1,000+" and the counts per filter appear once
the filters narrow the matches under the cap.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from review.cases.queries import cursor as cursors
from review.cases.queries.visibility import seated_case_ids
from review.core import clock, db, kept
from review.core.actors import Actor
from review.core.db import search
from review.core.enums import STATUS_LABELS, Channel
from review.core.errors import Invalid
from review.core.i18n import lazy_labels
from review.core.tables import Case, Department
from review.core.web import csrf
from review.deadlines import queries as deadlines

CASE_LIST_COLUMNS = (Case.id, Case.number, Case.status, Case.category, Case.district, Case.received_at,
                     Case.department.code.as_alias("department_code"),
                     Case.department.name.as_alias("department_name"))

PER_PAGE, MAX_PER_PAGE = 50, 200
CHANNEL_LABELS = lazy_labels({"hotline": "12345 热线", "mailbox": "市长信箱", "app": "移动端", "wechat": "微信",
                              "weibo": "微博", "web": "网站"})
SORTS = {"received": "受理时间（新的在前）", "due": "到期时间（先到期的在前）"}
# A keyword of 2 characters is below the trigram index's reach: it is read row by row over the cases received in
# at most this many days (the date range chosen, else the last ones up to its end).
SHORT_KEYWORD_DAYS = 92

COUNT_CAP = 1000  # a keyword search counts this many matches at most ("1,000+" beyond)
COUNTS_KEPT_SECONDS = 30.0  # the counts under the same fingerprint are read again after this at the latest
# What the counts depend on besides their conditions, read from two primary keys: a case taken in raises the first,
# a case screened, moved or closed (any change of status, each with its audit event) the second.
COUNTS_FINGERPRINT = "SELECT (SELECT max(id) FROM review_case) AS cases, (SELECT max(id) FROM audit_event) AS events"

_SELECT = ("SELECT c.id, c.number, c.status, c.category, c.district, c.channel, c.received_at,"
           " d.code AS department_code, d.name AS department_name"
           " FROM review_case c JOIN department d ON d.id = c.department")
_SEATED_OF_MEMBER = ('c.id IN (SELECT p."case" FROM seat s JOIN panel p ON p.id = s.panel'
                     " WHERE s.member = {} AND s.status = 'accepted' AND p.status != 'dissolved')")


@dataclass(frozen=True)
class CaseFilters:
    """The list's filters as checked (`checked_filters`); `department` is the department's id."""

    status: str = ""
    department: int | None = None
    department_code: str = ""
    district: str = ""
    category: str = ""
    channel: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    overdue: bool = False
    member: int | None = None
    sort: str = "received"
    q: str = ""

    def query_string(self, **extra: str) -> str:
        """The filters as a GET query (for the page's links), with `extra` added."""
        from urllib.parse import urlencode  # lazy: only pages with links build one

        pairs = {"status": self.status, "department": self.department_code, "district": self.district,
                 "category": self.category, "channel": self.channel,
                 "from": self.received_from.isoformat() if self.received_from else "",
                 "to": self.received_to.isoformat() if self.received_to else "",
                 "overdue": "1" if self.overdue else "", "member": str(self.member or ""),
                 "sort": "" if self.sort == "received" else self.sort, "q": self.q, **extra}
        return urlencode({k: v for k, v in pairs.items() if v})


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid("invalid_field", f"{name} 应为日期，如 2026-11-30", field=name) from None


async def _known(sql: str, value: Any) -> bool:
    return bool(await db.fetch(sql, value))


async def checked_filters(raw: Mapping[str, Any]) -> CaseFilters:
    """The filters as sent (query parameters); 422 naming the first one whose value names nothing known."""
    text = {k: str(raw.get(k) or "").strip() for k in ("status", "department", "district", "category", "channel",
                                                       "from", "to", "overdue", "member", "sort", "q")}
    if text["status"] and text["status"] not in STATUS_LABELS:
        raise Invalid("invalid_field", "status 不是已知的案件状态", field="status")
    if text["channel"] and text["channel"] not in {c.value for c in Channel}:
        raise Invalid("invalid_field", "channel 不是已知的诉求渠道", field="channel")
    if text["sort"] and text["sort"] not in SORTS:
        raise Invalid("invalid_field", "sort 应为 received（受理时间）或 due（到期时间）", field="sort")
    if text["overdue"] not in ("", "0", "1", "true", "false"):
        raise Invalid("invalid_field", "overdue 应为 1（仅看已逾期）或留空", field="overdue")
    department = None
    if text["department"]:
        rows = await db.fetch("SELECT id FROM department WHERE code = {}", text["department"])
        if not rows:
            raise Invalid("invalid_field", "department 不是已知的部门编码", field="department")
        department = int(rows[0]["id"])
    for name, label in (("district", "区域"), ("category", "诉求类别")):
        if text[name] and not await _known(f"SELECT 1 FROM review_case WHERE {name} = {{}} LIMIT 1", text[name]):
            raise Invalid("invalid_field", f"{name} 不是已有案件的{label}", field=name)
    member = None
    if text["member"]:
        if not text["member"].isascii() or not text["member"].isdigit() or len(text["member"]) > 9 or \
                not await _known("SELECT 1 FROM roster_member WHERE id = {}", int(text["member"])):
            raise Invalid("invalid_field", "member 不是评议员库中的评议员编号", field="member")
        member = int(text["member"])
    start, end = _date(text["from"], "from"), _date(text["to"], "to")
    if start and end and start > end:
        raise Invalid("invalid_field", "to 不能早于 from", field="to")
    q = text["q"]
    if len(q) == 1:
        raise Invalid("invalid_field", "q 关键词至少需要两个字", field="q")
    if len(q) > 100:
        raise Invalid("invalid_field", "q 关键词不能超过 100 个字", field="q")
    return CaseFilters(status=text["status"], department=department, department_code=text["department"],
                       district=text["district"], category=text["category"], channel=text["channel"],
                       received_from=start, received_to=end, overdue=text["overdue"] in ("1", "true"),
                       member=member, sort=text["sort"] or "received", q=q)


def _instant(day: dt.date) -> dt.datetime:
    """00:00 Beijing time on `day`, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.CHINA).astimezone(dt.UTC)


def _is_reference(q: str) -> bool:
    """A case number (PY…) or a hotline reference is looked up exactly, not searched as a keyword."""
    return q.isascii() and not any(ch.isspace() for ch in q) and any(ch.isdigit() for ch in q)


@dataclass
class _Where:
    parts: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def add(self, sql: str, *args: Any) -> None:
        self.parts.append(sql)
        self.args.extend(args)

    def sql(self) -> str:
        return " AND ".join(self.parts) or "1 = 1"


def _ids(ids: list[int] | set[int]) -> str:
    """Case ids (ints from our own reads, never input) inlined: a list may be longer than a statement's
    placeholders allow."""
    return ", ".join(str(int(i)) for i in sorted(ids)) or "0"


async def _where(actor: Actor, filters: CaseFilters, *, skip: str = "", overdue_ids: set[int] | None = None
                 ) -> _Where | None:
    """The conditions of the list under `filters` but `skip` (a count's own facet), for what `actor` may see;
    None when they may see nothing."""
    where = _Where()
    if actor.kind == "liaison":
        if actor.department_id is None:
            return None
        where.add("c.department = {}", actor.department_id)
    elif actor.kind == "member":
        where.add(f"c.id IN ({_ids(await seated_case_ids(actor.user_id or 0))})")
    elif actor.kind != "office":
        return None
    if filters.status and skip != "status":
        where.add("c.status = {}", filters.status)
    if filters.department is not None and skip != "department":
        where.add("c.department = {}", filters.department)
    for name in ("district", "category", "channel"):
        if getattr(filters, name):
            where.add(f"c.{name} = {{}}", getattr(filters, name))
    start, end = filters.received_from, filters.received_to
    q = filters.q
    if q and not _is_reference(q) and len(q) < search.MIN_INDEXED:
        # A short keyword is read row by row: only over a window of received dates (see SHORT_KEYWORD_DAYS).
        last = end or clock.now().astimezone(clock.CHINA).date()
        start = max(start or dt.date.min, last - dt.timedelta(days=SHORT_KEYWORD_DAYS - 1))
        end = last
    if start:
        where.add("c.received_at >= {}", _instant(start))
    if end:
        where.add("c.received_at < {}", _instant(end + dt.timedelta(days=1)))
    if filters.member is not None:
        where.add(_SEATED_OF_MEMBER, filters.member)
    if filters.overdue:
        where.add(f"c.id IN ({_ids(overdue_ids or set())})")
    if q:
        if _is_reference(q):
            where.add("(c.number = {} OR c.source_ref = {})", q, q)
        elif len(q) >= search.MIN_INDEXED:
            where.add(search.keyword_clause("c"), search.keyword_argument(q))
        else:
            where.add(search.short_keyword_clause("c"), search.short_keyword_argument(q),
                      search.short_keyword_argument(q))
    return where


@dataclass(frozen=True)
class CaseRow:
    id: int
    number: str
    status: str
    category: str
    district: str
    channel: str
    received_at: dt.datetime
    department_code: str
    department_name: str
    due: dt.datetime | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Count:
    """One filter value and its number of cases; `count` None when the matches were over `COUNT_CAP` and were
    not counted one by one."""

    key: str
    label: str
    count: int | None


@dataclass(frozen=True)
class CasePage:
    """One page of the list, the cursor of the next (None on the last), and the counts per filter: by status
    under every filter but the status, by department under every filter but the department."""

    items: list[CaseRow]
    next_cursor: str | None
    by_status: list[Count]
    by_department: list[Count]
    filters: CaseFilters
    short_keyword_window: tuple[dt.date, dt.date] | None = None
    over_cap: bool = False  # a keyword matched more than COUNT_CAP cases: the counts say "1,000+"


def _key() -> bytes:
    return csrf._key()  # the platform's signing key (SECRET_KEY, else the data folder's)


def _row(row: dict[str, Any], due: tuple[dt.datetime, bool] | None = None) -> CaseRow:
    at = clock.instant(row["received_at"])
    return CaseRow(int(row["id"]), str(row["number"]), str(row["status"]), str(row["category"]),
                   str(row["district"]), str(row["channel"]), at if at is not None else row["received_at"],
                   str(row["department_code"]), str(row["department_name"]),
                   due[0] if due else None, due[1] if due else False)


async def _clocks(filters: CaseFilters) -> dict[int, tuple[dt.datetime, bool]]:
    """Each case with a stage late or due within a working day (the clocks' overdue list): its earliest such
    due and whether it is late. Read only when the list filters on overdue or sorts by due date."""
    if not filters.overdue and filters.sort != "due":
        return {}
    found: dict[int, tuple[dt.datetime, bool]] = {}
    for row in await deadlines.open_late_rows():
        late = row.state == "overdue"
        before = found.get(row.case_id)
        if before is None or row.due < before[0]:
            found[row.case_id] = (row.due, late or (before[1] if before else False))
        elif late:
            found[row.case_id] = (before[0], True)
    return found


def _received_key(row: CaseRow) -> list[Any]:
    return [row.received_at.isoformat(), row.id]


async def case_page(actor: Actor, filters: CaseFilters, *, cursor: str | None = None, limit: int = PER_PAGE,
                    counts: bool = True) -> CasePage:
    """A page of the cases `actor` may see under `filters`: newest received first, or (sort=due) the cases
    whose current stage is late or due within a working day by their due time, then the rest newest first."""
    limit = max(1, min(limit, MAX_PER_PAGE))
    position = cursors.decode(cursor, _key(), sort=filters.sort) if cursor else {"sort": filters.sort}
    clocks = await _clocks(filters)
    overdue_ids = {case_id for case_id, (_, late) in clocks.items() if late}
    where = await _where(actor, filters, overdue_ids=overdue_ids)
    window = None
    if filters.q and not _is_reference(filters.q) and len(filters.q) < search.MIN_INDEXED:
        last = filters.received_to or clock.now().astimezone(clock.CHINA).date()
        window = (max(filters.received_from or dt.date.min, last - dt.timedelta(days=SHORT_KEYWORD_DAYS - 1)), last)
    if where is None:
        return CasePage([], None, [], [], filters, window)
    items: list[CaseRow] = []
    if filters.sort == "due" and position.get("phase", "due") == "due":
        # First the cases on the clocks' list, by due time (a few thousand at most: sorted here).
        rows = await db.fetch(f"{_SELECT} WHERE {where.sql()} AND c.id IN ({_ids(set(clocks))})", *where.args)
        timed = sorted((_row(r, clocks[int(r["id"])]) for r in rows), key=lambda r: (r.due, r.id))
        after = position.get("after")
        if after:
            timed = [r for r in timed if [r.due.isoformat() if r.due else "", r.id] > after]
        items = timed[:limit + 1]
        if len(items) > limit:
            items = items[:limit]
            last_due = items[-1].due
            return await _with_counts(actor, filters, items, cursors.encode(
                {"sort": "due", "phase": "due", "after": [last_due.isoformat() if last_due else "", items[-1].id]},
                _key()), counts, overdue_ids, window)
        position = {"sort": "due", "phase": "rest"}
    rest = limit - len(items)
    args = list(where.args)
    sql = f"{_SELECT} WHERE {where.sql()}"
    if filters.sort == "due":
        sql += f" AND c.id NOT IN ({_ids(set(clocks))})"
    if position.get("after") and position.get("phase", "rest") == "rest" or (
            filters.sort == "received" and position.get("after")):
        at, last_id = position["after"]
        sql += " AND (c.received_at < {} OR (c.received_at = {} AND c.id < {}))"
        moment = dt.datetime.fromisoformat(at)
        args += [moment, moment, int(last_id)]
    sql += " ORDER BY c.received_at DESC, c.id DESC LIMIT {}"
    rows = await db.fetch(sql, *args, rest + 1)
    more = [_row(r, clocks.get(int(r["id"]))) for r in rows]
    next_cursor = None
    if len(more) > rest:
        more = more[:rest]
        last = more[-1] if more else items[-1]
        next_cursor = cursors.encode({"sort": filters.sort, "phase": "rest", "after": _received_key(last)}
                                     if more else {"sort": filters.sort, "phase": "rest"}, _key())
    return await _with_counts(actor, filters, items + more, next_cursor, counts, overdue_ids, window)


async def _with_counts(actor: Actor, filters: CaseFilters, items: list[CaseRow], next_cursor: str | None,
                       counts: bool, overdue_ids: set[int], window: tuple[dt.date, dt.date] | None) -> CasePage:
    by_status: list[Count] = []
    by_department: list[Count] = []
    over_cap = False
    if counts:
        status_where = await _where(actor, filters, skip="status", overdue_ids=overdue_ids)
        department_where = await _where(actor, filters, skip="department", overdue_ids=overdue_ids)
        if status_where is not None and department_where is not None:
            by_status, by_department, over_cap = await _counts(filters, status_where, department_where)
    return CasePage(items, next_cursor, by_status, by_department, filters, window, over_cap)


_Counts = tuple[list[Count], list[Count], bool]
_kept_counts: kept.Kept[tuple[tuple[Any, ...], float, _Counts]] = kept.Kept(256)


@kept.forgettable
def forget_counts() -> None:
    _kept_counts.clear()


async def _counts(filters: CaseFilters, status_where: _Where, department_where: _Where) -> _Counts:
    """The counts by status and by department, as kept while the cases' fingerprint stays (see the module)."""
    key = (status_where.sql(), tuple(status_where.args), department_where.sql(), tuple(department_where.args))
    fingerprint = tuple((await db.fetch(COUNTS_FINGERPRINT))[0].values())
    found = _kept_counts.get(key)
    if found is not None and found[0] == fingerprint and time.monotonic() - found[1] < COUNTS_KEPT_SECONDS:
        return found[2]
    if filters.q and not _is_reference(filters.q):
        counted = await _capped_counts(status_where, department_where)
    else:
        counted = await _status_counts(status_where), await _department_counts(department_where), False
    _kept_counts.put(key, (fingerprint, time.monotonic(), counted))
    return counted


async def _status_counts(where: _Where) -> list[Count]:
    rows = await db.fetch(f"SELECT c.status AS key, COUNT(*) AS n FROM review_case c WHERE {where.sql()}"
                          " GROUP BY c.status", *where.args)
    found = {r["key"]: int(r["n"]) for r in rows}
    return [Count(k, label, found[k]) for k, label in STATUS_LABELS.items() if found.get(k)]


async def _department_counts(where: _Where) -> list[Count]:
    rows = await db.fetch(
        "SELECT d.code AS key, d.name AS label, n.n AS n FROM (SELECT c.department AS department,"
        f" COUNT(*) AS n FROM review_case c WHERE {where.sql()} GROUP BY c.department) n"
        " JOIN department d ON d.id = n.department ORDER BY n.n DESC, d.code", *where.args)
    return [Count(str(r["key"]), str(r["label"]), int(r["n"])) for r in rows]


async def _capped_rows(where: _Where) -> list[dict[str, Any]] | None:
    """The status and department of each case matching `where`, None when more than COUNT_CAP match."""
    rows = await db.fetch("SELECT c.status AS status, d.code AS code, d.name AS name FROM review_case c"
                          f" JOIN department d ON d.id = c.department WHERE {where.sql()} LIMIT {{}}",
                          *where.args, COUNT_CAP + 1)
    return None if len(rows) > COUNT_CAP else rows


async def _capped_counts(status_where: _Where, department_where: _Where) -> _Counts:
    """A keyword search's counts from at most COUNT_CAP + 1 matches per facet: exact under the cap; over it the
    statuses without their numbers (each still a link that narrows the search) and no departments."""
    status_rows = await _capped_rows(status_where)
    same = status_where.sql() == department_where.sql() and status_where.args == department_where.args
    department_rows = status_rows if same else await _capped_rows(department_where)
    if status_rows is None:
        by_status = [Count(k, label, None) for k, label in STATUS_LABELS.items()]
    else:
        statuses = Counter(str(r["status"]) for r in status_rows)
        by_status = [Count(k, label, statuses[k]) for k, label in STATUS_LABELS.items() if statuses.get(k)]
    by_department: list[Count] = []
    if department_rows is not None:
        names = {str(r["code"]): str(r["name"]) for r in department_rows}
        departments = Counter(str(r["code"]) for r in department_rows)
        by_department = [Count(code, names[code], n)
                         for code, n in sorted(departments.items(), key=lambda item: (-item[1], item[0]))]
    return by_status, by_department, status_rows is None or department_rows is None


async def case_list(actor: Actor, *, status: str | None = None, limit: int = 100) -> list[CaseRow]:
    """The newest cases the actor may see (a first page without counts), never personal data."""
    page = await case_page(actor, replace(CaseFilters(), status=status or ""), limit=limit, counts=False)
    return page.items


async def status_counts(actor: Actor) -> dict[str, int]:
    if actor.kind != "office":
        return {}
    key = ("all cases by status",)
    fingerprint = tuple((await db.fetch(COUNTS_FINGERPRINT))[0].values())
    found = _kept_counts.get(key)
    if found is not None and found[0] == fingerprint and time.monotonic() - found[1] < COUNTS_KEPT_SECONDS:
        return {c.key: c.count or 0 for c in found[2][0]}
    rows = await db.fetch("SELECT status, COUNT(*) AS n FROM review_case GROUP BY status")
    counted = [Count(str(r["status"]), "", int(r["n"])) for r in rows]
    _kept_counts.put(key, (fingerprint, time.monotonic(), (counted, [], False)))
    return {c.key: c.count or 0 for c in counted}


async def departments() -> list[dict[str, Any]]:
    return await Department.select(Department.code, Department.name, Department.level).order_by(Department.code).run()


def case_summary(case: dict, *, with_personal_data: bool) -> dict:
    """A case as the API shows it; the complainant's phone only for those who handle the case (the others, members
    and liaisons, see the name: `visibility.SEES_PERSONAL_DATA`)."""
    out = {
        "case_number": case["number"], "status": case["status"], "category": case["category"],
        "district": case["district"], "channel": case["channel"],
        "received_at": case["received_at"].isoformat(), "content": case["content"], "reply": case["reply"],
        "status_reason": case["status_reason"],
    }
    out["complainant"] = {"name": case["complainant_name"],
                          "phone": case["complainant_phone"] if with_personal_data else None}
    return out
