"""The holiday table's hand-written SQL: whether a provisional deadline's subject is still open."""

from __future__ import annotations

# A seat still waiting for its member's answer on a panel at work (its reply deadline still counts).
SEAT_STILL_INVITED = (
    "SELECT 1 AS x FROM seat JOIN panel ON panel.id = seat.panel WHERE seat.id = {}"
    " AND seat.status = 'invited' AND panel.status = 'seated'"
)
# A ruling still in force (its redo deadline still counts).
RULING_IN_FORCE = "SELECT 1 AS x FROM ruling WHERE id = {} AND status = 'in_force'"
