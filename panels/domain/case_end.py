"""A panel's work stops with its case: no panel action on a case that ended before its ruling, or on a
dissolved panel."""

from __future__ import annotations

from review.core.enums import ENDED, STATUS_LABELS, CaseStatus


def panel_refusal(case_status: str, panel_status: str | None, what: str) -> tuple[str, str] | None:
    """(code, message) refusing the panel action `what` on an ended case or a dissolved panel; None if it may go on."""
    if CaseStatus(case_status) in ENDED:
        return "case_ended", f"本案已结束（{STATUS_LABELS[case_status]}），评议组已解散，不能再{what}"
    if panel_status == "dissolved":
        return "panel_dissolved", f"该评议组已解散，不能再{what}"
    return None
