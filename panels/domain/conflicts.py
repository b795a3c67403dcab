"""Conflicts of interest as typed values, checked before anyone is seated."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ConflictKind(str, Enum):
    works_for_department = "works_for_department"
    same_community = "same_community"
    personal_tie = "personal_tie"
    earlier_review = "earlier_review"
    recused = "recused"
    challenge_upheld = "challenge_upheld"
    over_capacity = "over_capacity"
    unavailable = "unavailable"
    inactive = "inactive"
    no_account = "no_account"


CONFLICT_LABELS = {
    "works_for_department": "任职于或服务于被评议部门",
    "same_community": "与诉求人同一社区",
    "personal_tie": "申报与当事人存在亲属或其他利害关系",
    "earlier_review": "曾参加本案此前的评议",
    "recused": "本人申请回避",
    "challenge_upheld": "当事人申请回避，评议办决定回避",
    "over_capacity": "在评案件已达上限",
    "unavailable": "申报期间不能参加评议",
    "inactive": "已停用",
    # Imported without a login: an invitation could never be answered, so the seat could only expire.
    "no_account": "尚未开通账号",
}


@dataclass(frozen=True)
class Candidate:
    """A roster member as the draw sees them."""

    id: int
    role: str
    district: str
    community: str
    affiliations: frozenset[str]
    load: int
    max_panels: int
    active: bool = True
    available: bool = True  # False within a period the member declared they cannot serve
    has_account: bool = True  # False until the member has a login to answer invitations with


@dataclass(frozen=True)
class CaseFacts:
    """What conflicts are judged against."""

    department_code: str
    district: str
    community: str
    case_id: int = 0
    # Member ids excluded for this case by a record rather than by their attributes:
    personal_ties: frozenset[int] = frozenset()  # declared ties to a party of the case
    earlier_members: frozenset[int] = frozenset()  # sat on an earlier review of the same case
    recused: frozenset[int] = frozenset()
    challenged: frozenset[int] = frozenset()  # challenges the office upheld


@dataclass(frozen=True)
class Exclusion:
    member_id: int
    kind: ConflictKind


def conflicts_of(candidate: Candidate, case: CaseFacts) -> list[ConflictKind]:
    """Every reason `candidate` may not sit on `case` (empty: eligible)."""
    found: list[ConflictKind] = []
    if not candidate.active:
        found.append(ConflictKind.inactive)
    if case.department_code in candidate.affiliations:
        found.append(ConflictKind.works_for_department)
    if case.community and candidate.community == case.community:
        found.append(ConflictKind.same_community)
    if candidate.id in case.personal_ties:
        found.append(ConflictKind.personal_tie)
    if candidate.id in case.earlier_members:
        found.append(ConflictKind.earlier_review)
    if candidate.id in case.recused:
        found.append(ConflictKind.recused)
    if candidate.id in case.challenged:
        found.append(ConflictKind.challenge_upheld)
    if candidate.load >= candidate.max_panels:
        found.append(ConflictKind.over_capacity)
    if not candidate.available:
        found.append(ConflictKind.unavailable)
    if not candidate.has_account:
        found.append(ConflictKind.no_account)
    return found
