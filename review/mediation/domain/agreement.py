"""The mediation agreement's rules (调解协议), pure: its text, its versions, who must confirm, voiding, sealing.

A draft is versioned: every save is a new version, numbered from 1, made on the version its author read (the
base); a save on an older base is refused, so nobody overwrites what they have not seen. Each required party
confirms one version by its number and SHA-256; a newer version voids every confirmation of an older one. The
agreement is sealed once every required party has confirmed the latest version, and nothing changes after."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from review.core.errors import Conflict, Forbidden, Invalid

# The parties whose confirmation seals an agreement: the complainant and the case's department (one of its
# liaisons confirms for it). The panel's members and the office draft with them but do not sign.
REQUIRED = ("complainant", "department")
PARTY_LABELS = {"complainant": "诉求人", "department": "承办部门"}
# Which kind of actor confirms for which party.
_PARTY_OF_KIND = {"complainant": "complainant", "liaison": "department"}


@dataclass(frozen=True)
class Confirmation:
    """A party's confirmation of one version, and whether a newer version has voided it (已作废)."""

    party: str
    version: int
    sha256: str
    voided: bool


def digest(text: str) -> str:
    """The SHA-256 a party confirms (of the text in UTF-8), as the page and the PDF print it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draft_text(text: Any, *, limit: int) -> str:
    """A draft's text: line endings made one, trailing blanks dropped; refused when empty or too long."""
    body = "\n".join(line.rstrip() for line in str(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    body = body.strip()
    if not body.strip():
        raise Invalid("agreement_text_required", "请填写调解协议的内容", field="text")
    if len(body) > limit:
        raise Invalid("agreement_too_long", f"调解协议不能超过 {limit} 字（现为 {len(body)} 字）", field="text")
    return body


def party_of(kind: str) -> str | None:
    """The party an actor of this kind confirms for, or None (members and the office do not confirm)."""
    return _PARTY_OF_KIND.get(kind)


def check_open(*, sealed: bool, doing: str) -> None:
    """A sealed agreement is final."""
    if sealed:
        raise Conflict("agreement_sealed", f"调解协议已签订封存，不能再{doing}")


def check_base(*, base: int, latest: int) -> None:
    """A new version is made on the latest one: naming an older base (or one that does not exist) is refused."""
    if base != latest:
        if latest == 0:
            raise Conflict("stale_draft", "尚无协议草稿，请从空白开始起草")
        raise Conflict("stale_draft", f"草稿已更新为第{latest}版，请在最新版本上修改")


def check_changed(text: str, *, latest_text: str | None, latest: int) -> None:
    """Saving the latest text again would void confirmations for nothing."""
    if latest_text is not None and text == latest_text:
        raise Invalid("draft_unchanged", f"内容与第{latest}版相同，未保存新版本", field="text")


def check_confirmation(*, party: str | None, claimed: str | None, version: int, sha256: str, latest: int,
                       latest_sha256: str, confirmed: Iterable[Confirmation]) -> str:
    """The party confirming `version` with `sha256`; refused unless it is a required party (and the one it says
    it is), the version is the latest with that very hash, and that party has not confirmed it already."""
    if party is None or party not in REQUIRED:
        raise Forbidden("not_a_party", "只有诉求人和承办部门可以确认调解协议")
    if claimed and claimed != party:
        raise Forbidden("not_your_party", f"您只能以{PARTY_LABELS[party]}的身份确认")
    if latest == 0:
        raise Conflict("no_draft", "尚无协议草稿，无可确认")
    if version > latest:
        raise Conflict("no_such_version", f"没有第{version}版协议草稿（最新为第{latest}版）")
    if version != latest:
        raise Conflict("stale_version", f"第{version}版已不是最新版本（现为第{latest}版），请阅读最新版本后再确认")
    if str(sha256 or "").strip().lower() != latest_sha256:
        raise Conflict("hash_mismatch", f"所确认的摘要与第{latest}版不符，请核对后再确认")
    if any(c.party == party and c.version == version for c in confirmed):
        raise Conflict("already_confirmed", f"{PARTY_LABELS[party]}已确认第{version}版，无须重复确认")
    return party


def with_voiding(rows: Iterable[tuple[str, int, str]], *, latest: int) -> list[Confirmation]:
    """(party, version, sha256) of stored confirmations, each marked voided when a newer version exists."""
    return [Confirmation(party, version, sha, voided=version != latest) for party, version, sha in rows]


def sealable(confirmations: Iterable[Confirmation], *, latest: int) -> bool:
    """Whether every required party has confirmed the latest version."""
    if latest == 0:
        return False
    confirmed = {c.party for c in confirmations if c.version == latest and not c.voided}
    return all(party in confirmed for party in REQUIRED)


def waiting_for(confirmations: Iterable[Confirmation], *, latest: int) -> list[str]:
    """The required parties that have not confirmed the latest version, in REQUIRED order."""
    confirmed = {c.party for c in confirmations if c.version == latest and not c.voided}
    return [party for party in REQUIRED if party not in confirmed]
