"""The case lifecycle as a pure function of (status, action, actor role).

The statuses, their labels and the ended ones (ENDED) are the kernel's (`review.core.enums`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from review.core.enums import STATUS_LABELS
from review.core.enums import CaseStatus as Status
from review.core.i18n import lazy_labels


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
    open_mediation = "open_mediation"
    end_mediation = "end_mediation"
    # 未入选 by the published selection policy (review.selection), and the complainant's request to review it anyway.
    not_select = "not_select"
    request_review = "request_review"


ACTION_LABELS: dict[str, str] = lazy_labels({
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
    "mediation_draft": "保存调解协议草稿（内容不入案卷）",
    "mediation_confirm": "确认调解协议",
    "mediation_agreement_sealed": "调解协议经各方确认，签订封存",
    "mediation_agreement_rendered": "调解协议书已生成",
    "verdict_rendered": "评议意见书已生成",
    "score_submitted": "评议员提交评分",
    "reconsider": "受理复议申请",
    "open_mediation": "启动调解，评分暂停",
    "end_mediation": "调解未达成协议，恢复评议",
    "not_select": "按公布的选取规则未入选评议",
    "request_review": "诉求人申请评议，重新进入审查",
    "mediation_session_scheduled": "安排调解会",
    "mediation_invitation_answered": "答复调解会邀请",
    "mediation_extended": "延长调解期限",
    "mediation_message": "调解室发言（内容不入案卷）",
    "mediation_reminder": "发出调解会提醒",
    "reasoning_signed": "评议组组长签署评议理由",
    "reconsideration_requested": "申请复议",
    "reconsideration_refused": "不予受理复议申请",
    "ruling_superseded": "原评议结论被复议结论取代",
    # Steps of a case besides its moves between statuses.
    "draw_seed_committed": "登记抽取种子的哈希",
    "invitation_accepted": "评议员接受邀请",
    "invitation_declined": "评议员谢绝邀请",
    "invitation_recused": "评议员申请回避",
    "invitation_expired": "评议员逾期未答复",
    "invitation_withdrawn": "本案已结束，撤回评议邀请",
    "panel_dissolved": "本案已结束，评议组解散",
    "seat_refilled": "补充抽取评议员",
    "challenge_raised": "当事人申请评议员回避",
    "challenge_upheld": "评议办决定评议员回避",
    "challenge_rejected": "评议办驳回回避申请",
    "deliberation_message": "合议发言",
    "reasoning_drafted": "组长起草评议理由",
    "dissent_recorded": "评议员提出异议",
    "verdict_superseded": "评议意见书被复议结论取代",
    "verdict_withdrawn": "撤销评议意见书",
    "verdict_corrected": "签发更正后的评议意见书",
    "deadline_recounted": "按新载入的节假日安排重新计算期限",
    "clock_reminded": "环节即将到期，催办提醒",
    "clock_escalated": "环节逾期，通报督办",
    "access_code_reissued": "重新生成提取码",
    "mediation_minutes_saved": "记录调解笔录（内容不入案卷）",
    "mediation_minutes_comment": "当事人对调解笔录发表意见",
    "mediation_consent_given": "当事人同意一项调解内容入卷",
    "mediation_consent_withdrawn": "当事人撤回入卷同意",
    "mediation_item_filed": "经双方同意，调解内容移入案卷",
    "case_file_entry_added": "案卷新增材料",
    "complainant_statement_added": "诉求人补充陈述和材料",
    "department_statement_added": "承办部门提交陈述和证据",
    "office_material_added": "评议办补充案卷材料",
    "redo_order_opened": "评议结论为办理不到位，向承办部门发出整改单",
    "redo_order_voided": "整改单作废",
    "redo_reported": "承办部门报告整改完成",
    "redo_accepted": "整改通过验收",
    "redo_returned": "整改被退回，须重新整改",
    "redo_feedback": "诉求人评价整改结果",
    # Steps of the platform, outside any one case.
    "bulk_issuance_requested": "批量签发",
    "criteria_drafted": "起草评议标准",
    "criteria_draft_updated": "修改评议标准草稿",
    "criteria_published": "发布评议标准",
    "scheme_drafted": "起草考核方案",
    "scheme_draft_updated": "修改考核方案草稿",
    "scheme_published": "发布考核方案",
    "base_figures_imported": "导入热线基础数据",
    "assessment_export_requested": "导出年度考核数据",
    "declarations_updated": "评议员更新申报",
    "roster_imported": "导入评议员名册",
    "roster_member_updated": "修改评议员信息",
    "round_requested": "申请批量组成评议组",
    "round_done": "批量组成评议组完成",
    "template_saved": "保存组成模板",
    "holidays_loaded": "载入节假日安排",
    "holidays_seeded": "补充节假日数据",
    "clock_policy_draft_saved": "修改时限规则草稿",
    "clock_policy_published": "发布时限规则",
    "clock_shifts_recorded": "重算未结环节的期限",
    "api_token_revoked": "注销 API 令牌",
    "account_deactivated": "停用账号",
    "account_created": "建立登录账号",
    "account_password_reset": "重置密码",
    "account_password_set": "设置密码",
    "account_reactivated": "恢复账号",
    "totp_enabled": "启用两步验证",
    "totp_disabled": "关闭两步验证",
    "recovery_code_used": "以恢复码登录",
    "selection_policy_drafted": "起草评议案件选取规则",
    "selection_policy_draft_updated": "修改评议案件选取规则草稿",
    "selection_policy_published": "发布评议案件选取规则",
    "selection_drawn": "按选取规则生成批量审查方案（随机抽样）",
    "selection_adjusted": "调整批量审查方案中的单件案件",
    "selection_apply_requested": "应用批量审查方案",
    "selection_applied": "批量审查方案应用完毕",
    "selection_discarded": "放弃批量审查方案",
    "publication_consent_granted": "诉求人同意公开评议结论",
    "publication_consent_refused": "诉求人不同意公开评议结论",
    "ruling_published": "公开评议结论",
    "ruling_republished": "按更正后的意见书重新公开评议结论",
    "ruling_unpublished": "撤下公开的评议结论",
    "publication_held": "评议办决定暂不公开评议结论",
    "publication_released": "评议办恢复公开评议结论",
    "leak_stopped": "公开前检查发现疑似个人信息，已停止公开",
    "leak_stop_cleared": "评议办核查拦截记录后重新检查",
    "webhook_registered": "登记推送地址",
    "webhook_changed": "修改推送地址",
    "webhook_secret_rotated": "更换推送签名密钥",
    "webhook_enabled": "启用推送地址",
    "webhook_disabled": "停用推送地址",
    "webhook_replayed": "重新推送",
    "webhook_stopped": "推送内容疑似含个人信息，未推送",
})

# Reasons that stay with the office: a member's own grounds for declining or recusing, and a party's grounds
# for challenging a member, are not shown to the other party on the case's timeline.
PRIVATE_REASONS = frozenset({"invitation_declined", "invitation_recused", "invitation_expired",
                             "challenge_raised", "challenge_upheld", "challenge_rejected"})


@dataclass(frozen=True)
class Rule:
    source: tuple[Status, ...]
    target: Status | None  # None: back to the status the case came from (`came_from`)
    roles: frozenset[str]
    needs_reason: bool = False


_OFFICE = frozenset({"office"})

# The statuses mediation may be opened from (a case accepted or under review), and so returned to.
MEDIATION_FROM = (Status.accepted, Status.panel_ready, Status.under_review)

RULES: dict[Action, Rule] = {
    Action.accept: Rule((Status.received,), Status.accepted, _OFFICE),
    Action.dismiss: Rule((Status.received,), Status.dismissed, _OFFICE, needs_reason=True),
    # A reconsideration is convened like a first review, with a new panel.
    Action.convene: Rule((Status.accepted, Status.reconsideration), Status.panel_ready, _OFFICE),
    Action.start_scoring: Rule((Status.panel_ready,), Status.under_review, frozenset({"office", "member"})),
    Action.close_scoring: Rule((Status.under_review,), Status.deliberation, _OFFICE),
    Action.issue_ruling: Rule((Status.deliberation,), Status.ruled, _OFFICE),
    Action.close: Rule((Status.ruled,), Status.closed, _OFFICE),
    # A complainant may withdraw at any stage before the ruling, mediation included (the mediation then ends:
    # review.mediation.services.stage.withdraw).
    Action.withdraw: Rule(
        (Status.received, Status.accepted, Status.panel_ready, Status.under_review, Status.deliberation,
         Status.mediation),
        Status.withdrawn,
        frozenset({"office", "complainant"}),
        needs_reason=True,
    ),
    # The office settles; the platform ("system") does when every party has confirmed a mediation agreement.
    Action.settle: Rule((Status.panel_ready, Status.under_review, Status.deliberation, Status.mediation),
                        Status.settled, frozenset({"office", "system"}), needs_reason=True),
    # Accepting a party's request; the request itself is a record, not a move of the case.
    Action.reconsider: Rule((Status.ruled, Status.closed), Status.reconsideration, _OFFICE),
    # Mediation pauses the review: scoring is refused while it is open; no agreement resumes where it stood.
    # The panel's chair too, when the office allows it (MEDIATION_CHAIR_MAY_OPEN, checked by the service).
    Action.open_mediation: Rule(MEDIATION_FROM, Status.mediation, frozenset({"office", "member"})),
    Action.end_mediation: Rule((Status.mediation,), None, _OFFICE),
    # Bulk screening by the selection policy: a case the policy leaves out is 未入选, with the reason; its
    # complainant (or the office on their behalf) may still ask, which puts it back in the screening queue.
    Action.not_select: Rule((Status.received,), Status.not_selected, _OFFICE, needs_reason=True),
    Action.request_review: Rule((Status.not_selected,), Status.received, frozenset({"office", "complainant"})),
}


class TransitionRefused(Exception):
    """The action is not allowed from this status, by this role, or without a reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def transition(status: str, action: Action, role: str, reason: str = "", *, came_from: str | None = None) -> Status:
    """The status a case moves to when `role` takes `action`; raises TransitionRefused otherwise.

    An action that goes back (ending mediation) goes to `came_from`, which must be a status it could have come from."""
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
    if rule.target is not None:
        return rule.target
    if came_from not in {s.value for s in MEDIATION_FROM}:
        raise TransitionRefused("invalid_transition", "未记录案件调解前的状态，不能恢复评议")
    return Status(came_from)


def allowed_actions(status: str, role: str) -> list[Action]:
    """Actions `role` may take on a case in `status` (for showing buttons)."""
    return [a for a, r in RULES.items() if role in r.roles and Status(status) in r.source]
