"""The one rule for a score's value (分值): an integer on the criterion's scale, nothing coerced (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BadValue(ValueError):
    """Why a value is refused, in Chinese, for the criterion it was given for."""

    message: str

    def __str__(self) -> str:
        return self.message


def score_value(raw: object, *, scale_max: int, name: str) -> int | None:
    """The score `raw` stands for, or None when it was left empty.

    Only a JSON integer counts: booleans (a JSON `true` is Python's 1), floats (3.7, 3.0, NaN, Infinity) and
    strings are refused, not rounded or parsed. The web form's radio value reaches here through `form_value`.
    """
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise BadValue(f"「{name}」的分值应为整数（1–{scale_max} 之间的一个等级）")
    if not 1 <= raw <= scale_max:
        raise BadValue(f"「{name}」的分值应在 1–{scale_max} 之间")
    return raw


def form_value(text: str | None) -> int | str | None:
    """A form field's text as the API would send it: ASCII digits become an integer; anything else (full-width
    or Arabic-Indic digits, decimals, words) is passed on as text, which `score_value` refuses."""
    if text is None or text == "":
        return None
    if text.isascii() and text.isdigit() and len(text) <= 6:
        return int(text)
    return text
