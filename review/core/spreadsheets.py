"""Reading uploaded tables: CSV (UTF-8 with or without BOM, or GB18030/GBK as Excel saves it in zh-CN) and XLSX,
one dict per data row, streamed and bounded (bytes, rows, cells) so that no table is ever held whole."""

from __future__ import annotations

import asyncio
import codecs
import csv
import multiprocessing
import zipfile
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from review.core import errors, priority, settings
from review.core.errors import Invalid, ServiceError, TooLarge

TABLE_SUFFIXES = (".csv", ".xlsx")
CHUNK_ROWS = 500  # rows read off the event loop at a time
_BLOCK = 1 << 20


@dataclass(frozen=True)
class RowReport:
    """One row of an imported table: its number in the file, whether it went in, and why not (or what)."""

    row: int
    ok: bool
    message: str


@dataclass(frozen=True)
class ImportReport:
    """Row by row, and how many rows were stored. Reads as its rows (iterate, index, len)."""

    rows: tuple[RowReport, ...]
    imported: int

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows) and bool(self.rows)

    def __iter__(self) -> Iterator[RowReport]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> RowReport:
        return self.rows[index]


def _csv_encoding(path: Path) -> str:
    """utf-8-sig when the whole file is UTF-8 (a BOM is dropped), otherwise gb18030 (a superset of GBK)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while block := handle.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[list[str]]:
    encoding = _csv_encoding(path)
    with path.open(encoding=encoding, errors="strict", newline="") as handle:
        reader = csv.reader(handle)
        try:
            yield from reader
        except UnicodeDecodeError:
            raise Invalid("unreadable_file", "CSV 文件的编码无法识别，请另存为 UTF-8 或 GBK 编码", field="file") from None
        except csv.Error:
            raise Invalid("unreadable_file", f"CSV 文件第 {reader.line_num + 1} 行格式有误", field="file") from None


def _not_xlsx() -> Invalid:
    return Invalid("invalid_xlsx", "上传的文件不是有效的 XLSX 表格（可能已损坏，或并非 Excel 文件）", field="file")


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    if not zipfile.is_zipfile(path):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise _not_xlsx() from None
    if unpacked > 50 * settings.IMPORT_MAX_BYTES:
        raise TooLarge("file_too_large", "XLSX 文件解压后过大", field="file")
    # lazy: openpyxl is heavy to import and needed only for an XLSX upload, in the reader process
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # What openpyxl raises for a broken workbook: missing parts, bad XML (SyntaxError), odd values.
    broken = (KeyError, ValueError, TypeError, IndexError, AttributeError, zipfile.BadZipFile, OSError, SyntaxError,
              InvalidFileException)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except broken:
        raise _not_xlsx() from None
    try:
        sheet = workbook.active
        if sheet is None:
            raise _not_xlsx()
        try:
            yield from sheet.iter_rows(values_only=True)
        except broken:
            raise _not_xlsx() from None
    finally:
        workbook.close()


def read_table(
    path: Path, *, max_rows: int | None = None,
) -> Generator[tuple[int, dict[str, Any]], None, None]:
    """(row number as a person counts it in the file, {header: cell}) for each non-empty data row.

    Refused with 413 naming the limit: a file over IMPORT_MAX_BYTES, more data rows than `max_rows`
    (IMPORT_MAX_ROWS unless given), more cells than IMPORT_MAX_CELLS. Rows are read one at a time.
    """
    max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    if not path.is_file():
        raise Invalid("file_not_found", f"找不到文件 {path.name}，请检查文件名和路径", field="file")
    if path.stat().st_size > settings.IMPORT_MAX_BYTES:
        raise TooLarge("file_too_large", f"文件超过 {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB 的上限",
                       field="file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows: Iterator[Any] = _csv_rows(path)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path)
    else:
        raise Invalid("unsupported_file", "只支持 CSV 和 XLSX 文件", field="file")
    header: list[str] | None = None
    cells = 0
    for number, values in enumerate(rows, 1):
        cells += len(values)
        if cells > settings.IMPORT_MAX_CELLS:
            raise TooLarge("too_many_cells", f"文件超过 {settings.IMPORT_MAX_CELLS} 个单元格的上限", field="file")
        if header is None:
            header = [str(h).strip().lstrip("\ufeff") if h is not None else "" for h in values]
            continue
        if number - 1 > max_rows:
            raise TooLarge("too_many_rows", f"文件超过 {max_rows} 行数据的上限", field="file")
        if any(v is not None and str(v).strip() for v in values):
            yield number, dict(zip(header, values, strict=False))


def _read_into(path: str, max_rows: int | None, size: int, out: Connection) -> None:
    """(In a reader process.) Send the table's rows in chunks, then ("end", None) or the refusal."""
    priority.lower()
    try:
        chunk: list[tuple[int, dict[str, Any]]] = []
        for item in read_table(Path(path), max_rows=max_rows):
            chunk.append(item)
            if len(chunk) >= size:
                out.send(("rows", chunk))
                chunk = []
        if chunk:
            out.send(("rows", chunk))
        out.send(("end", None))
    except ServiceError as error:
        out.send(("error", (type(error).__name__, error.code, error.message, error.field)))
    finally:
        out.close()


