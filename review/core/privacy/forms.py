"""How an identifier may be written: full-width or half-width, spaced, dashed, dotted, behind +86.

Every pattern runs on the NFKC form of a text (１３８ reads as 138, Ｘ as X); `normalised` gives that form and,
for each of its characters, where it came from in the text as written, so that what matched is replaced there.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

# What may stand between the digit groups of a number as people write it (after NFKC).
SEP = r"[\s\-.·_/–—]*"


@functools.lru_cache(maxsize=8192)
def _fold(char: str) -> str:
    return unicodedata.normalize("NFKC", char)


def normalised(text: str) -> tuple[str, list[int]]:
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


def spaced(chars: Iterable[str]) -> str:
    """A pattern of these characters in this order, with whatever separators people put between them."""
    return SEP.join("[Xx]" if c in "Xx" else re.escape(c) for c in chars)


def digits(value: str) -> str:
    """The digits of `value`, full-width ones read as half-width."""
    return "".join(c for c in unicodedata.normalize("NFKC", value) if c.isdigit())


def phone_pattern(phone: str) -> str | None:
    """A held phone number however written (spaced, dashed, behind +86 or 0086)."""
    found = digits(phone)
    for prefix in ("0086", "86"):
        if found.startswith(prefix) and len(found) - len(prefix) == 11:
            found = found[len(prefix) :]
    if len(found) < 7:
        return None
    return rf"(?<![0-9])(?:(?:\+|00)?86{SEP})?{spaced(found)}(?![0-9])"


def id_pattern(id_number: str) -> str | None:
    """A held ID number however written (grouped, lower-case x)."""
    chars = [c for c in unicodedata.normalize("NFKC", id_number).upper() if c.isalnum()]
    return rf"(?<![0-9A-Za-z]){spaced(chars)}(?![0-9A-Za-z])" if len(chars) >= 8 else None


def text_pattern(value: str) -> str | None:
    """A held name or address, with any spaces people put inside it."""
    chars = [c for c in unicodedata.normalize("NFKC", value) if not c.isspace()]
    return r"\s*".join(re.escape(c) for c in chars) if len(chars) >= 2 else None
