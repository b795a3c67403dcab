"""Whether a ruling may be published (公开), and the complainant's answer on it: pure.

DESIGN §8 makes publication the rule (公开是常态，不公开是例外). Published text is masked (去标识化), not
anonymised: under PIPL art. 73 it is still personal information, and art. 25 requires the complainant's separate
consent (单独同意) to publish it, given actively (art. 14: not silence, not a box ticked in advance). So a ruling is
published once its complainant has said yes; until they answer it waits, and a no is final unless they change it
before publication. Cases settled in mediation are never published (法释〔2016〕19号 art. 4 keeps settled
judgments unpublished); a withdrawn verdict is not published, and the office may hold one back with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

GRANTED, REFUSED = "granted", "refused"
ANSWERS: dict[str, str] = {GRANTED: "同意公开", REFUSED: "不同意公开"}
# What a complainant who has not answered is shown: the ruling waits for their answer.
UNANSWERED = "尚未答复（未经您同意不公开）"

# Statuses of a case that ends without a ruling: nothing of it is published, so nothing is asked.
ENDED_WITHOUT_RULING = frozenset({"dismissed", "withdrawn", "settled", "not_selected"})

# Why a ruling is not (or no longer) public: the reason each check gives.
REASONS: dict[str, str] = {
    "no_consent": "诉求人尚未同意公开",
    "refused": "诉求人不同意公开",
    "settled": "调解结案的案件不公开",
    "no_verdict": "尚无评议意见书",
    "verdict_pending": "评议意见书尚在生成",
    "withdrawn": "评议意见书已撤销",
    "superseded": "评议结论已被复议结论取代",
    "held": "评议办决定暂不公开",
}


@dataclass(frozen=True)
class Standing:
    """What publication depends on, for one case."""

    consent: str | None  # the complainant's latest answer, None if they have not answered
    settled_in_mediation: bool
    verdict_status: str | None  # pending / valid / superseded / withdrawn / corrected; None: no verdict
    public_file: bool  # the verdict's public PDF is stored (rendered and passed the gate)
    held: bool


def refusal(standing: Standing) -> str | None:
    """The reason (a key of REASONS) the ruling may not be published now, or None if it may."""
    if standing.settled_in_mediation:
        return "settled"
    if standing.consent == REFUSED:
        return "refused"
    if standing.consent != GRANTED:
        return "no_consent"
    if standing.held:
        return "held"
    if standing.verdict_status is None:
        return "no_verdict"
    if standing.verdict_status in ("withdrawn", "corrected"):
        return "withdrawn"
    if standing.verdict_status == "superseded":
        return "superseded"
    if standing.verdict_status != "valid" or not standing.public_file:
        return "verdict_pending"
    return None


def publishable(standing: Standing) -> bool:
    """May the ruling be published now?"""
    return refusal(standing) is None


def may_answer(*, case_status: str, published: bool) -> str | None:
    """Why the complainant may not give or change their answer now (a Chinese message), or None if they may:
    the answer stands open until the ruling is published."""
    if published:
        return "评议结论已经公开，公开意见不能再更改；如有异议，请联系评议办"
    if case_status in ENDED_WITHOUT_RULING:
        return "本案不作出评议结论，不涉及公开"
    return None
