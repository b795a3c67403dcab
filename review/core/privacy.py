"""Personal data removed from every output meant for others (DESIGN §8).

Two kinds of pattern: the identifiers the platform holds for the complainant (name, phone, ID number, address),
each matched however it is written (full-width digits, spaces, dashes or dots between groups, +86, x or X), and
the general shapes of identifiers (phone and ID numbers, e-mail addresses, WeChat and QQ ids, house numbers).
Matching runs on the NFKC form of the text (１３８ reads as 138), and what matched is replaced in the text as
written. `mask_case_row` is where a case row is masked for everyone but the office and the complainant.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "夏侯",
    "轩辕", "端木", "南宫", "西门", "独孤", "司徒", "司空", "闻人", "万俟", "呼延", "澹台", "申屠",
)  # fmt: skip

PHONE = "［电话已隐去］"
ID_NUMBER = "［身份证号已隐去］"
ADDRESS = "［地址已隐去］"
HOUSE = "［门牌已隐去］"
EMAIL = "［邮箱已隐去］"
ACCOUNT = "［账号已隐去］"

# What may stand between the digit groups of a number as people write it (after NFKC: full-width ones included).
_SEP = r"[\s\-.·_/]*"
_SEP1 = r"[\s\-.·]?"
_ID_NUMBER = re.compile(
    rf"(?<![0-9])[1-9][0-9]{{5}}{_SEP1}(?:18|19|20)[0-9]{{2}}{_SEP1}[01][0-9]{_SEP1}[0-3][0-9]{_SEP1}"
    rf"[0-9]{{3}}[0-9Xx](?![0-9A-Za-z])"
)
_MOBILE = re.compile(rf"(?<![0-9])(?:(?:\+|00)?86{_SEP1})?1[3-9][0-9](?:{_SEP1}[0-9]{{4}}){{2}}(?![0-9])")
_LANDLINE = re.compile(
    rf"(?<![0-9])(?:\(0[0-9]{{2,3}}\){_SEP1}[0-9]{{7,8}}|0[0-9]{{2,3}}{_SEP1}[0-9]{{7,8}}|[2-9][0-9]{{6,7}})(?![0-9])"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+\s*@\s*[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# 微信号：wxid_abc123 / 微信 abc_123 / WeChat: abc123 / QQ 12345678: the label stays, the id goes.
_ACCOUNT_ID = re.compile(
    r"(?:微信(?:号|账号|ID|id)?|(?<![A-Za-z])(?i:wechat|weixin|wx)(?:\s*id)?)\s*(?:是|为)?\s*[:：]?\s*"
    r"(?P<x>[A-Za-z][-_A-Za-z0-9]{5,19}|wxid_[A-Za-z0-9]+)(?![-_A-Za-z0-9])"
    r"|(?i:qq)(?:号)?\s*(?:是|为)?\s*[:：]?\s*(?P<q>[1-9][0-9]{4,11})(?![0-9])"
)
_NUMERAL = "0-9一二三四五六七八九十百"
# Building, unit and room numbers; a bare 号 only where it is a door number (not 10月8号, 1号线).
_HOUSE_NUMBER = re.compile(
    rf"[{_NUMERAL}]+(?:号楼|栋|幢|单元|室|楼)|(?<![月第{_NUMERAL}])[{_NUMERAL}]+号(?![线院楼])"
)


def mask_name(name: str) -> str:
    """王小明 → 王某; 欧阳娜娜 → 欧阳某."""
    name = name.strip()
    if not name:
        return ""
    surname = next((s for s in _COMPOUND_SURNAMES if name.startswith(s)), name[0])
    return surname + "某"


def _given_name(name: str) -> str:
    name = name.strip()
    return name[len(mask_name(name)) - 1 :]


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    return unicodedata.normalize("NFKC", char)


def _normalised(text: str) -> tuple[str, list[int]]:
    """The NFKC form of `text`, and for each of its characters the index of the character it came from."""
    if text.isascii():
        return text, list(range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold(char)
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


Rule = tuple[re.Pattern[str], str]


def _apply(rules: Iterable[Rule], text: str) -> str:
    """Replace what each rule finds in the NFKC form of `text`, in `text` as written; an earlier rule's match
    wins over a later one's that overlaps it. Only the named group `x` (or `q`) is replaced when the pattern has
    one, so that a label such as 微信号 stays."""
    normal, origin = _normalised(text)
    claimed: list[tuple[int, int, str]] = []
    for pattern, replacement in rules:
        for match in pattern.finditer(normal):
            group = next((g for g in ("x", "q") if g in pattern.groupindex and match.group(g)), 0)
            begin, end = match.span(group)
            if begin == end:
                continue
            start, stop = origin[begin], origin[end - 1] + 1
            if not any(start < taken_stop and taken_start < stop for taken_start, taken_stop, _ in claimed):
                claimed.append((start, stop, replacement))
    if not claimed:
        return text
    pieces, last = [], 0
    for start, stop, replacement in sorted(claimed):
        pieces += [text[last:start], replacement]
        last = stop
    return "".join(pieces) + text[last:]


def _spaced(chars: Iterable[str]) -> str:
    """A pattern of these characters in this order, with whatever separators people put between them."""
    return _SEP.join("[Xx]" if c in "Xx" else re.escape(c) for c in chars)


def _digits(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", value) if c.isdigit())


def _phone_pattern(phone: str) -> str | None:
    digits = _digits(phone)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix) :]
    if len(digits) < 7:
        return None
    return rf"(?<![0-9])(?:(?:\+|00)?86{_SEP})?{_spaced(digits)}(?![0-9])"


def _id_pattern(id_number: str) -> str | None:
    chars = [c for c in unicodedata.normalize("NFKC", id_number).upper() if c.isalnum()]
    return rf"(?<![0-9A-Za-z]){_spaced(chars)}(?![0-9A-Za-z])" if len(chars) >= 8 else None


def _text_pattern(value: str) -> str | None:
    chars = [c for c in unicodedata.normalize("NFKC", value) if not c.isspace()]
    return r"\s*".join(re.escape(c) for c in chars) if len(chars) >= 2 else None


@dataclass(frozen=True)
class Complainant:
    """What the platform holds about a complainant: each is removed, however it is written, from others' view."""

    name: str = ""
    phone: str = ""
    id_number: str = ""
    address: str = ""

    @classmethod
    def of_case(cls, case: Mapping[str, Any]) -> Complainant:
        """The complainant's identifiers from a case row (`review_case` columns)."""
        return cls(
            *(str(case.get(f"complainant_{k}") or "") for k in ("name", "phone", "id_number", "address"))
        )

    def rules(self) -> list[Rule]:
        """(pattern, replacement) for each identifier held, the most specific first."""
        return _known_rules(self)


