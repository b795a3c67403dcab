"""The wall's pure rules: who answers for which party, both consents before the move, nothing after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from review.core.errors import Conflict, Forbidden, Invalid
from review.mediation.domain import wall

pytestmark = pytest.mark.unit

AT = datetime(2026, 12, 3, 2, 5, tzinfo=UTC)


def _consent(party: str, given: bool = True) -> wall.Consent:
    return wall.Consent(party=party, consent=given, by=f"{party}:x", at=AT)


def test_parties_are_the_complainant_and_the_department_only() -> None:
    assert wall.check_party("complainant") == "complainant"
    assert wall.check_party("liaison") == "liaison"
    for kind in ("office", "member", "hotline", "anonymous"):
        with pytest.raises(Forbidden):
            wall.check_party(kind)


def test_item_kind_and_consent_value_are_read_strictly() -> None:
    assert wall.item_kind(" message ") == "message" and wall.item_kind("minutes") == "minutes"
    with pytest.raises(Invalid) as bad:
        wall.item_kind("verdict")
    assert bad.value.field == "item_kind" and "调解室发言" in bad.value.message
    assert wall.consent_value("1") is True and wall.consent_value(False) is False and wall.consent_value("0") is False
    with pytest.raises(Invalid):
        wall.consent_value("maybe")


def test_an_item_moves_only_with_both_consents() -> None:
    with pytest.raises(Conflict) as none:
        wall.check_may_move([], moved=False)
    assert none.value.code == "consent_missing" and "诉求人、承办部门" in none.value.message
    with pytest.raises(Conflict) as one:
        wall.check_may_move([_consent("complainant"), _consent("liaison", False)], moved=False)
    assert one.value.message.endswith("承办部门")
    both = wall.check_may_move([_consent("liaison"), _consent("complainant")], moved=False)
    assert [c.party for c in both] == ["complainant", "liaison"]
    assert wall.both_consented(both)


def test_nothing_changes_once_an_item_is_in_the_file() -> None:
    with pytest.raises(Conflict) as moved:
        wall.check_may_move([_consent("complainant"), _consent("liaison")], moved=True)
    assert moved.value.code == "already_in_file"
    with pytest.raises(Conflict):
        wall.check_may_change(moved=True)
    wall.check_may_change(moved=False)


def test_the_file_records_source_ref_titles_and_consents() -> None:
    assert wall.source_ref(3, "message", 17) == "mediation:3:message:17"
    assert wall.item_title("message", author="诉求人", when="2026-12-03 10:05") == "调解室发言（诉求人，2026-12-03 10:05）"
    assert wall.item_title("minutes", author="", when="2026-12-03 10:00", version=2) == "调解笔录（2026-12-03 10:00调解会，第 2 版）"
    assert wall.consents_json([_consent("complainant")]) == [
        {"party": "complainant", "party_label": "诉求人", "by": "complainant:x", "at": AT.isoformat()}]
    assert wall.board([{"item_kind": "message", "item_id": 4, "party": "liaison", "consent": 1}]) == {
        ("message", 4): {"liaison": True}}


def test_a_missing_message_is_said_to_be_none_of_the_whole_room() -> None:
    assert "单独沟通中的发言不能入卷" in wall.not_found_message("message")
    assert wall.not_found_message("minutes") == "本次调解中没有这条调解笔录"
