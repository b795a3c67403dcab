"""Assessment periods: months, quarters and years, and the months each holds."""

from __future__ import annotations

import pytest

from review.assessments import periods


def test_months_of_a_month_a_quarter_and_a_year() -> None:
    assert periods.months("2026-11") == ["2026-11"]
    assert periods.months("2026-Q4") == ["2026-10", "2026-11", "2026-12"]
    assert periods.months("2026") == [f"2026-{m:02d}" for m in range(1, 13)]
    assert [periods.kind(p) for p in ("2026-11", "2026-Q4", "2026")] == ["month", "quarter", "year"]
    assert periods.first_month("2026-Q3") == "2026-07"


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-01", "2026/11", "", "1999-01"])
def test_what_is_not_a_period(text: str) -> None:
    assert not periods.is_period(text)
    if text != "1999-01":
        with pytest.raises(ValueError):
            periods.months(text)
