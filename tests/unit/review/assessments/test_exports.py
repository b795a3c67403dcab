"""Exports: CSV that Excel reads (UTF-8 with a BOM), typed XLSX cells, JSON; formulas neutralised; identifiers
masked in every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import openpyxl
import pytest

from review.assessments.exports import Column, Sheet, export, neutralised, to_csv, to_json, to_xlsx

COLUMNS = [Column("department", "部门"), Column("score", "综合得分"), Column("handled", "受理量"),
           Column("period", "期间"), Column("note", "备注")]
ROWS = [
    {"department": "成都市交通运输局", "score": 91.25, "handled": 120345, "period": "2026-Q4", "note": "良好"},
    {"department": "=HYPERLINK(\"http://x\")", "score": 55.0, "handled": 0, "period": date(2026, 11, 1),
     "note": "联系 138 0013 8000 处理"},
    {"department": "@SUM(A1)", "score": -3, "handled": 7, "period": "+1", "note": "-2"},
]


def sheet() -> Sheet:
    return Sheet("2026年第四季度部门绩效考核排名", COLUMNS, list(ROWS), note="考核方案第2版 sha256 abcdef0123")


def test_csv_starts_with_a_bom_and_reads_back_with_the_csv_module() -> None:
    data = to_csv(sheet())
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["部门", "综合得分", "受理量", "期间", "备注"]
    assert rows[1] == ["成都市交通运输局", "91.25", "120345", "2026-Q4", "良好"]
    assert rows[2][0] == "'=HYPERLINK(\"http://x\")" and rows[2][3] == "2026-11-01"
    assert rows[3][0] == "'@SUM(A1)" and rows[3][3] == "'+1" and rows[3][4] == "'-2" and rows[3][1] == "-3"
    assert "13800138000" not in data.decode().replace(" ", "") and "［电话已隐去］" in rows[2][4]


def test_xlsx_has_a_title_note_header_typed_cells_and_widths() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(sheet())))
    ws = book.worksheets[0]
    assert ws.title == "2026年第四季度部门绩效考核排名"
    assert ws["A1"].value == "2026年第四季度部门绩效考核排名" and ws["A1"].font.bold
    assert ws["A2"].value == "考核方案第2版 sha256 abcdef0123"
    assert [c.value for c in ws[3]] == ["部门", "综合得分", "受理量", "期间", "备注"] and ws["A3"].font.bold
    assert ws["B4"].value == 91.25 and ws["C4"].data_type == "n" and ws["C4"].value == 120345
    assert ws["A5"].value.startswith("'=") and ws["A5"].data_type == "s"
    assert ws["B6"].value == -3 and ws["D6"].value == "'+1"
    assert "［电话已隐去］" in ws["E5"].value
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["A"].width >= len("成都市交通运输局") * 2  # CJK characters count double


def test_json_carries_columns_and_the_same_cells() -> None:
    body = json.loads(to_json(sheet()))
    assert body["note"].startswith("考核方案第2版")
    assert [c["key"] for c in body["columns"]] == ["department", "score", "handled", "period", "note"]
    assert body["rows"][0] == {"department": "成都市交通运输局", "score": 91.25, "handled": 120345,
                               "period": "2026-Q4", "note": "良好"}
    assert body["rows"][2]["department"] == "'@SUM(A1)"


@pytest.mark.parametrize("text", ["=1+1", "+86", "-1", "@x", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text: str) -> None:
    assert neutralised(text) == "'" + text
    assert neutralised("正常文本") == "正常文本"


def test_a_large_sheet_streams_and_an_unknown_format_is_refused() -> None:
    rows = ({"department": f"部门{i}", "score": i / 10, "handled": i, "period": "2026", "note": ""}
            for i in range(3000))  # a generator: read once, as a query's rows would be
    data, media_type = export(Sheet("年度", COLUMNS, rows), "xlsx")
    assert media_type.endswith("spreadsheetml.sheet")
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    values = [row[2] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert values == list(range(3000))
    with pytest.raises(KeyError):
        export(sheet(), "pdf")


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_the_leak_gate_stops_an_export_that_carries_an_identifier_where_masking_does_not_reach(fmt: str) -> None:
    from review.core.leak_gate import LeakStopped

    planted = Sheet(title="CDJT 历史", columns=[Column("name", "部门")], rows=[{"name": "交通运输局"}],
                    note="成都市交通运输局（联系人手机 13800001234） · 2026-01 至 2026-11")
    with pytest.raises(LeakStopped) as stop:
        export(planted, fmt)
    assert [(h.kind, h.where) for h in stop.value.hits] == [("phone", "CDJT 历史·说明")]
    assert stop.value.output == "export" and "13800001234" not in stop.value.message
