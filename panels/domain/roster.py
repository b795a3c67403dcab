"""Roster rows and declarations: parsing and checking what an office or a member enters (pure)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from review.core.labels import ROLE_LABELS

# What people write in a spreadsheet's 角色 column, besides the codes themselves.
_ROLE_WORDS = {
    "律师": "lawyer",
    "人大代表": "deputy",
    "政协委员": "deputy",
    "人大代表/政协委员": "deputy",
    "群众代表": "resident",
    "居民代表": "resident",
    "专家": "expert",
    "镇街代表": "township",
    "镇（街）代表": "township",
}
# Column headers accepted in Chinese as well as in English.
_HEADERS = {
    "姓名": "name",
    "角色": "role",
    "区域": "district",
    "所在区": "district",
    "社区": "community",
    "工作单位": "employer",
    "关联部门": "affiliations",
    "关联组织": "organisations",
    "专业领域": "expertise",
    "同时在评上限": "max_panels",
    "启用": "active",
    "登录名": "username",
}
_LIST_SPLIT = re.compile(r"[,，、;；\s]+")
MAX_PANELS_LIMIT = 20


class RowError(ValueError):
    """A cell that cannot be taken, with the column it is in."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class MemberInput:
    """One roster member as entered, checked for form but not yet against the database."""

    name: str
    role: str
    district: str
    community: str = ""
    employer: str = ""
    affiliations: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    expertise: tuple[str, ...] = ()
    max_panels: int = 3
    active: bool = True
    username: str = ""


@dataclass(frozen=True)
class Period:
    """A declared period in which a member cannot serve, both days included."""

    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def split_list(value: Any) -> tuple[str, ...]:
    """A cell like "CDJT、CDSW" or a JSON list as a tuple without blanks or repeats, order kept."""
    items = value if isinstance(value, list | tuple) else _LIST_SPLIT.split(_text(value))
    seen: dict[str, None] = {}
    for item in items:
        cleaned = _text(item)
        if cleaned:
            seen.setdefault(cleaned, None)
    return tuple(seen)


def affiliation_codes(value: Any) -> tuple[str, ...]:
    """Affiliation codes as the conflict rules compare them: upper case, without repeats, order kept."""
    return tuple(dict.fromkeys(code.upper() for code in split_list(value)))


def parse_role(value: Any) -> str:
    text = _text(value)
    role = text if text in ROLE_LABELS else _ROLE_WORDS.get(text)
    if role is None:
        raise RowError("role", f"角色“{text}”无法识别，应为：{'、'.join(ROLE_LABELS.values())}")
    return role


def _parse_max_panels(value: Any) -> int:
    text = _text(value)
    if not text:
        return 3
    try:
        value = float(text)  # a spreadsheet may hold the count as 3.0
    except ValueError:
        raise RowError("max_panels", f"同时在评上限“{text}”不是整数") from None
    if not math.isfinite(value) or not value.is_integer():
        raise RowError("max_panels", f"同时在评上限“{text}”不是整数")
    number = int(value)
    if not 1 <= number <= MAX_PANELS_LIMIT:
        raise RowError("max_panels", f"同时在评上限应在 1 到 {MAX_PANELS_LIMIT} 之间")
    return number


def _parse_active(value: Any) -> bool:
    text = _text(value).lower()
    if text in ("", "是", "1", "true", "yes", "启用"):
        return True
    if text in ("否", "0", "false", "no", "停用"):
        return False
    raise RowError("active", f"启用一栏“{text}”应为 是 或 否")


def normalise_headers(row: dict[str, Any]) -> dict[str, Any]:
    return {_HEADERS.get(_text(key), _text(key)): value for key, value in row.items()}


def parse_member_row(row: dict[str, Any]) -> MemberInput:
    """A spreadsheet row (Chinese or English headers) as a member, or RowError naming the column."""
    cells = normalise_headers(row)
    name = _text(cells.get("name"))
    if not name:
        raise RowError("name", "姓名不能为空")
    if len(name) > 64:
        raise RowError("name", "姓名过长（最多 64 个字）")
    district = _text(cells.get("district"))
    if not district:
        raise RowError("district", "区域不能为空")
    username = _text(cells.get("username"))
    if username and not re.fullmatch(r"[A-Za-z0-9_.\-]{3,64}", username):
        raise RowError("username", "登录名只能包含字母、数字和 _ . -，长度 3–64")
    return MemberInput(
        name=name,
        role=parse_role(cells.get("role")),
        district=district,
        community=_text(cells.get("community")),
        employer=_text(cells.get("employer")),
        affiliations=affiliation_codes(cells.get("affiliations")),
        organisations=split_list(cells.get("organisations")),
        expertise=split_list(cells.get("expertise")),
        max_panels=_parse_max_panels(cells.get("max_panels")),
        active=_parse_active(cells.get("active")),
        username=username,
    )


def parse_periods(value: Any) -> tuple[Period, ...]:
    """Declared unavailable periods from JSON ([{"from", "to"}]) or lines like "2026-12-01 至 2026-12-15"."""
    entries: list[tuple[str, str]] = []
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, dict):
                raise RowError("unavailable", "不能参加评议的时段格式有误")
            entries.append((_text(item.get("from")), _text(item.get("to"))))
    else:
        for line in _text(value).splitlines():
            if line.strip():
                parts = re.split(r"\s*(?:至|到|~|～|—|--)\s*", line.strip())
                entries.append((parts[0], parts[-1]))
    periods = []
    for start_text, end_text in entries:
        try:
            start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
        except ValueError:
            raise RowError("unavailable", f"日期“{start_text} 至 {end_text}”应写作 2026-12-01 至 2026-12-15") from None
        if end < start:
            raise RowError("unavailable", f"时段 {start_text} 至 {end_text} 的结束早于开始")
        periods.append(Period(start, end))
    return tuple(sorted(periods, key=lambda p: (p.start, p.end)))


def periods_json(periods: tuple[Period, ...]) -> list[dict[str, str]]:
    return [{"from": p.start.isoformat(), "to": p.end.isoformat()} for p in periods]


def available_on(periods: tuple[Period, ...], day: date) -> bool:
    return not any(p.covers(day) for p in periods)
