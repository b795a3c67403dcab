"""Exports of the assessments (league tables, a department's history, redo orders): rows → CSV, XLSX or JSON bytes.

Pure: the caller reads the rows, this writes them. Every text cell passes through `core.privacy.mask_text`, so no
identifier's shape (a phone or ID number, an e-mail address, …) leaves in an export even if one slipped into a
field; and a text cell that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage
return) is neutralised with a leading apostrophe, as OWASP's advice on CSV injection says. Numbers stay numbers
(typed cells in XLSX), so a sheet can sum them.

CSV is UTF-8 with a byte-order mark, which is what makes Excel read the Chinese; XLSX is written by XlsxWriter in
constant-memory mode (rows streamed, not held as cells), with a header row, column widths and a note row naming the
scheme version and its hash."""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from review.core.leak_gate import Hit, LeakStopped
from review.core.privacy import find_leaks, mask_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_TYPE = "application/json"
_WIDTH_MIN, _WIDTH_MAX = 6, 60


@dataclass(frozen=True)
class Column:
    """One column of an export: the row's key, its Chinese heading, and how wide it starts in a spreadsheet."""

    key: str
    heading: str
    width: int = 0  # 0: from the heading and the values


@dataclass(frozen=True)
class Sheet:
    """What one export holds: its title (the XLSX sheet's name), columns, rows, and a note (the scheme version
    and hash, the period) printed under the title."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Mapping[str, Any]]
    note: str = ""


def neutralised(text: str) -> str:
    """A text cell a spreadsheet will show, never run: one that starts like a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> Any:
    """A value as an export carries it: numbers as numbers, dates as ISO text, text masked and neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _text(str(value))


@functools.lru_cache(maxsize=1 << 16)
def _text(value: str) -> str:
    # the same department names, states and dates recur in every row: each is masked once
    return neutralised(mask_text(value))


@functools.lru_cache(maxsize=1 << 16)
def _leak_kinds(text: str) -> tuple[str, ...]:
    return tuple(leak.kind for leak in find_leaks(text))


def _gate(sheet: Sheet, parts: Mapping[str, str]) -> None:
    for where, text in parts.items():
        if text and (kinds := _leak_kinds(text)):
            raise LeakStopped([Hit(kind, f"{sheet.title}·{where}") for kind in kinds], "导出文件", output="export",
                              subject=sheet.title[:100])


def _framed(sheet: Sheet) -> Sheet:
    """The sheet once its title, note and headings have passed the leak gate (the cells pass it row by row)."""
    _gate(sheet, {"标题": sheet.title, "说明": sheet.note, **{f"表头{i + 1}": c.heading
                                                           for i, c in enumerate(sheet.columns)}})
    return sheet


def _cells(sheet: Sheet) -> Iterable[list[Any]]:
    """Each row's cells as written; the leak gate reads every text cell after masking, and a hit stops the export
    (naming the sheet and the column, never the value)."""
    for row in sheet.rows:
        values = [cell(row.get(column.key)) for column in sheet.columns]
        _gate(sheet, {column.heading: value for column, value in zip(sheet.columns, values, strict=True)
                      if isinstance(value, str)})
        yield values


def to_csv(sheet: Sheet) -> bytes:
    """UTF-8 with a BOM; the header row of Chinese headings, then one line per row (the note is not a row: a CSV
    file has no place for one that a program reading it would not take for data)."""
    _framed(sheet)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.heading for column in sheet.columns])
    writer.writerows(_cells(sheet))
    return out.getvalue().encode("utf-8")


def to_json(sheet: Sheet) -> bytes:
    """{"title", "note", "columns": [{"key", "heading"}], "rows": [{key: value}]}, the values as in CSV."""
    _framed(sheet)
    rows = [dict(zip([c.key for c in sheet.columns], values, strict=True)) for values in _cells(sheet)]
    return json.dumps({"title": sheet.title, "note": sheet.note,
                       "columns": [{"key": c.key, "heading": c.heading} for c in sheet.columns], "rows": rows},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _display_width(value: Any) -> int:
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK characters take two columns


def _sheet_title(title: str) -> str:
    # Excel forbids []:*?/\ in a sheet name and allows 31 characters.
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "Sheet"
    return cleaned[:31]


def _unique_titles(sheets: Sequence[Sheet]) -> list[str]:
    titles: list[str] = []
    for sheet in sheets:
        title, n = _sheet_title(sheet.title), 1
        while title.lower() in (t.lower() for t in titles):  # Excel's sheet names are unique, whatever their case
            n += 1
            title = f"{_sheet_title(sheet.title)[:28]}({n})"
        titles.append(title)
    return titles


def to_xlsx(*sheets: Sheet) -> bytes:
    """One workbook, a worksheet per sheet: the title and note rows, the header row (bold, frozen below it), the
    rows as typed cells, and column widths from the headings and the first thousand rows."""
    # lazy: XlsxWriter is needed only for an XLSX export
    import xlsxwriter

    out = io.BytesIO()
    # constant memory: each row is written out as it comes; no text is ever taken for a formula, a number or a link
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    title_format = book.add_format({"bold": True, "font_size": 13})
    bold = book.add_format({"bold": True})
    for sheet, name in zip(sheets, _unique_titles(sheets), strict=True):
        _framed(sheet)
        ws = book.add_worksheet(name)
        widths = [max(column.width, _display_width(column.heading)) for column in sheet.columns]
        rows = _cells(sheet)
        sample: list[list[Any]] = []
        for values in rows:  # widths from the first rows, then the rest streamed
            sample.append(values)
            if len(sample) >= 1000:
                break
        for values in sample:
            for index, value in enumerate(values):
                widths[index] = max(widths[index], _display_width(value))
        for index, width in enumerate(widths):
            ws.set_column(index, index, min(_WIDTH_MAX, max(_WIDTH_MIN, width + 2)))
        ws.freeze_panes(3, 0)
        ws.write_string(0, 0, neutralised(sheet.title), title_format)
        ws.write_string(1, 0, neutralised(mask_text(sheet.note)))
        ws.write_row(2, 0, [column.heading for column in sheet.columns], bold)
        line = 3
        for values in sample:
            ws.write_row(line, 0, values)
            line += 1
        for values in rows:
            ws.write_row(line, 0, values)
            line += 1
    book.close()
    return out.getvalue()


FORMATS: dict[str, tuple[Callable[[Sheet], bytes], str]] = {
    "csv": (to_csv, CSV_TYPE), "json": (to_json, JSON_TYPE), "xlsx": (to_xlsx, XLSX_TYPE)}


def export(sheet: Sheet, fmt: str) -> tuple[bytes, str]:
    """The sheet in `fmt` (csv, xlsx or json) and its media type; KeyError for another format (the caller names
    the formats it offers)."""
    write, media_type = FORMATS[fmt]
    return write(sheet), media_type
