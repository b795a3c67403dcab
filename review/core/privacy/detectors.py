"""The shapes of identifiers, found in any text without knowing whose they are.

Numbers are read as runs of digit groups (138 0000 1234, 028-8765-4321, 5101 0419 9001 0112 3X) and each run
is judged by its length and layout, never by a check digit (a mistyped ID number is still someone's): 11 digits
from 13–19 a mobile, 10–12 from 0 a landline, 15 or 18 with a birth date an ID number, 16–19 a bank card, 7–8 a
landline only after a word that says so (电话, 座机) — so amounts (2800000元), compact dates and ticket numbers
(工单号20261008) stay; after 订单号, 发票代码 and the like a long number is an order or an invoice. Addresses below
the community go (3栋2单元501室, 7-1-1203, B座1203, 3号院2门, 门牌, the number after a road); window, document and
line numbers (1号窗口, 〔2023〕5号文件, 地铁1号线), floors (三楼) and counts (两栋楼) stay. Persons the platform
holds no name for are found after a role word (`names.unheld_names`). Every pattern runs on the NFKC form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from review.core.privacy import names

PHONE = "［电话已隐去］"
ID_NUMBER = "［身份证号已隐去］"
BANK_CARD = "［银行卡号已隐去］"
PLATE = "［车牌已隐去］"
ADDRESS = "［地址已隐去］"
HOUSE = "［门牌已隐去］"
EMAIL = "［邮箱已隐去］"
ACCOUNT = "［账号已隐去］"

KINDS = ("name", "phone", "id_number", "bank_card", "plate", "email", "account", "address")


@dataclass(frozen=True, slots=True)
class Found:
    """One identifier found at normal[start:end], and what replaces it."""

    start: int
    end: int
    kind: str
    label: str


_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+\s*@\s*[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# 微信号：wxid_abc123 / 微信 abc_123 / WeChat: abc123 / QQ 12345678: the label stays, the id goes. Tried only where
# one of its words stands (str.find is much faster than letting the pattern try every position).
_ACCOUNT = re.compile(
    r"(?<![A-Za-z0-9_])(?P<w>wxid_[A-Za-z0-9_]{4,})"
    r"|(?:微信(?:号|账号|ID|id)?|(?<![A-Za-z])(?i:wechat|weixin|wx|vx|v信)(?:\s*(?:id|号))?|抖音号|支付宝(?:账号)?)"
    r"\s*(?:是|为)?\s*[:：]?\s*(?P<x>wxid_[A-Za-z0-9_]+|[A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9@])"
    r"|(?:(?<![A-Za-z])(?i:qq)|扣扣)(?:号|号码)?\s*(?:是|为)?\s*[:：]?\s*(?P<q>[1-9][0-9]{4,11})(?![0-9])"
)
_ACCOUNT_GROUPS = ("w", "x", "q")
_ACCOUNT_WORDS = ("微信", "wechat", "weixin", "wx", "vx", "v信", "qq", "扣扣", "抖音", "支付宝")


def _accounts(normal: str) -> list[Found]:
    lower = normal.lower()
    if len(lower) != len(normal):  # a letter that lower-cases to two: keep the positions
        lower = normal
    starts = set()
    for word in _ACCOUNT_WORDS:
        at = lower.find(word)
        while at >= 0:
            starts.add(at)
            at = lower.find(word, at + 1)
    found: list[Found] = []
    reached = 0
    for at in sorted(starts):
        if at < reached or not (match := _ACCOUNT.match(normal, at)):
            continue
        group = next(g for g in _ACCOUNT_GROUPS if match.group(g))
        found.append(Found(*match.span(group), "account", ACCOUNT))
        reached = match.end()
    return found


_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# 川A·7B2K9, 川A 7B2K9, 川AD12345 (new energy), 川A1234学: the tail holds at least one digit.
_PLATE = re.compile(
    rf"[{_PROVINCES}][A-Za-z]\s?[·•・.\-]?\s?"
    r"(?=[A-Za-z]{0,5}[0-9])(?:[A-Za-z0-9]{5,6}|[A-Za-z0-9]{4}[挂学警港澳])(?![A-Za-z0-9])"
)
_N = "0-9一二三四五六七八九十百零〇两"
_CN = "一二三四五六七八九十百零〇两"
_GAP = r"\s?[-—]?\s?"
_ROOM = rf"[{_N}]+(?:\s?(?:室|号|户|房))?"
# 3栋, 12号楼, 5号院, B座; a count in words (两栋楼, 三栋房子) only where a unit or a room follows.
_BUILDING = (
    rf"(?:(?<![{_N}])[0-9]+\s?(?:号楼|[栋幢](?![楼房住建])|号院|号大院)|[{_CN}]+(?:号楼|号院)"
    rf"|[{_CN}]+[栋幢](?={_GAP}[{_N}]+(?:单元|室|号))|(?<![A-Za-z])[A-Z][座栋幢])"
)
# 2单元 (not 第一单元 of a text); 2门 only after a building (3号院2门), never alone (三门峡, 东2门).
_UNIT = rf"(?<!第)(?<!第 )[{_N}]+\s?单元"
_BUILDING_UNIT = rf"[{_N}]+\s?(?:单元|门(?![诊店面市口卫厅峡]))"
_HOUSE = re.compile(
    rf"(?=[\s{_N}A-Z门])(?:{_BUILDING}(?:{_GAP}{_BUILDING_UNIT})?(?:{_GAP}{_ROOM})?"
    rf"|{_UNIT}(?:{_GAP}{_ROOM})?"
    r"|(?<![0-9])[0-9]{3,5}(?:室|房间)"
    r"|(?<![0-9\-.])[0-9]{1,3}-[0-9]{1,2}-[0-9]{3,4}(?![0-9\-.])"
    r"|门牌(?:号码?)?\s*(?:是|为)?\s*[:：]?\s*[0-9A-Za-z\-]+号?"
    rf"|(?<=[路街道巷弄里])\s?[0-9]+\s?号(?:附[0-9]+号)?(?![线窗文令口]))"
)
# A run of digit groups with the separators people put between them; a + before it reads as a prefix.
_RUN = re.compile(
    r"(?<![0-9])(?=[+0-9][-0-9\s.·–—_/Xx]{6})"  # seven characters at least, or no identifier: tried in C
    r"\+?[0-9]+(?:(?:[ \t]{0,2}[-.·–—_/][ \t]{0,2}|[ \t]{1,2})[0-9]+)*(?:[ \t]?[Xx](?![A-Za-z]))?"
)
# A date (2026-12-01, 2026.12.1, 2026/12/01) is never part of a number: two dates in a row are no bank card.
_DATE = re.compile(
    r"(?<![0-9])(?:19|20)[0-9]{2}([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12][0-9]|3[01])(?![0-9])"
)
_GROUP = re.compile(r"[0-9]+(?:[ \t]?[Xx](?![A-Za-z]))?")
_NOT_DIGIT = re.compile(r"[^0-9X]")
_ID_18 = re.compile(
    r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]"
)
_ID_15 = re.compile(r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}")
_MOBILE = re.compile(r"(?:0086|86)?1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")
# Only after one of these words is a bare 7–8 digit number a telephone (not an amount, a date or a ticket).
_PHONE_WORD = re.compile(
    r"(?:电话|座机|手机|号码|致电|拨打|来电|联系方式|传真|tel|TEL|Tel)(?:号码?|是|为|打|[:：\s(（]){0,3}$"
)
# After one of these words a long number is an order, a waybill or an invoice, not a card or a telephone.
_CODE_WORD = re.compile(
    r"(?:订单|单号|编号|流水|工单|快递|运单|发票|票号|代码|案号|批次|条码)(?:号码?|是|为|[:：\s]){0,3}$"
)
_ID_WORD = re.compile(r"(?:身份证|证件|公民身份)(?:号码?|是|为|[:：\s]){0,3}$")
_AREA_CODE = re.compile(r"\(0[0-9]{2,3}\)\s?[0-9]{7,8}(?![0-9])")


def _number_kind(number: str, before: str) -> str | None:
    """What a run of digits (X allowed last) is, from its length and layout alone."""
    size = len(number)
    if size < 7 or size > 19:
        return None
    if size == 18 and _ID_18.fullmatch(number):
        return "id_number"
    if not number.isdigit():
        return "id_number" if size == 18 else None
    # Orders, waybills and invoices (after 订单号, 发票代码 …) may look like a 15-digit ID number or a mobile.
    code = _CODE_WORD.search(before) is not None
    if size == 15 and _ID_15.fullmatch(number) and not code:
        return "id_number"
    if size in (11, 13, 15) and _MOBILE.fullmatch(number) and not code:
        return "phone"
    if 10 <= size <= 12 and _LANDLINE.fullmatch(number):
        return None if code else "phone"
    if size >= 16:
        if size == 18 and _ID_WORD.search(before):  # an ID number with a mistyped date is still one
            return "id_number"
        return None if code else "bank_card"
    if size <= 8 and number[0] != "0" and _PHONE_WORD.search(before):
        return "phone"
    return None


_LABELS = {"phone": PHONE, "id_number": ID_NUMBER, "bank_card": BANK_CARD}
Held = Mapping[str, str]  # a held number's digits (and X) → its kind


def _held_kind(number: str, held: Held) -> str | None:
    if number in held:
        return held[number]
    for prefix in ("86", "0086"):  # a held mobile behind the country's code
        if number.startswith(prefix) and len(number) == len(prefix) + 11 and number[len(prefix) :] in held:
            return held[number[len(prefix) :]]
    return None


def _numbers(normal: str, held: Held) -> list[Found]:
    found: list[Found] = []
    if "-" in normal or "." in normal or "/" in normal:
        normal = _DATE.sub(lambda date: "#" * len(date.group()), normal)  # the same length: the same places
    for run in _RUN.finditer(normal):
        written = run.group()
        if len(written) < 7:  # fewer than seven digits: no identifier
            continue
        if written.isdigit():
            groups = [(0, len(written), written)]
        else:
            groups = [
                (g.start(), g.end(), _NOT_DIGIT.sub("", g.group().upper())) for g in _GROUP.finditer(written)
            ]
        if sum(len(g[2]) for g in groups) < 7:
            continue
        offset, index = run.start(), 0
        while index < len(groups):
            for last in range(len(groups) - 1, index - 1, -1):
                number = "".join(g[2] for g in groups[index : last + 1])
                start = run.start() if index == 0 and written.startswith("+") else offset + groups[index][0]
                kind = _held_kind(number, held) or _number_kind(number, normal[max(0, start - 12) : start])
                if kind:
                    found.append(Found(start, offset + groups[last][1], kind, _LABELS[kind]))
                    index = last + 1
                    break
            else:
                index += 1
    return found


def detect(normal: str, held: Held | None = None) -> list[Found]:
    """Every identifier's shape in `normal` (an NFKC text), the more specific first; numbers the platform holds
    (`held`: digits → kind) are found whatever their length or layout."""
    found: list[Found] = []
    if "@" in normal:
        found += [Found(*m.span(), "email", EMAIL) for m in _EMAIL.finditer(normal)]
    found += _accounts(normal)
    found += [Found(*m.span(), "plate", PLATE) for m in _PLATE.finditer(normal)]
    if "(" in normal:
        found += [Found(*m.span(), "phone", PHONE) for m in _AREA_CODE.finditer(normal)]
    found += _numbers(normal, held or {})
    found += [Found(*m.span(), "address", HOUSE) for m in _HOUSE.finditer(normal)]
    found += [Found(start, end, "name", label) for start, end, label in names.unheld_names(normal)]
    return found
