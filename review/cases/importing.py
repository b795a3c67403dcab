"""`review import-cases FILE`: CSV, XLSX or JSON lines into intake, one report line per row."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from review.cases.services import intake_case
from review.core import settings
from review.core.actors import Actor
from review.core.clock import CHINA
from review.core.errors import ServiceError, TooLarge
from review.core.spreadsheets import CHUNK_ROWS, TABLE_SUFFIXES, ImportReport, RowReport, table_chunks

FLAT_COLUMNS = (
    "source_ref",
    "channel",
    "received_at",
    "category",
    "district",
    "community",
    "department_code",
    "complainant_name",
    "complainant_phone",
    "complainant_id_number",
    "complainant_address",
    "content",
    "reply",
    "replied_at",
    "rating",
    "rated_at",
    "review_requested",  # optional: 是/否 (true/false)
)


def payload_from_flat(row: dict[str, Any]) -> dict[str, Any]:
    """A spreadsheet row (complainant_* columns) as the intake body."""

    def cell(key: str) -> Any:
        value = row.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            # Spreadsheet date cells carry no zone; the hotline's times are Beijing time.
            return (value if value.tzinfo else value.replace(tzinfo=CHINA)).isoformat()
        return str(value).strip() or None

    body = {key: cell(key) for key in FLAT_COLUMNS if not key.startswith("complainant_")}
    body["complainant"] = {k: cell(f"complainant_{k}") for k in ("name", "phone", "id_number", "address")}
    return {k: v for k, v in body.items() if v is not None or k == "complainant"}


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    if path.stat().st_size > settings.IMPORT_MAX_BYTES:
        raise TooLarge("file_too_large", f"文件超过 {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB 的上限",
                       field="file")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if number > settings.IMPORT_MAX_ROWS:
                raise TooLarge("too_many_rows", f"文件超过 {settings.IMPORT_MAX_ROWS} 行数据的上限", field="file")
            if line.strip():
                try:
                    yield number, json.loads(line)
                except ValueError:
                    yield number, ValueError("该行不是有效的 JSON")


async def read_rows(path: Path) -> AsyncIterator[list[tuple[int, Any]]]:
    """Chunks of (row number as a person counts it, payload), read off the event loop; JSON lines may be nested
    bodies. Bounded by IMPORT_MAX_BYTES and IMPORT_MAX_ROWS (and IMPORT_MAX_CELLS for tables)."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        lines = _json_lines(path)

        def next_chunk() -> list[tuple[int, Any]]:
            return list(itertools.islice(lines, CHUNK_ROWS))

        while chunk := await asyncio.to_thread(next_chunk):
            yield chunk
    elif suffix in TABLE_SUFFIXES:
        async for chunk in table_chunks(path, convert=payload_from_flat):
            yield chunk
    else:
        raise ServiceError("unsupported_file", "只支持 CSV、XLSX 和 JSON lines（.jsonl）文件")


async def import_cases(
    path: Path, actor: Actor, on_created: Callable[[str, str], None] | None = None
) -> ImportReport:
    """Each row is taken in on its own: a bad row is reported and stores nothing, good rows go in.

    A case created now has an access code that exists only at this moment: `on_created(case number, code)` gets
    it (as soon as the case is in, so that a later failure loses none); the reports never carry it.
    """
    reports: list[RowReport] = []
    async for chunk in read_rows(path):
        for number, payload in chunk:
            await _take(number, payload, actor, reports, on_created)
    return ImportReport(tuple(reports), sum(r.ok for r in reports))


async def _take(number: int, payload: Any, actor: Actor, reports: list[RowReport],
                on_created: Callable[[str, str], None] | None) -> None:
    if isinstance(payload, Exception):
        reports.append(RowReport(number, False, str(payload)))
        return
    try:
        result = await intake_case(payload=payload, actor=actor)
    except ServiceError as error:
        where = f"（{error.field}）" if error.field else ""
        reports.append(RowReport(number, False, f"{error.message}{where}"))
        return
    if result.created and result.access_code and on_created is not None:
        on_created(result.case_number, result.access_code)
    verb = "已受理" if result.created else "此前已受理"
    reports.append(RowReport(number, True, f"{verb} {result.case_number}"))
