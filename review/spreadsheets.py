"""Reading uploaded tables: CSV (UTF-8, with or without BOM) and XLSX, one dict per data row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from review.errors import ServiceError

TABLE_SUFFIXES = (".csv", ".xlsx")


def read_table(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as a person counts it in the file, {header: cell}) for each non-empty data row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), 2):
                if any((value or "").strip() for value in row.values() if isinstance(value, str)):
                    yield number, {(key or "").strip(): value for key, value in row.items()}
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = workbook.active.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
            for number, values in enumerate(rows, 2):
                if any(v is not None and str(v).strip() for v in values):
                    yield number, dict(zip(header, values, strict=False))
        finally:
            workbook.close()
    else:
        raise ServiceError("unsupported_file", "只支持 CSV 和 XLSX 文件")
