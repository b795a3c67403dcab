"""The live room's pure rules: sides, who hears a caucus, who may post into one, how presence is summed up."""

from __future__ import annotations

import pytest

from review.core.errors import Forbidden, Invalid
from review.mediation.domain import room

pytestmark = pytest.mark.unit


def test_the_office_and_a_mediating_member_are_the_mediator_side() -> None:
    assert room.side_of("office") == room.MEDIATOR
    assert room.side_of("member", mediates=True) == room.MEDIATOR
    assert room.side_of("member") == room.OBSERVER
    assert (room.side_of("complainant"), room.side_of("liaison")) == ("complainant", "liaison")


def test_a_caucus_is_heard_by_the_mediator_and_its_party_only() -> None:
    assert all(room.hears(room.MEDIATOR, c) for c in ("", "complainant", "liaison"))
    assert room.hears("complainant", "complainant") and not room.hears("complainant", "liaison")
    assert room.hears("liaison", "liaison") and not room.hears("liaison", "complainant")
    assert room.hears(room.OBSERVER, "") and not room.hears(room.OBSERVER, "complainant")
    assert room.caucus_args(room.OBSERVER) == ("", "", "")
    assert room.caucus_args("liaison") == ("", "liaison", "liaison")
    assert room.caucus_args(room.MEDIATOR) == ("", "complainant", "liaison")


def test_who_may_post_into_a_caucus() -> None:
    room.check_caucus_post(side=room.MEDIATOR, caucus="liaison", opened=False)  # the mediator opens it
    room.check_caucus_post(side="liaison", caucus="liaison", opened=True)  # its party answers
    room.check_caucus_post(side="liaison", caucus="", opened=False)  # anyone speaks to the whole room
    with pytest.raises(Forbidden) as early:
        room.check_caucus_post(side="liaison", caucus="liaison", opened=False)
    assert early.value.code == "caucus_not_opened"
    for side in ("complainant", room.OBSERVER):
        with pytest.raises(Forbidden) as refused:
            room.check_caucus_post(side=side, caucus="liaison", opened=True)
        assert refused.value.code == "caucus_forbidden"


def test_a_caucus_field_names_a_party_or_nothing() -> None:
    assert room.caucus_field(None) == "" and room.caucus_field(" liaison ") == "liaison"
    with pytest.raises(Invalid) as refused:
        room.caucus_field("everyone")
    assert refused.value.field == "caucus"


def test_presence_names_roles_never_people() -> None:
    member = room.presence_who(kind="member", label="member:zhou", side=room.MEDIATOR)
    assert member == {"kind": "member", "role": "调解员", "actor": "member:zhou", "order": "1"}
    people = [room.presence_who(kind=k, label=f"{k}:{n}", side=k) for k, n in
              (("complainant", "c"), ("liaison", "a"), ("liaison", "b"))]
    assert room.presence_summary(people) == "诉求人、部门联络员（2 人）"
    assert room.presence_summary([]) == ""


def test_an_event_carries_its_caucus() -> None:
    row = {"id": 3, "kind": "message", "author_kind": "office", "body": "单独说", "sha256": "0" * 64,
           "at": "2026-12-03T10:00:00+00:00", "caucus": "complainant"}
    assert room.event_payload(row)["caucus"] == "complainant"
    assert room.event_payload({**row, "caucus": None})["caucus"] == ""
