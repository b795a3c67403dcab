"""调解信息隔离 (the wall), pure: what of mediation may go into the case file, and when.

Nothing said or drafted in mediation reaches the panel's scoring or the verdict, unless both parties — the
complainant and the department's liaison — consent, item by item, that it may go into the case file (the SPC's
evidence rules, 第六十七条: what a party concedes to reach a settlement is not used against it later). Each party
consents or withdraws while the item is still outside the file; the office then moves an item both consented to,
by the one service that writes mediation into the file (review.mediation.services.wall)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from review.core.errors import Conflict, Forbidden, Invalid

# The kinds of item a party may consent to, as the file names them. A new source (the agreement's draft
# versions) is one entry here and one loader in services/wall.py.
ITEM_KINDS: dict[str, str] = {"message": "调解室发言", "minutes": "调解笔录", "draft": "调解协议草稿"}
PARTIES: dict[str, str] = {"complainant": "诉求人", "liaison": "承办部门"}
FILE_SOURCE = "mediation"
FILE_SOURCE_LABEL = "调解中经双方同意入卷的内容"


def party_of(actor_kind: str) -> str | None:
    """The party an actor answers for: the complainant, or the department (any of its liaisons); else None."""
    return actor_kind if actor_kind in PARTIES else None


def check_party(actor_kind: str) -> str:
    party = party_of(actor_kind)
    if party is None:
        raise Forbidden("forbidden", "只有诉求人和承办部门可以决定调解内容是否入卷")
    return party


def item_kind(value: Any) -> str:
    kind = str(value or "").strip()
    if kind not in ITEM_KINDS:
        raise Invalid("invalid_item_kind", "入卷内容的类别应为：" + "、".join(f"{k}（{v}）" for k, v in ITEM_KINDS.items()),
                      field="item_kind")
    return kind


def consent_value(value: Any) -> bool:
    """A consent as sent: true / false (a form's "1" / "0", "true" / "false")."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise Invalid("invalid_consent", "请选择同意或不同意该内容入卷", field="consent")


def not_found_message(kind: str) -> str:
    """What a party is told when an item is not one of this mediation's (a caucus message never is one)."""
    if kind == "message":
        return "本次调解中没有这条可入卷的调解室发言（单独沟通中的发言不能入卷）"
    return f"本次调解中没有这条{ITEM_KINDS.get(kind, kind)}"


def item_title(kind: str, *, author: str, when: str, version: int | None = None) -> str:
    """What an item is, as the file and the pages name it: 调解室发言（诉求人，2026-12-03 10:05）."""
    if kind == "minutes":
        return f"调解笔录（{when}调解会，第 {version} 版）"
    if kind == "draft":
        return f"调解协议草稿（第 {version} 版，{author}，{when}）"
    return f"{ITEM_KINDS.get(kind, kind)}（{author}，{when}）"


def source_ref(mediation_id: int, kind: str, item_id: int) -> str:
    """The item as the case file names where an entry came from: mediation:3:message:17."""
    return f"{FILE_SOURCE}:{mediation_id}:{kind}:{item_id}"


@dataclass(frozen=True)
class Consent:
    party: str
    consent: bool
    by: str
    at: Any


def consented(consents: Iterable[Consent]) -> dict[str, Consent]:
    """The parties that consent now, each with its consent."""
    return {c.party: c for c in consents if c.consent and c.party in PARTIES}


def both_consented(consents: Iterable[Consent]) -> bool:
    return set(consented(consents)) == set(PARTIES)


def check_may_change(*, moved: bool) -> None:
    """A party answers, or changes its answer, only while the item is outside the file."""
    if moved:
        raise Conflict("already_in_file", "该内容已移入案卷，不能再更改是否同意入卷")


def check_may_move(consents: Iterable[Consent], *, moved: bool) -> list[Consent]:
    """The consents an item goes into the file with, in the parties' order; refused unless both parties consent."""
    if moved:
        raise Conflict("already_in_file", "该内容已移入案卷")
    given = consented(consents)
    missing = [label for party, label in PARTIES.items() if party not in given]
    if missing:
        raise Conflict("consent_missing", f"须经诉求人和承办部门双方同意才能入卷，尚未同意：{'、'.join(missing)}")
    return [given[party] for party in PARTIES]


def consents_json(consents: Iterable[Consent]) -> list[dict[str, Any]]:
    """The consents as the case file entry records them."""
    return [{"party": c.party, "party_label": PARTIES[c.party], "by": c.by,
             "at": c.at if isinstance(c.at, str) else c.at.isoformat()} for c in consents]


def board(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], dict[str, bool]]:
    """Who agreed to what: (item kind, item id) → party → consent, from consent rows."""
    found: dict[tuple[str, int], dict[str, bool]] = {}
    for r in rows:
        found.setdefault((r["item_kind"], int(r["item_id"])), {})[r["party"]] = bool(r["consent"])
    return found