async def _chunks_from_reader(path: Path, max_rows: int | None, size: int) -> AsyncIterator[list[tuple[int, Any]]]:
    """The rows of a large table from a reader process of its own: parsing XML is Python work that would keep the
    interpreter lock from the event loop for as long as it runs, were it on a thread of this process."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    reader = context.Process(target=_read_into, args=(str(path), max_rows, size, theirs), daemon=True)
    await asyncio.to_thread(reader.start)
    theirs.close()
    try:
        while True:
            try:
                kind, payload = await asyncio.to_thread(ours.recv)
            except EOFError:
                raise Invalid("unreadable_file", "读取文件时出错，请重新上传", field="file") from None
            if kind == "end":
                return
            if kind == "error":
                name, code, message, field = payload
                raise getattr(errors, name, ServiceError)(code, message, field=field)
            yield payload
    finally:
        ours.close()
        await asyncio.to_thread(reader.join, 5)
        if reader.is_alive():
            reader.kill()


def _converted(
    rows: list[tuple[int, Any]], convert: Callable[[dict[str, Any]], Any],
) -> list[tuple[int, Any]]:
    return [(n, convert(row)) for n, row in rows]


async def table_chunks(
    path: Path, *, max_rows: int | None = None, convert: Callable[[dict[str, Any]], Any] | None = None,
    size: int = CHUNK_ROWS, reader_process: bool = False,
) -> AsyncIterator[list[tuple[int, Any]]]:
    """`read_table` in chunks read on a worker thread (with `convert` applied there), or with `reader_process`
    read by a process of its own (for large files), so that the event loop goes on serving between chunks
    whatever the file's size."""
    if reader_process:
        async for chunk in _chunks_from_reader(path, max_rows, size):
            if convert is not None:
                chunk = await asyncio.to_thread(_converted, chunk, convert)
            yield chunk
        return
    rows = read_table(path, max_rows=max_rows)

    def next_chunk() -> list[tuple[int, Any]]:
        chunk = []
        for number, row in rows:
            chunk.append((number, convert(row) if convert else row))
            if len(chunk) >= size:
                break
        return chunk

    try:
        while chunk := await asyncio.to_thread(next_chunk):
            yield chunk
    finally:
        await asyncio.to_thread(rows.close)


async def table_rows(path: Path, *, max_rows: int | None = None) -> list[tuple[int, dict[str, Any]]]:
    """A small table's rows, read off the event loop."""
    return [row async for chunk in table_chunks(path, max_rows=max_rows) for row in chunk]
