"""The hotline's base figures (基础数据) as rows to check: a department and a period, eight counts and the average
reply time, each row read from a CSV/XLSX table (Chinese or English headers) or a JSON object.

Pure: no database, no framework. Every row is checked and every problem named with its field, so that a file is
corrected in one round; the service stores nothing unless every row is good.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from review.assessments.periods import is_period
from review.core.errors import Invalid

# Column → (its Chinese header, its English header); the English name is the field's name everywhere else.
COLUMNS: dict[str, tuple[str, str]] = {
    "department_code": ("部门编码", "department_code"),
    "period": ("期间", "period"),
    "handled": ("受理量", "handled"),
    "replied": ("回复量", "replied"),
    "resolved": ("解决量", "resolved"),
    "rated": ("评价量", "rated"),
    "satisfied": ("满意", "satisfied"),
    "basic": ("基本满意", "basic"),
    "unsatisfied": ("不满意", "unsatisfied"),
    "overdue": ("超期", "overdue"),
    "avg_reply_days": ("平均回复工作日", "avg_reply_days"),
}
LABELS = {name: chinese for name, (chinese, _) in COLUMNS.items()}
COUNTS = ("handled", "replied", "resolved", "rated", "satisfied", "basic", "unsatisfied", "overdue")
# An average is not known for every department (none replied, or the hotline does not report it).
OPTIONAL = ("avg_reply_days",)
REQUIRED = tuple(name for name in COLUMNS if name not in OPTIONAL)
# What each column means, for the page that shows the expected columns.
MEANINGS = {
    "department_code": "平台上的部门编码，如 CDJT",
    "period": "月份 2026-11、季度 2026-Q4 或年度 2026",
    "handled": "受理的诉求件数",
    "replied": "已回复的件数",
    "resolved": "已解决的件数",
    "rated": "诉求人作出评价的件数",
    "satisfied": "评价为满意的件数",
    "basic": "评价为基本满意的件数",
    "unsatisfied": "评价为不满意的件数",
    "overdue": "超过办理时限的件数",
    "avg_reply_days": "从受理到回复的平均工作日，可不填",
}
# A sample the page shows and a file may start from.
SAMPLE = (
    ("CDJT", "2026-11", 1200, 1190, 1010, 800, 560, 150, 90, 43, 5.73),
    ("CDSW", "2026-11", 640, 636, 540, 420, 300, 80, 40, 12, ""),
)
# Far above any department's year (the busiest city hotlines take a few million cases a year, city-wide).
MAX_COUNT = 1_000_000_000
# 300 departments × (12 months + 4 quarters + 1 year) with room to spare.
MAX_ROWS = 20_000
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a row: the field (its English name; "" for the row as a whole) and, in Chinese, what."""

    field: str
    message: str


@dataclass(frozen=True)
class Figures:
    """One good row: the department (by code and id), the period and the figures."""

    department_code: str
    department_id: int
    period: str
    handled: int
    replied: int
    resolved: int
    rated: int
    satisfied: int
    basic: int
    unsatisfied: int
    overdue: int
    avg_reply_days: float | None

    @property
    def key(self) -> tuple[int, str]:
        return (self.department_id, self.period)

    def counts(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in COUNTS}

    def summary(self) -> str:
        """The row as the report shows it when it is good."""
        days = "" if self.avg_reply_days is None else f"，平均回复 {self.avg_reply_days:g} 个工作日"
        return (f"{self.department_code} {self.period}：受理 {self.handled}，回复 {self.replied}，"
                f"解决 {self.resolved}，评价 {self.rated}（满意 {self.satisfied}、基本满意 {self.basic}、"
                f"不满意 {self.unsatisfied}），超期 {self.overdue}{days}")


@dataclass(frozen=True)
class CheckedRow:
    """A row as checked: its number in the file (or its place in the list), the figures, or what is wrong."""

    row: int
    figures: Figures | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.figures is not None and not self.problems

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.field for p in self.problems if p.field))

    @property
    def message(self) -> str:
        if self.figures is not None and not self.problems:
            return self.figures.summary()
        return "；".join(p.message for p in self.problems)


def _named(field: str) -> str:
    return f"{LABELS[field]}（{field}）"


class _Wrong(ValueError):
    pass


def column_of(header: str) -> str | None:
    """The column a header names (Chinese or English, case and surrounding spaces ignored), or None."""
    text = header.strip().lstrip("\ufeff").lower()
    return next((name for name, names in COLUMNS.items() if text in {n.lower() for n in names}), None)


def missing_columns(headers: Iterable[str]) -> list[str]:
    """The required columns none of `headers` names, in the table's order."""
    found = {column_of(str(h)) for h in headers}
    return [name for name in REQUIRED if name not in found]


def check_columns(headers: Iterable[str]) -> None:
    """Refuse a table without every required column (422 naming them)."""
    missing = missing_columns(headers)
    if missing:
        raise Invalid("missing_columns", "缺少必需的列：" + "、".join(_named(m) for m in missing)
                      + "。第一行应为表头，中文或英文列名均可", field="file")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _count(value: Any) -> int:
    """A count: 12, 12.0 or "12" (a spreadsheet may hand a whole number as a float); never 12.5, -1 or text."""
    if isinstance(value, bool):
        raise _Wrong("应为非负整数")
    if isinstance(value, int):
        number: Decimal = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Wrong("应为非负整数")
        number = Decimal(repr(value))
    else:
        text = str(value).strip()
        if not _NUMBER.match(text):
            raise _Wrong(f"应为非负整数，不能是「{text[:20]}」")
        number = Decimal(text)
    if number < 0:
        raise _Wrong(f"不能为负数（{number.normalize():f}）")
    if number != number.to_integral_value():
        raise _Wrong(f"应为整数，不能是 {number.normalize():f}")
    if number > MAX_COUNT:
        raise _Wrong(f"不能超过 {MAX_COUNT}")
    return int(number)


