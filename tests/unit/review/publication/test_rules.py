"""Whether a ruling may be published, and when the complainant may answer: the pure rules."""

from __future__ import annotations

import pytest

from review.publication import rules
from review.publication.rules import Standing

pytestmark = pytest.mark.unit

READY = Standing(consent="granted", settled_in_mediation=False, verdict_status="valid", public_file=True, held=False)


def _with(**changes: object) -> Standing:
    return Standing(**{**READY.__dict__, **changes})


def test_publishable_when_consented_and_the_public_file_stands() -> None:
    assert rules.publishable(READY) and rules.refusal(READY) is None


@pytest.mark.parametrize(("changes", "reason"), [
    ({"consent": None}, "no_consent"),  # silence is not consent (PIPL art. 14, 25)
    ({"consent": "refused"}, "refused"),
    ({"settled_in_mediation": True}, "settled"),
    ({"settled_in_mediation": True, "consent": "refused"}, "settled"),
    ({"held": True}, "held"),
    ({"verdict_status": None}, "no_verdict"),
    ({"verdict_status": "pending", "public_file": False}, "verdict_pending"),
    ({"public_file": False}, "verdict_pending"),
    ({"verdict_status": "withdrawn"}, "withdrawn"),
    ({"verdict_status": "corrected"}, "withdrawn"),
    ({"verdict_status": "superseded"}, "superseded"),
])
def test_refusal_names_why_a_ruling_is_not_published(changes: dict, reason: str) -> None:
    standing = _with(**changes)
    assert rules.refusal(standing) == reason
    assert not rules.publishable(standing)
    assert reason in rules.REASONS


def test_the_answer_stays_open_until_publication_and_not_for_cases_without_ruling() -> None:
    assert rules.may_answer(case_status="under_review", published=False) is None
    assert rules.may_answer(case_status="ruled", published=False) is None
    assert "不能再更改" in (rules.may_answer(case_status="ruled", published=True) or "")
    for status in ("settled", "dismissed", "withdrawn", "not_selected"):
        assert rules.may_answer(case_status=status, published=False) == "本案不作出评议结论，不涉及公开"
