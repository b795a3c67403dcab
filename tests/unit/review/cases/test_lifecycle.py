"""The case lifecycle (DESIGN §2): who may move a case from which status to which, and with what."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.cases.lifecycle import RULES, Action, Status, TransitionRefused, allowed_actions, transition

pytestmark = pytest.mark.unit

ROLES = ("office", "member", "liaison", "complainant", "public")
TERMINAL = (Status.dismissed, Status.withdrawn, Status.settled)

# The lifecycle of DESIGN §2 written out by hand, so a changed rule table shows up here.
EXPECTED = {
    Action.accept: ({Status.received}, Status.accepted, {"office"}, False),
    Action.dismiss: ({Status.received}, Status.dismissed, {"office"}, True),
    Action.convene: ({Status.accepted, Status.reconsideration}, Status.panel_ready, {"office"}, False),
    Action.start_scoring: ({Status.panel_ready}, Status.under_review, {"office", "member"}, False),
    Action.close_scoring: ({Status.under_review}, Status.deliberation, {"office"}, False),
    Action.issue_ruling: ({Status.deliberation}, Status.ruled, {"office"}, False),
    Action.close: ({Status.ruled}, Status.closed, {"office"}, False),
    Action.withdraw: (
        # in mediation too: the complainant may withdraw; the mediation ends with the case
        {Status.received, Status.accepted, Status.panel_ready, Status.under_review, Status.deliberation,
         Status.mediation},
        Status.withdrawn,
        {"office", "complainant"},
        True,
    ),
    Action.settle: ({Status.panel_ready, Status.under_review, Status.deliberation, Status.mediation}, Status.settled,
                    {"office", "system"}, True),
    Action.reconsider: ({Status.ruled, Status.closed}, Status.reconsideration, {"office"}, False),
    # the panel's chair ("member") only when the office allows it, which the service checks
    Action.open_mediation: ({Status.accepted, Status.panel_ready, Status.under_review}, Status.mediation,
                            {"office", "member"}, False),
    # None: back to where the case came from (CAME_FROM in these tests).
    Action.end_mediation: ({Status.mediation}, None, {"office"}, False),
    Action.not_select: ({Status.received}, Status.not_selected, {"office"}, True),
    Action.request_review: ({Status.not_selected}, Status.received, {"office", "complainant"}, False),
}
CAME_FROM = "under_review"


def _target(action: Action) -> Status:
    return EXPECTED[action][1] or Status(CAME_FROM)

ALLOWED = [
    (action, source, role)
    for action, (sources, _, roles, _) in EXPECTED.items()
    for source in sorted(sources)
    for role in sorted(roles)
]
WRONG_STATUS = [
    (action, status, min(roles))
    for action, (sources, _, roles, _) in EXPECTED.items()
    for status in Status
    if status not in sources
]
WRONG_ROLE = [
    (action, min(sources), role)
    for action, (sources, _, roles, _) in EXPECTED.items()
    for role in ROLES
    if role not in roles
]
NEEDS_REASON = [action for action, (_, _, _, needs) in EXPECTED.items() if needs]


def _refusal(status: str, action: Action, role: str, reason: str = "理由") -> str:
    with pytest.raises(TransitionRefused) as refused:
        transition(status, action, role, reason, came_from=CAME_FROM)
    return refused.value.code


def test_rules_cover_exactly_the_documented_lifecycle() -> None:
    actual = {
        action: (set(rule.source), rule.target, set(rule.roles), rule.needs_reason)
        for action, rule in RULES.items()
    }

    assert actual == EXPECTED


@pytest.mark.parametrize(("action", "source", "role"), ALLOWED)
def test_transition_allowed_moves_to_the_rule_target(action: Action, source: Status, role: str) -> None:
    target = transition(source.value, action, role, reason="诉求人申请撤回", came_from=CAME_FROM)

    assert target == _target(action)


@pytest.mark.parametrize(("action", "status", "role"), WRONG_STATUS)
def test_transition_from_wrong_status_is_invalid_transition(
    action: Action, status: Status, role: str
) -> None:
    assert _refusal(status.value, action, role) == "invalid_transition"


@pytest.mark.parametrize(("action", "status", "role"), WRONG_ROLE)
def test_transition_by_wrong_role_is_forbidden(action: Action, status: Status, role: str) -> None:
    assert _refusal(status.value, action, role) == "forbidden"


@pytest.mark.parametrize("action", NEEDS_REASON)
@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_transition_without_reason_is_reason_required(action: Action, reason: str) -> None:
    source = min(EXPECTED[action][0])

    assert _refusal(source.value, action, "office", reason) == "reason_required"


@pytest.mark.parametrize("action", [a for a in EXPECTED if a not in NEEDS_REASON])
def test_transition_without_reason_allowed_when_rule_needs_none(action: Action) -> None:
    source = min(EXPECTED[action][0])

    assert transition(source.value, action, "office", came_from=CAME_FROM) == _target(action)


def test_transition_refusal_message_names_status_and_action() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition("closed", Action.accept, "office")

    assert "已办结" in refused.value.message
    assert "审查通过" in refused.value.message


def test_transition_wrong_role_refused_before_status_is_revealed() -> None:
    # A caller without the role must not learn the case's status from the refusal.
    assert _refusal("closed", Action.accept, "liaison") == "forbidden"


@pytest.mark.parametrize("status", TERMINAL)
@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_terminal_status_offers_nothing(status: Status, role: str) -> None:
    assert allowed_actions(status.value, role) == []


@pytest.mark.parametrize(("status", "role"), list(itertools.product(Status, ROLES)))
def test_allowed_actions_match_transition_for_every_status_and_role(status: Status, role: str) -> None:
    offered = set(allowed_actions(status.value, role))

    accepted = set()
    for action in RULES:
        try:
            transition(status.value, action, role, reason="理由", came_from=CAME_FROM)
        except TransitionRefused:
            continue
        accepted.add(action)

    assert offered == accepted


@given(
    status=st.sampled_from(list(Status)),
    role=st.one_of(st.sampled_from(ROLES), st.text(max_size=12)),
    action=st.sampled_from(list(RULES)),
    reason=st.text(max_size=8),
)
def test_transition_succeeds_exactly_when_offered_and_reason_given(
    status: Status, role: str, action: Action, reason: str
) -> None:
    offered = action in allowed_actions(status.value, role)
    reason_ok = bool(reason.strip()) or not RULES[action].needs_reason

    try:
        target = transition(status.value, action, role, reason, came_from=CAME_FROM)
    except TransitionRefused as refused:
        if offered:
            expected = "reason_required"
        elif role not in RULES[action].roles:
            expected = "forbidden"
        else:
            expected = "invalid_transition"
        assert not (offered and reason_ok)
        assert refused.code == expected
    else:
        assert offered and reason_ok
        assert target == (RULES[action].target or Status(CAME_FROM))


def test_ruling_only_after_scoring_closed_and_deliberation() -> None:
    # Scores are sealed until the office closes scoring; a ruling comes only out of deliberation.
    assert _refusal("under_review", Action.issue_ruling, "office") == "invalid_transition"
    assert transition("under_review", Action.close_scoring, "office") == Status.deliberation
    assert transition("deliberation", Action.issue_ruling, "office") == Status.ruled


def test_reconsideration_convenes_a_new_panel_from_ruled_or_closed() -> None:
    assert transition("closed", Action.reconsider, "office") == Status.reconsideration
    assert transition("reconsideration", Action.convene, "office") == Status.panel_ready
    assert _refusal("ruled", Action.reconsider, "liaison") == "forbidden"


def test_every_recorded_action_has_a_chinese_label() -> None:
    """Timelines show ACTION_LABELS; an action recorded anywhere without a label would show as its code."""
    import re
    from pathlib import Path

    from review.cases.lifecycle import ACTION_LABELS, Action

    root = Path(__file__).resolve().parents[4]
    recorded = {m for package in ("review", "panels", "scoring") for path in (root / package).rglob("*.py")
                for line in path.read_text(encoding="utf-8").splitlines() if "add_argument" not in line
                for m in re.findall(r'action="([a-z_]+)"', line)}
    recorded |= {f"invitation_{s}" for s in ("accepted", "declined", "recused")}  # built from the answer
    recorded |= {f"challenge_{s}" for s in ("upheld", "rejected")}  # built from the decision
    recorded |= {a.value for a in Action}

    assert recorded - set(ACTION_LABELS) == set()
    assert all(not label.isascii() for label in ACTION_LABELS.values())


@pytest.mark.parametrize("came_from", ["accepted", "panel_ready", "under_review"])
def test_mediation_pauses_and_ending_it_without_agreement_returns_where_the_case_stood(came_from: str) -> None:
    assert transition(came_from, Action.open_mediation, "office") == Status.mediation
    assert transition("mediation", Action.end_mediation, "office", came_from=came_from) == Status(came_from)
    assert transition("mediation", Action.settle, "office", "调解达成协议") == Status.settled


@pytest.mark.parametrize("came_from", [None, "", "deliberation", "mediation", "closed", "nonsense"])
def test_ending_mediation_needs_a_status_it_could_have_come_from(came_from: str | None) -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition("mediation", Action.end_mediation, "office", came_from=came_from)

    assert refused.value.code == "invalid_transition" and "调解" in refused.value.message


def test_no_scoring_or_ruling_step_while_in_mediation() -> None:
    for action in (Action.start_scoring, Action.close_scoring, Action.issue_ruling, Action.convene):
        assert _refusal("mediation", action, "office") == "invalid_transition"
    assert _refusal("mediation", Action.open_mediation, "office") == "invalid_transition"
