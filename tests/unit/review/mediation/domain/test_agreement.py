"""The agreement's pure rules: its text, the base a version is made on, who confirms, voiding and sealing."""

from __future__ import annotations

import pytest

from review.core.errors import Conflict, Forbidden, Invalid
from review.mediation.domain import agreement as rules

pytestmark = pytest.mark.unit

SHA = rules.digest("协议")


def test_draft_text_is_normalised_and_refused_when_empty_or_too_long() -> None:
    assert rules.draft_text("  一、修复路灯。  \r\n二、回访。\r\n\r\n", limit=20) == "一、修复路灯。\n二、回访。"
    with pytest.raises(Invalid) as empty:
        rules.draft_text(" \n ", limit=20)
    assert empty.value.code == "agreement_text_required"
    with pytest.raises(Invalid) as long:
        rules.draft_text("长" * 21, limit=20)
    assert long.value.code == "agreement_too_long" and "20" in long.value.message


@pytest.mark.parametrize(("base", "latest"), [(0, 2), (1, 2), (3, 2), (1, 0)])
def test_a_version_on_any_base_but_the_latest_is_refused(base: int, latest: int) -> None:
    with pytest.raises(Conflict) as stale:
        rules.check_base(base=base, latest=latest)
    assert stale.value.code == "stale_draft"
    if latest:
        assert stale.value.message == f"草稿已更新为第{latest}版，请在最新版本上修改"
    rules.check_base(base=latest, latest=latest)


def test_only_the_complainant_and_a_liaison_confirm_each_for_their_own_party() -> None:
    assert [rules.party_of(k) for k in ("complainant", "liaison", "member", "office")] == [
        "complainant", "department", None, None]
    ok = {"version": 2, "sha256": SHA, "latest": 2, "latest_sha256": SHA, "confirmed": []}
    assert rules.check_confirmation(party="department", claimed=None, **ok) == "department"
    with pytest.raises(Forbidden):
        rules.check_confirmation(party=None, claimed=None, **ok)
    with pytest.raises(Forbidden):
        rules.check_confirmation(party="department", claimed="complainant", **ok)


@pytest.mark.parametrize(("version", "sha", "code"), [
    (1, SHA, "stale_version"), (3, SHA, "no_such_version"), (2, "0" * 64, "hash_mismatch")])
def test_only_the_latest_version_with_its_own_hash_is_confirmed(version: int, sha: str, code: str) -> None:
    with pytest.raises(Conflict) as refused:
        rules.check_confirmation(party="complainant", claimed=None, version=version, sha256=sha, latest=2,
                                 latest_sha256=SHA, confirmed=[])
    assert refused.value.code == code


def test_confirming_twice_is_refused() -> None:
    once = [rules.Confirmation("complainant", 2, SHA, voided=False)]
    with pytest.raises(Conflict) as twice:
        rules.check_confirmation(party="complainant", claimed=None, version=2, sha256=SHA, latest=2,
                                 latest_sha256=SHA, confirmed=once)
    assert twice.value.code == "already_confirmed"


def test_a_newer_version_voids_and_only_the_latest_version_confirmed_by_both_seals() -> None:
    stored = [("complainant", 1, "a"), ("department", 1, "a"), ("complainant", 2, "b")]
    marked = rules.with_voiding(stored, latest=2)
    assert [c.voided for c in marked] == [True, True, False]
    assert not rules.sealable(marked, latest=2)
    assert rules.waiting_for(marked, latest=2) == ["department"]
    both = rules.with_voiding([*stored, ("department", 2, "b")], latest=2)
    assert rules.sealable(both, latest=2) and rules.waiting_for(both, latest=2) == []
    assert not rules.sealable([], latest=0)
    with pytest.raises(Conflict) as sealed:
        rules.check_open(sealed=True, doing="修改")
    assert sealed.value.code == "agreement_sealed"
