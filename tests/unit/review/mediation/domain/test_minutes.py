"""The minutes' pure rules: who keeps them, when, a revision on the version in force, one comment per party."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from review.core.errors import Conflict, Forbidden, Invalid
from review.mediation.domain import minutes

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_the_office_the_chair_or_a_mediator_keeps_the_minutes() -> None:
    minutes.check_mediator(actor_kind="office", seated_as=set())
    minutes.check_mediator(actor_kind="member", seated_as={"chair"})
    minutes.check_mediator(actor_kind="member", seated_as={"mediator", "member"})
    for kind, seated in (("member", {"member"}), ("member", set()), ("liaison", {"chair"}), ("complainant", set())):
        with pytest.raises(Forbidden):
            minutes.check_mediator(actor_kind=kind, seated_as=seated)


def test_minutes_are_kept_during_or_after_a_session_not_before() -> None:
    minutes.check_session(status="scheduled", starts_at=NOW - timedelta(minutes=1), now=NOW)
    with pytest.raises(Conflict) as early:
        minutes.check_session(status="scheduled", starts_at=NOW + timedelta(hours=1), now=NOW)
    assert early.value.code == "session_not_started"
    with pytest.raises(Conflict):
        minutes.check_session(status="cancelled", starts_at=NOW - timedelta(hours=1), now=NOW)


def test_a_revision_on_an_old_version_is_refused() -> None:
    minutes.check_base(current=2, base=2)
    minutes.check_base(current=2, base=None)
    with pytest.raises(Conflict) as stale:
        minutes.check_base(current=3, base=2)
    assert "第 3 版" in stale.value.message


def test_text_and_one_comment_each() -> None:
    assert minutes.text("  记录  ", limit=10, what="调解笔录", field="text") == "记录"
    with pytest.raises(Invalid):
        minutes.text(" ", limit=10, what="调解笔录", field="text")
    with pytest.raises(Invalid) as long:
        minutes.text("字" * 11, limit=10, what="调解笔录", field="text")
    assert "10 字" in long.value.message
    assert minutes.comment_party("liaison") == "liaison"
    with pytest.raises(Forbidden):
        minutes.comment_party("member")
    with pytest.raises(Conflict) as twice:
        minutes.check_first_comment(party="complainant", already=True)
    assert twice.value.message == "诉求人已对本次调解会的笔录发表过意见，每方只能发表一次"
    assert minutes.digest("甲") == hashlib.sha256("甲".encode()).hexdigest()
