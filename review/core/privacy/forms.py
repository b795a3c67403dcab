"""How an identifier may be written: full-width or half-width, spaced, dashed, dotted, behind +86.

Everything is looked for in the NFKC form of a text (１３８ reads as 138, Ｘ as X, （ as (); `Folded` holds that
form and, for each of its characters, where it came from in the text as written, so that what matched is
replaced there. What the platform holds is compared without building a pattern per case: a held number against
the digits of each run of digit groups, a held name or address against the text with its spaces taken out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\S+")


class _Folds(dict[int, str]):
    """str.translate's table of NFKC forms, filled one character at a time as texts bring new ones."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = unicodedata.normalize("NFKC", chr(code))
        return folded


_FOLDS = _Folds()


@dataclass(frozen=True, slots=True)
class Folded:
    """The NFKC form of a text; `origin[i]` is the index in the text as written of the form's character i
    (None when every character folds to one)."""

    text: str
    origin: list[int] | None

    def written(self, start: int, end: int) -> tuple[int, int]:
        """The span of the text as written that the form's text[start:end] came from."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> Folded:
    """The NFKC form of `text`, character by character."""
    if text.isascii():
        return Folded(text, None)
    folded = text.translate(_FOLDS)
    if len(folded) == len(text):  # NFKC never drops a character, so the same length is one for one
        return Folded(folded, None)
    origin: list[int] = []
    for index, char in enumerate(text):
        origin.extend([index] * len(_FOLDS[ord(char)]))
    return Folded(folded, origin)


def digits(value: str) -> str:
    """The digits of `value`, full-width ones read as half-width."""
    return "".join(c for c in unicodedata.normalize("NFKC", value) if c.isdigit())


def held_phone(phone: str) -> str | None:
    """A held phone number's digits, without +86 or 0086."""
    found = digits(phone)
    for prefix in ("0086", "86"):
        if found.startswith(prefix) and len(found) - len(prefix) == 11:
            found = found[len(prefix) :]
    return found if len(found) >= 7 else None


def held_id(id_number: str) -> str | None:
    """A held ID number's digits and X, upper-case."""
    chars = "".join(c for c in unicodedata.normalize("NFKC", id_number).upper() if c.isalnum())
    return chars if len(chars) >= 8 else None


def held_text(value: str) -> str | None:
    """A held name or address as compared: NFKC, spaces taken out, lower-case."""
    chars = "".join(c for c in unicodedata.normalize("NFKC", value) if not c.isspace()).lower()
    return chars if len(chars) >= 2 else None


@dataclass(frozen=True, slots=True)
class Squeezed:
    """A folded text with its spaces taken out and lower-cased; `at[i]` is where its character i stands in the
    folded text."""

    text: str
    at: list[int]

    def find_all(self, value: str) -> list[tuple[int, int]]:
        """Every span of the folded text that reads `value` once its spaces are taken out."""
        spans, index = [], self.text.find(value)
        while index >= 0:
            spans.append((self.at[index], self.at[index + len(value) - 1] + 1))
            index = self.text.find(value, index + len(value))
        return spans


def squeeze(folded: str) -> Squeezed:
    """`folded` without its spaces, lower-case, and where each character came from."""
    at: list[int] = []
    for word in _WORD.finditer(folded):
        at.extend(range(*word.span()))
    text = "".join(_WORD.findall(folded))
    lower = text.lower()
    return Squeezed(lower if len(lower) == len(text) else text, at)
