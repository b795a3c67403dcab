"""The leak gate's scanner: personal data left in a text that is meant to be masked already.

It looks for exactly what masking removes (`masking.find`: the case's known identifiers in any written form, then
every identifier's shape), so a text `mask_text` produced has no leak and a text it would change has one. The
masking labels (［电话已隐去］, 王某) are not leaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from review.core.privacy.masking import Complainant, find


@dataclass(frozen=True)
class Leak:
    """Personal data at text[start:end] (the text as written); `kind` is one of `detectors.KINDS`."""

    kind: str
    start: int
    end: int


def find_leaks(
    text: str,
    known: Complainant | None = None,
    names: Iterable[str] = (),
    addresses: Iterable[str] = (),
) -> list[Leak]:
    """Every piece of personal data in `text`, in order: the case's people (`known`, the other persons'
    `names`, `addresses`) however written, and every identifier's shape."""
    return [
        Leak(f.kind, f.start, f.end)
        for f in find(text, known, names, addresses)
        if f.kind != "kept" and text[f.start : f.end] != f.label
    ]