@functools.lru_cache(maxsize=1024)
def _known_rules(known: Complainant) -> list[Rule]:
    rules: list[Rule] = []
    for pattern, replacement in (
        (_id_pattern(known.id_number), ID_NUMBER),
        (_phone_pattern(known.phone), PHONE),
        (_text_pattern(known.address), ADDRESS),
    ):
        if pattern:
            rules.append((re.compile(pattern, re.IGNORECASE), replacement))
    name = known.name.strip()
    if pattern := _text_pattern(name):
        rules.append((re.compile(pattern), mask_name(name)))
        # The given name alone (小明), when it is more than one character.
        if given := _text_pattern(_given_name(name)):
            rules.append((re.compile(given), "某"))
    return rules


_SHAPES: list[Rule] = [
    (_EMAIL, EMAIL),
    (_ACCOUNT_ID, ACCOUNT),
    (_ID_NUMBER, ID_NUMBER),
    (_MOBILE, PHONE),
    (_LANDLINE, PHONE),
    (_HOUSE_NUMBER, HOUSE),
]


def mask_text(
    text: str,
    names: tuple[str, ...] = (),
    addresses: tuple[str, ...] = (),
    *,
    known: Complainant | None = None,
) -> str:
    """Remove the complainant's known identifiers, the given names and addresses, then every identifier's shape."""
    if not text:
        return text
    rules = list(known.rules()) if known else []
    for address in sorted(filter(None, addresses), key=len, reverse=True):
        if pattern := _text_pattern(address):
            rules.append((re.compile(pattern, re.IGNORECASE), ADDRESS))
    for name in sorted(filter(None, names), key=len, reverse=True):
        if pattern := _text_pattern(name.strip()):
            rules.append((re.compile(pattern), mask_name(name)))
    return _apply([*rules, *_SHAPES], text)


def masker(case: Mapping[str, Any]) -> Callable[[str], str]:
    """The function that masks any text about this case for others (the complainant's identifiers included)."""
    known = Complainant.of_case(case)
    return lambda text: mask_text(text or "", known=known)


# Columns of a case row (as `visibility.visible_case` reads it) that hold free text about the complainant.
_TEXT_COLUMNS = ("content", "reply", "status_reason", "ruling_reasoning")


def mask_case_row(case: Mapping[str, Any]) -> dict[str, Any]:
    """A case row as anyone but the office and the complainant may see it: identifiers gone from every field."""
    mask = masker(case)
    row = dict(case)
    for column in _TEXT_COLUMNS:
        if isinstance(row.get(column), str):
            row[column] = mask(row[column])
    if row.get("events_json") is not None:
        written = row["events_json"]
        events = json.loads(written) if isinstance(written, str | bytes) else [dict(e) for e in written]
        for event in events:
            if event.get("reason"):
                event["reason"] = mask(event["reason"])
        row["events_json"] = (
            json.dumps(events, ensure_ascii=False) if isinstance(written, str | bytes) else events
        )
    row["complainant_name"] = mask_name(str(case.get("complainant_name") or ""))
    for column in ("complainant_phone", "complainant_id_number", "complainant_address"):
        if column in row:
            row[column] = ""
    return row
