"""The verdicts issued on a panel and the panel each prints, for the draw verification
(panels.services.verification, handed this reader by the composition roots)."""

from __future__ import annotations

from typing import Any

from review.core import db
from review.verdicts import services as verdicts


async def printed_panels(panel_id: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each verdict issued on a ruling of this panel, oldest first: its number and the seats it prints."""
    rows = await db.fetch(
        'SELECT v.id, v."case", v.number, v.ruling_id FROM verdict v JOIN ruling r ON r.id = v.ruling_id'
        " WHERE r.panel_id = {} ORDER BY v.id",
        panel_id,
    )
    return [(verdict["number"], await verdicts.printed_panel(verdict)) for verdict in rows]