def _days(value: Any) -> float | None:
    """The average reply time in working days: a non-negative number, or nothing."""
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        raise _Wrong("应为非负数字或留空")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            raise _Wrong("应为非负数字或留空") from None
    else:
        text = str(value).strip()
        try:
            number = float(Decimal(text)) if _NUMBER.match(text) else math.nan
        except InvalidOperation:
            number = math.nan
        if math.isnan(number):
            raise _Wrong(f"应为非负数字或留空，不能是「{text[:20]}」")
    if not math.isfinite(number):
        raise _Wrong("应为非负数字或留空")
    if number < 0:
        raise _Wrong(f"不能为负数（{number:g}）")
    return number


def _period(value: Any) -> str:
    """A month, quarter or year; a month that a spreadsheet turned into its first day (2026-11-01) reads back."""
    if isinstance(value, datetime | date):
        if value.day != 1:
            raise _Wrong(f"应为月份（如 2026-11）、季度（如 2026-Q4）或年度（如 2026），不能是日期 {value:%Y-%m-%d}")
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if not is_period(text):
        raise _Wrong(f"应为月份（如 2026-11）、季度（如 2026-Q4）或年度（如 2026），不能是「{text[:20]}」")
    return text


def _code(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cells(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's cells by column name, whichever headers the table used (the first header naming a column wins)."""
    found: dict[str, Any] = {}
    for header, value in row.items():
        name = column_of(str(header))
        if name is not None and name not in found:
            found[name] = value
    return found


def check_row(number: int, row: Mapping[str, Any], departments: Mapping[str, int]) -> CheckedRow:
    """One row checked alone: each field, then the counts against one another."""
    values = cells(row)
    problems: list[Problem] = []

    def wrong(field: str, message: str) -> None:
        problems.append(Problem(field, f"{_named(field)}{message}"))

    code = ""
    if _is_empty(values.get("department_code")):
        wrong("department_code", "未填写")
    else:
        code = _code(values["department_code"])
        if code not in departments:
            wrong("department_code", f"「{code[:40]}」不是平台上的部门")
    period = ""
    if _is_empty(values.get("period")):
        wrong("period", "未填写")
    else:
        try:
            period = _period(values["period"])
        except _Wrong as error:
            wrong("period", str(error))
    counts: dict[str, int] = {}
    for name in COUNTS:
        if _is_empty(values.get(name)):
            wrong(name, "未填写")
            continue
        try:
            counts[name] = _count(values[name])
        except _Wrong as error:
            wrong(name, str(error))
    days: float | None = None
    try:
        days = _days(values.get("avg_reply_days"))
    except _Wrong as error:
        wrong("avg_reply_days", str(error))

    if "handled" in counts:
        for name in ("replied", "resolved", "overdue", "rated"):
            if name in counts and counts[name] > counts["handled"]:
                wrong(name, f"为 {counts[name]}，超过受理量 {counts['handled']}")
    ratings = ("satisfied", "basic", "unsatisfied")
    if "rated" in counts and all(name in counts for name in ratings):
        total = sum(counts[name] for name in ratings)
        if total > counts["rated"]:
            problems.append(Problem("rated", f"满意、基本满意、不满意合计 {total}，超过{_named('rated')} {counts['rated']}"))
    if problems:
        return CheckedRow(number, None, tuple(problems))
    return CheckedRow(number, Figures(department_code=code, department_id=departments[code], period=period,
                                      avg_reply_days=days, **counts), ())


def check_rows(rows: Iterable[tuple[int, Mapping[str, Any]]], departments: Mapping[str, int]) -> list[CheckedRow]:
    """Every row checked, and a department's period given twice refused at its second row."""
    checked: list[CheckedRow] = []
    first: dict[tuple[int, str], int] = {}
    for number, row in rows:
        item = check_row(number, row, departments)
        if item.figures is not None:
            earlier = first.setdefault(item.figures.key, number)
            if earlier != number:
                figures = item.figures
                item = CheckedRow(number, None, (Problem(
                    "period", f"部门 {figures.department_code} 的期间 {figures.period} 与第 {earlier} 行重复，"
                    "同一部门同一期间在一次导入中只能有一行"),))
        checked.append(item)
    return checked


def check_table(rows: list[tuple[int, Mapping[str, Any]]], departments: Mapping[str, int]) -> list[CheckedRow]:
    """A whole table: refused outright when it has no rows or lacks a required column, else every row checked."""
    if not rows:
        raise Invalid("empty_file", "没有基础数据：第一行为表头（部门编码、期间、受理量……），其下每行一个部门一个期间",
                      field="file")
    if len(rows) > MAX_ROWS:
        raise Invalid("too_many_rows", f"一次最多导入 {MAX_ROWS} 行", field="file")
    check_columns({str(header) for _, row in rows for header in row})
    return check_rows(rows, departments)
