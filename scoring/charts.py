"""Charts of the scoring area, as SVG."""

from __future__ import annotations

from review.core.charts import diverging_bars
from scoring.queries import MemberRow


def lean_chart(members: list[MemberRow]) -> str:
    """A horizontal bar chart of each member's lean, as SVG (presentation attributes only: see review.core.charts)."""
    return diverging_bars("评议员相对所在评议组的平均偏差（分）",
                          [(m.name, m.lean.mean_deviation) for m in members],
                          below=("偏严", "#1f618d"), above=("偏宽", "#b03a2e"))
