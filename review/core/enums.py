"""The kernel's fixed vocabularies: people's roles, intake channels, and the statuses a case passes through.

Pure: what moves a case from one status to another is `review.cases.lifecycle`."""

from __future__ import annotations

from enum import Enum

from review.core.i18n import lazy_labels


class Role(str, Enum):
    office = "office"
    member = "member"
    liaison = "liaison"


class Channel(str, Enum):
    hotline = "hotline"
    mailbox = "mailbox"
    app = "app"
    wechat = "wechat"
    weibo = "weibo"
    web = "web"


class CaseStatus(str, Enum):
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
    mediation = "mediation"
    not_selected = "not_selected"  # 未入选: left out by the published selection policy; the complainant may still ask


STATUS_LABELS: dict[str, str] = lazy_labels({
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
    "mediation": "调解中",
    "not_selected": "未入选",
})

# A case that ends before a ruling (不予评议、撤回、调解结案) dissolves its panel: open invitations are withdrawn,
# seats and loads released, and no panel action is taken on it any more.
ENDED = frozenset({CaseStatus.dismissed, CaseStatus.withdrawn, CaseStatus.settled})
