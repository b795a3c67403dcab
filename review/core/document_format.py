"""How official documents write numbers and dates (GB/T 9704-2012): list numerals, 成文日期, 发文字号. Pure."""

from __future__ import annotations

import datetime

_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """Write 0 ≤ n ≤ 99 in Chinese numerals, as the （一）（二） of a list: 十, 十一, 二十, 三十一."""
    if not 0 <= n <= 99:
        raise ValueError(f"chinese_number supports 0..99, got {n}")
    if n < 10:
        return _DIGITS[n]
    tens, units = divmod(n, 10)
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[units] if units else "")


def document_date(d: datetime.date) -> str:
    """A date as GB/T 9704-2012 (7.3.5.1) writes 成文日期, in Arabic numerals: 2026-12-03 → 2026年12月3日."""
    return f"{d.year}年{d.month}月{d.day}日"


def document_number(prefix: str, year: int, sequence: int) -> str:
    """发文字号 as GB/T 9704-2012 (7.2.4) writes it: 评〔2026〕41号 — 〔〕 round the year, no 第, no leading zeros."""
    if sequence < 1:
        raise ValueError(f"a document's sequence number starts at 1, got {sequence}")
    return f"{prefix}〔{year}〕{sequence}号"
