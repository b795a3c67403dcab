"""The base figures' rows as the hotline sends them: each field checked, the counts against one another, the table
as a whole; every problem named by row and field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from review.assessments import imports
from review.assessments.imports import check_row, check_rows, check_table, missing_columns
from review.core.errors import Invalid

pytestmark = pytest.mark.unit

DEPARTMENTS = {"CDJT": 1, "CDSW": 2}


def _row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"department_code": "CDJT", "period": "2026-11", "handled": 100, "replied": 99,
                           "resolved": 80, "rated": 60, "satisfied": 40, "basic": 10, "unsatisfied": 10,
                           "overdue": 3, "avg_reply_days": 5.5}
    row.update(overrides)
    return row


def _chinese(row: dict[str, Any]) -> dict[str, Any]:
    return {imports.LABELS[name]: value for name, value in row.items()}


def _problems(row: dict[str, Any]) -> list[tuple[str, str]]:
    checked = check_row(2, row, DEPARTMENTS)
    assert not checked.ok
    return [(p.field, p.message) for p in checked.problems]


def test_good_row_reads_every_figure() -> None:
    checked = check_row(2, _row(), DEPARTMENTS)

    assert checked.ok and checked.problems == ()
    assert checked.figures == imports.Figures(
        department_code="CDJT", department_id=1, period="2026-11", handled=100, replied=99, resolved=80, rated=60,
        satisfied=40, basic=10, unsatisfied=10, overdue=3, avg_reply_days=5.5)
    assert "CDJT 2026-11" in checked.message and "受理 100" in checked.message


def test_chinese_headers_read_as_the_english_ones() -> None:
    assert check_row(2, _chinese(_row()), DEPARTMENTS).figures == check_row(2, _row(), DEPARTMENTS).figures


@pytest.mark.parametrize("value", ["12", 12, 12.0, " 12 ", "12.0"])
def test_count_accepts_a_whole_number_written_any_way(value: Any) -> None:
    checked = check_row(2, _row(overdue=value), DEPARTMENTS)

    assert checked.ok and checked.figures is not None and checked.figures.overdue == 12


@pytest.mark.parametrize(("value", "words"), [
    (12.5, "应为整数"), ("12.5", "应为整数"), (-1, "不能为负数"), ("-1", "不能为负数"), ("十二", "应为非负整数"),
    ("12件", "应为非负整数"), (True, "应为非负整数"), ("", "未填写"), (None, "未填写"), (float("nan"), "应为非负整数"),
    (10**10, "不能超过"),
])
def test_count_refuses_what_is_not_a_non_negative_integer(value: Any, words: str) -> None:
    [(field, message)] = _problems(_row(overdue=value))

    assert field == "overdue"
    assert message.startswith("超期（overdue）") and words in message


def test_unknown_department_is_named() -> None:
    assert _problems(_row(department_code="XXJT")) == [
        ("department_code", "部门编码（department_code）「XXJT」不是平台上的部门")]


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "26-11", "2026/11", "2026年11月", "2026-11-15", "1999"])
def test_period_in_the_wrong_form_is_refused(period: str) -> None:
    [(field, message)] = _problems(_row(period=period))

    assert field == "period" and "2026-Q4" in message


@pytest.mark.parametrize(("period", "read"), [("2026-11", "2026-11"), ("2026-q4", "2026-Q4"), (2026, "2026"),
                                              (2026.0, "2026"), (datetime(2026, 11, 1), "2026-11")])
def test_period_a_month_quarter_or_year(period: Any, read: str) -> None:
    checked = check_row(2, _row(period=period), DEPARTMENTS)

    assert checked.figures is not None and checked.figures.period == read


def test_ratings_above_the_rated_count_contradict() -> None:
    assert _problems(_row(satisfied=50)) == [
        ("rated", "满意、基本满意、不满意合计 70，超过评价量（rated） 60")]


@pytest.mark.parametrize("field", ["replied", "resolved", "overdue", "rated"])
def test_a_count_above_the_handled_count_contradicts(field: str) -> None:
    problems = _problems(_row(**{field: 101}))

    assert (field, f"{imports.LABELS[field]}（{field}）为 101，超过受理量 100") in problems


def test_every_problem_of_a_row_is_named() -> None:
    checked = check_row(7, _row(department_code="XX", period="2026-14", handled="many", basic=-2), DEPARTMENTS)

    assert checked.row == 7 and not checked.ok
    assert checked.fields == ("department_code", "period", "handled", "basic")
    assert checked.message.count("；") == 3


@pytest.mark.parametrize(("value", "read"), [("", None), (None, None), ("5.73", 5.73), (0, 0.0), (6, 6.0)])
def test_average_reply_days_a_number_or_empty(value: Any, read: float | None) -> None:
    checked = check_row(2, _row(avg_reply_days=value), DEPARTMENTS)

    assert checked.figures is not None and checked.figures.avg_reply_days == read


@pytest.mark.parametrize("value", ["-0.5", -1, "五天", "inf", float("inf")])
def test_average_reply_days_refuses_what_is_no_non_negative_number(value: Any) -> None:
    [(field, _)] = _problems(_row(avg_reply_days=value))

    assert field == "avg_reply_days"


def test_duplicate_department_and_period_refused_at_its_second_row() -> None:
    rows = [(2, _row()), (3, _row(department_code="CDSW")), (4, _row(handled=120))]

    checked = check_rows(rows, DEPARTMENTS)

    assert [c.ok for c in checked] == [True, True, False]
    assert checked[2].fields == ("period",)
    assert "与第 2 行重复" in checked[2].message and "CDJT" in checked[2].message


def test_same_department_in_another_period_is_no_duplicate() -> None:
    rows = [(2, _row()), (3, _row(period="2026-Q4")), (4, _row(period="2026"))]

    assert all(c.ok for c in check_rows(rows, DEPARTMENTS))


def test_empty_table_is_refused() -> None:
    with pytest.raises(Invalid) as refused:
        check_table([], DEPARTMENTS)

    assert (refused.value.code, refused.value.field) == ("empty_file", "file")
    assert "没有基础数据" in refused.value.message


def test_missing_required_columns_are_named() -> None:
    row = _row()
    del row["rated"], row["overdue"], row["avg_reply_days"]

    with pytest.raises(Invalid) as refused:
        check_table([(2, row)], DEPARTMENTS)

    assert refused.value.code == "missing_columns"
    assert "评价量（rated）" in refused.value.message and "超期（overdue）" in refused.value.message
    assert "平均回复工作日" not in refused.value.message


def test_headers_match_either_language_with_spaces_and_case_ignored() -> None:
    headers = ["\ufeff部门编码", " Period ", "HANDLED", "回复量", "解决量", "评价量", "满意", "基本满意", "不满意", "超期"]

    assert missing_columns(headers) == []
    assert missing_columns(["部门编码"]) == list(imports.REQUIRED[1:])


def test_the_pages_sample_passes_its_own_check() -> None:
    names = list(imports.COLUMNS)
    rows = [(n, dict(zip(names, values, strict=True))) for n, values in enumerate(imports.SAMPLE, 2)]

    assert all(c.ok for c in check_table(rows, DEPARTMENTS))
