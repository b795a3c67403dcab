"""The case lifecycle as a pure function of (status, action, actor role)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(str, Enum):
    received = "received"
    accepted = "accepted"
    dismissed = "dismissed"
    panel_ready = "panel_ready"
    under_review = "under_review"
    deliberation = "deliberation"
    ruled = "ruled"
    closed = "closed"
    withdrawn = "withdrawn"
    settled = "settled"
    reconsideration = "reconsideration"


STATUS_LABELS: dict[str, str] = {
    "received": "已受理",
    "accepted": "已立案",
    "dismissed": "不予评议",
    "panel_ready": "评议组已组成",
    "under_review": "评分中",
    "deliberation": "合议中",
    "ruled": "已作出评议结论",
    "closed": "已办结",
    "withdrawn": "已撤回",
    "settled": "调解结案",
    "reconsideration": "复议中",
}


class Action(str, Enum):
    intake = "intake"
    accept = "accept"
    dismiss = "dismiss"
    convene = "convene"
    start_scoring = "start_scoring"
    close_scoring = "close_scoring"
    issue_ruling = "issue_ruling"
    close = "close"
    withdraw = "withdraw"
    settle = "settle"
    reconsider = "reconsider"


ACTION_LABELS: dict[str, str] = {
    "intake": "受理诉求",
    "accept": "审查通过，立案评议",
    "dismiss": "审查不予评议",
    "convene": "组成评议组",
    "start_scoring": "开始评分",
    "close_scoring": "评分结束，进入合议",
    "issue_ruling": "作出评议结论",
    "close": "办结",
    "withdraw": "撤回",
    "settle": "调解结案",
    "verdict_rendered": "评议意见书已生成",
    "score_submitted": "评议员提交评分",
    "reconsider": "受理复议申请",
    "reasoning_signed": "评议组组长签署评议理由",
    "reconsideration_requested": "申请复议",
    "reconsideration_refused": "不予受理复议申请",
    "ruling_superseded": "原评议结论被复议结论取代",
}


@dataclass(frozen=True)
class Rule:
    source: tuple[Status, ...]
    target: Status
    roles: frozenset[str]
    needs_reason: bool = False


_OFFICE = frozenset({"office"})

RULES: dict[Action, Rule] = {
    Action.accept: Rule((Status.received,), Status.accepted, _OFFICE),
    Action.dismiss: Rule((Status.received,), Status.dismissed, _OFFICE, needs_reason=True),
    # A reconsideration is convened like a first review, with a new panel.
    Action.convene: Rule((Status.accepted, Status.reconsideration), Status.panel_ready, _OFFICE),
    Action.start_scoring: Rule((Status.panel_ready,), Status.under_review, frozenset({"office", "member"})),
    Action.close_scoring: Rule((Status.under_review,), Status.deliberation, _OFFICE),
    Action.issue_ruling: Rule((Status.deliberation,), Status.ruled, _OFFICE),
    Action.close: Rule((Status.ruled,), Status.closed, _OFFICE),
    Action.withdraw: Rule(
        (Status.received, Status.accepted, Status.panel_ready, Status.under_review, Status.deliberation),
        Status.withdrawn,
        frozenset({"office", "complainant"}),
        needs_reason=True,
    ),
    Action.settle: Rule((Status.panel_ready, Status.under_review, Status.deliberation), Status.settled, _OFFICE,
                        needs_reason=True),
    # Accepting a party's request; the request itself is a record, not a move of the case.
    Action.reconsider: Rule((Status.ruled, Status.closed), Status.reconsideration, _OFFICE),
}


class TransitionRefused(Exception):
    """The action is not allowed from this status, by this role, or without a reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def transition(status: str, action: Action, role: str, reason: str = "") -> Status:
    """The status a case moves to when `role` takes `action`; raises TransitionRefused otherwise."""
    rule = RULES[action]
    if role not in rule.roles:
        raise TransitionRefused("forbidden", "您无权执行此操作")
    if Status(status) not in rule.source:
        raise TransitionRefused(
            "invalid_transition",
            f"案件当前状态为「{STATUS_LABELS[status]}」，不能执行「{ACTION_LABELS[action.value]}」",
        )
    if rule.needs_reason and not reason.strip():
        raise TransitionRefused("reason_required", "请填写理由")
    return rule.target


def allowed_actions(status: str, role: str) -> list[Action]:
    """Actions `role` may take on a case in `status` (for showing buttons)."""
    return [a for a, r in RULES.items() if role in r.roles and Status(status) in r.source]
