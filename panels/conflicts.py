"""Conflicts of interest as typed values, checked before anyone is seated."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ConflictKind(str, Enum):
    works_for_department = "works_for_department"
    same_community = "same_community"
    over_capacity = "over_capacity"
    inactive = "inactive"


CONFLICT_LABELS = {
    "works_for_department": "任职于或服务于被评议部门",
    "same_community": "与诉求人同一社区",
    "over_capacity": "在评案件已达上限",
    "inactive": "已停用",
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


@dataclass(frozen=True)
class CaseFacts:
    """What conflicts are judged against."""

    department_code: str
    district: str
    community: str


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
    if candidate.load >= candidate.max_panels:
        found.append(ConflictKind.over_capacity)
    return found
