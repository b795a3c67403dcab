"""Sealed scoring (DESIGN §4): which score sheets a viewer may see at which stage (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SheetInfo:
    sheet_id: int
    member_id: int  # account id
    submitted: bool


@dataclass(frozen=True)
class Viewer:
    kind: str  # office / member / liaison / complainant / public …
    user_id: int | None
    seated: bool = False  # holds an accepted seat on the panel whose sheets these are


def visible_sheets(viewer: Viewer, sheets: list[SheetInfo], *, scoring_closed: bool) -> list[SheetInfo]:
    """A member sees their own sheet, and others' submitted sheets once their own is in or scoring has
    closed; the office sees submitted sheets only once scoring has closed; parties and the public see
    no individual sheet (only what the verdict prints)."""
    submitted = [s for s in sheets if s.submitted]
    if viewer.kind == "office":
        return submitted if scoring_closed else []
    if viewer.kind != "member" or not viewer.seated or viewer.user_id is None:
        return []
    own = [s for s in sheets if s.member_id == viewer.user_id]
    if scoring_closed or any(s.submitted for s in own):
        return own + [s for s in submitted if s.member_id != viewer.user_id]
    return own


def history_access(viewer: Viewer, sheet: SheetInfo, *, scoring_closed: bool) -> str | None:
    """Which saves of a sheet the viewer may read: "all" (drafts too) for its own member at any time;
    "submitted" for the office once scoring has closed, on a submitted sheet (drafts stay private);
    None for everyone else, fellow members included."""
    if viewer.kind == "member" and viewer.user_id is not None and sheet.member_id == viewer.user_id:
        return "all"
    if viewer.kind == "office" and scoring_closed and sheet.submitted:
        return "submitted"
    return None


def saved_after_viewing(saved_at: datetime | None, others_viewed_at: datetime | None) -> bool:
    """「查看他人评分后修改」: a save made after the member was first shown another member's sheet."""
    return saved_at is not None and others_viewed_at is not None and saved_at > others_viewed_at
