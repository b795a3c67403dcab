"""The public text of a case: what the platform holds about its people replaced exactly first, then every shape.

`find` is the one place where personal data is looked for; `mask_text` replaces what it finds and
`scan.find_leaks` reports it. `mask_case_row` is where a case row is masked for everyone but the office and the
complainant.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from review.core.privacy import detectors, forms
from review.core.privacy import names as persons
from review.core.privacy.detectors import ADDRESS, Found


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


@dataclass(frozen=True, slots=True)
class _Held:
    """What a case's people are known by, as compared (forms.held_*)."""

    numbers: dict[str, str]  # a phone's or ID number's digits → its kind
    # (value, kind, label, standing), the most specific first (longer names before their prefixes); standing is
    # "exact": always; "name": a two-character full name not inside a word; "given": a given name said alone
    texts: tuple[tuple[str, str, str, str], ...]


@functools.lru_cache(maxsize=1024)
def _held(
    known: Complainant, others: tuple[str, ...], addresses: tuple[str, ...], kept: tuple[str, ...] = ()
) -> _Held:
    numbers: dict[str, str] = {}
    if phone := forms.held_phone(known.phone):
        numbers[phone] = "phone"
    if id_number := forms.held_id(known.id_number):
        numbers[id_number] = "id_number"
    # Names shown as written claim their place first, so that no detector takes them for someone else's.
    texts = [(value, "kept", "", "exact") for name in kept if (value := forms.held_text(name))]
    for address in sorted(
        {a.strip() for a in (known.address, *addresses) if a.strip()}, key=len, reverse=True
    ):
        if value := forms.held_text(address):
            texts.append((value, "address", ADDRESS, "exact"))
    public = persons.labels((known.name, *others))
    for name in sorted(public, key=len, reverse=True):
        if value := forms.held_text(name):
            texts.append((value, "name", public[name], "name" if len(value) == 2 else "exact"))
    for name in sorted(public, key=lambda n: len(persons.given_name(n)), reverse=True):
        if (value := forms.held_text(persons.given_name(name))) and len(value) >= 2:
            texts.append((value, "name", public[name], "given"))
    return _Held(numbers, tuple(texts))


def _held_found(normal: str, held: _Held) -> list[Found]:
    if not held.texts:
        return []
    squeezed = forms.squeeze(normal)
    found: list[Found] = []
    for value, kind, label, standing in held.texts:
        for start, end in squeezed.find_all(value):
            if standing == "name" and not persons.stands_as_name(normal, start, end, word_too=False):
                continue
            if standing == "given":
                if family := persons.surname_before(normal, start):
                    found.append(Found(start - len(family), end, "name", family + "某"))
                    continue
                if not persons.stands_as_name(normal, start, end):
                    continue
            found.append(Found(start, end, kind, label))
    return found


def find(
    text: str,
    known: Complainant | None = None,
    others: Iterable[str] = (),
    addresses: Iterable[str] = (),
    kept: Iterable[str] = (),
) -> list[Found]:
    """Personal data in `text`, as spans of the text as written that do not overlap, in order: what the platform
    holds first, then every identifier's shape; of two that overlap, the earlier found wins. The names in `kept`
    are found as kind "kept", to be left as written."""
    if not text:
        return []
    folded = forms.fold(text)
    held = _held(known or Complainant(), tuple(others), tuple(addresses), tuple(kept))
    claimed: list[Found] = []
    taken = bytearray(len(text))  # 1 where an earlier find holds the character
    for item in [*_held_found(folded.text, held), *detectors.detect(folded.text, held.numbers)]:
        if item.start >= item.end:
            continue
        start, end = folded.written(item.start, item.end)
        if taken.find(1, start, end) < 0:
            taken[start:end] = b"\x01" * (end - start)
            claimed.append(Found(start, end, item.kind, item.label))
        elif taken.find(0, start, end) >= 0:
            claimed += _rest(text, taken, start, end, item)
    return sorted(claimed, key=lambda f: f.start)


def _rest(text: str, taken: bytearray, start: int, end: int, item: Found) -> list[Found]:
    """The parts of an identifier that an earlier one overlaps (3栋2单元501室 glued to a telephone's last digit),
    claimed with its label: what is left of it would read as an identifier once the other is masked."""
    rest: list[Found] = []
    at = start
    while (free := taken.find(0, at, end)) >= 0:
        stop = taken.find(1, free, end)
        stop = end if stop < 0 else stop
        if any(c.isalnum() for c in text[free:stop]):
            taken[free:stop] = b"\x01" * (stop - free)
            rest.append(Found(free, stop, item.kind, item.label))
        at = stop
    return rest


def mask_text(
    text: str,
    names: Iterable[str] = (),
    addresses: Iterable[str] = (),
    *,
    known: Complainant | None = None,
    kept: Iterable[str] = (),
) -> str:
    """The public text: the case's people (`known`, the other persons' `names`) and `addresses` replaced exactly,
    then every identifier's shape; a private person keeps the surname (王某, 张某甲). The names in `kept` stay as
    written (the complainant's, for the members who judge the case)."""
    found = [f for f in find(text, known, names, addresses, kept) if f.kind != "kept"]
    if not found:
        return text
    pieces: list[str] = []
    last = 0
    for item in found:
        touching = item.start == last or not text[last : item.start].strip(" \t")
        if touching and pieces and pieces[-1] == item.label and item.kind == "address":
            last = item.end  # 12号3栋2单元501室: one label for pieces of one address that touch
            continue
        pieces += [text[last : item.start], item.label]
        last = item.end
    return "".join(pieces) + text[last:]


def masker(
    case: Mapping[str, Any], names: Iterable[str] = (), *, keep_name: bool = False
) -> Callable[[str], str]:
    """The function that masks any text about this case for others (the complainant's identifiers included, and
    the other persons the platform holds by `names`); with `keep_name`, the complainant's name stays."""
    known, others = Complainant.of_case(case), tuple(names)
    if not keep_name:
        return lambda text: mask_text(text or "", others, known=known)
    shown = (known.name,)
    contacts = Complainant(phone=known.phone, id_number=known.id_number, address=known.address)
    return lambda text: mask_text(text or "", others, known=contacts, kept=shown)


# Columns of a case row (as `visibility.visible_case` reads it) that hold free text about the complainant.
_TEXT_COLUMNS = ("content", "reply", "status_reason", "ruling_reasoning")


def mask_case_row(case: Mapping[str, Any], *, keep_name: bool = False) -> dict[str, Any]:
    """A case row as anyone but the office and the complainant may see it: identifiers gone from every field
    (`keep_name`: the complainant's name kept, in its column and in the texts, for members and liaisons)."""
    mask = masker(case, keep_name=keep_name)
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
    if not keep_name:
        row["complainant_name"] = persons.mask_name(str(case.get("complainant_name") or ""))
    for column in ("complainant_phone", "complainant_id_number", "complainant_address"):
        if column in row:
            row[column] = ""
    return row
