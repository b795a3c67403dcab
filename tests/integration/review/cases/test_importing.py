"""`review import-cases FILE`: CSV, XLSX and JSON lines, reported row by row, idempotent on source_ref."""

from __future__ import annotations

import csv
import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from review.cases.importing import FLAT_COLUMNS, import_cases
from review.core.actors import Actor
from review.core.errors import ServiceError
from review.core.tables import AuditEvent, Case
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

IMPORTER = Actor(kind="hotline", username="import")


def _flat(body: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in body.items() if k != "complainant"}
    row.update({f"complainant_{k}": v for k, v in body["complainant"].items()})
    return {column: row.get(column) for column in FLAT_COLUMNS}


def _bodies() -> list[dict[str, Any]]:
    """Good, bad (rated 基本满意), good, bad (no content), good."""
    return [
        factories.payload(),
        factories.payload(rating="basic"),
        factories.payload(),
        factories.payload(content=None),
        factories.payload(),
    ]


def _write_csv(path: Path, bodies: list[dict[str, Any]]) -> Path:
    path = path / "cases.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FLAT_COLUMNS)
        writer.writeheader()
        writer.writerows(_flat(b) for b in bodies)
    return path


def _write_xlsx(path: Path, bodies: list[dict[str, Any]]) -> Path:
    path = path / "cases.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(list(FLAT_COLUMNS))
    for body in bodies:
        sheet.append(list(_flat(body).values()))
    book.save(path)
    return path


def _write_jsonl(path: Path, bodies: list[dict[str, Any]]) -> Path:
    path = path / "cases.jsonl"
    path.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies), encoding="utf-8")
    return path


# Spreadsheets count the header as row 1; JSON lines have none.
FORMATS: dict[str, tuple[Callable[[Path, list[dict[str, Any]]], Path], int]] = {
    "csv": (_write_csv, 2),
    "xlsx": (_write_xlsx, 2),
    "jsonl": (_write_jsonl, 1),
}


async def _stored() -> tuple[int, int]:
    return await Case.count().run(), await AuditEvent.count().run()


@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_import_cases_reports_each_row_and_stores_only_good_rows(fmt: str, tmp_path: Path) -> None:
    await factories.department()
    write, first_row = FORMATS[fmt]
    bodies = _bodies()
    path = write(tmp_path, bodies)
    cases_before, events_before = await _stored()

    reports = await import_cases(path, IMPORTER)

    assert [r.row for r in reports] == list(range(first_row, first_row + 5))
    assert [r.ok for r in reports] == [True, False, True, False, True]
    assert all(r.message.startswith("已受理 PY2026") for r in reports if r.ok)
    assert "不满意" in reports[1].message and "rating" in reports[1].message
    assert "content" in reports[3].message
    cases_after, events_after = await _stored()
    assert (cases_after - cases_before, events_after - events_before) == (3, 3)
    stored = {r["source_ref"] for r in await Case.select(Case.source_ref).run()}
    assert stored == {bodies[0]["source_ref"], bodies[2]["source_ref"], bodies[4]["source_ref"]}


@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_import_cases_again_is_idempotent(fmt: str, tmp_path: Path) -> None:
    await factories.department()
    write, _ = FORMATS[fmt]
    path = write(tmp_path, _bodies())
    first = await import_cases(path, IMPORTER)
    before = await _stored()

    again = await import_cases(path, IMPORTER)

    assert [r.ok for r in again] == [r.ok for r in first]
    numbers = [r.message.split()[-1] for r in first if r.ok]
    assert [r.message for r in again if r.ok] == [f"此前已受理 {n}" for n in numbers]
    assert await _stored() == before


async def test_import_cases_broken_json_line_is_reported_and_skipped(tmp_path: Path) -> None:
    await factories.department()
    good = factories.payload()
    path = tmp_path / "cases.jsonl"
    path.write_text(
        '{"source_ref": "CD-broken",\n' + json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8"
    )

    reports = await import_cases(path, IMPORTER)

    assert [(r.row, r.ok) for r in reports] == [(1, False), (2, True)]
    assert "JSON" in reports[0].message
    assert await Case.count().run() == 1


async def test_import_cases_unsupported_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cases.txt"
    path.write_text("source_ref\n", encoding="utf-8")

    with pytest.raises(ServiceError) as refused:
        await import_cases(path, IMPORTER)

    assert refused.value.code == "unsupported_file"
    assert await Case.count().run() == 0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`review import-cases …` in its own process, on the test database (the environment conftest set)."""
    return subprocess.run(
        [sys.executable, "-m", "review.cli", "import-cases", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )


async def _tracks(number: str, code: str) -> int:
    async with factories.client() as http:
        return (
            await http.post("/api/v1/track", json={"case_number": number, "access_code": code})
        ).status_code


async def test_import_cases_cli_writes_codes_only_to_a_private_file(tmp_path: Path) -> None:
    await factories.department()
    source = _write_csv(tmp_path, _bodies())
    out = tmp_path / "codes.csv"

    run = _cli(str(source), "--codes-out", str(out))

    assert run.returncode == 1, run.stderr  # two of the five rows are refused
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["case_number", "access_code"] and len(rows) == 4
    numbers = {r["number"] for r in await Case.select(Case.number).run()}
    assert {number for number, _ in rows[1:]} == numbers
    for number, code in rows[1:]:
        assert await _tracks(number, code) == 200
        assert code not in run.stdout + run.stderr and code.replace("-", "") not in run.stdout + run.stderr
    assert "新建案件 3 件" in run.stdout and str(out) in run.stdout


async def test_import_cases_cli_without_codes_out_imports_nothing(tmp_path: Path) -> None:
    await factories.department()
    source = _write_csv(tmp_path, _bodies())

    run = _cli(str(source))

    assert run.returncode == 2
    assert "--codes-out" in run.stderr and "提取码" in run.stderr
    assert await Case.count().run() == 0


async def test_import_cases_cli_keeps_an_existing_codes_file_unless_forced(tmp_path: Path) -> None:
    await factories.department()
    source = _write_csv(tmp_path, [factories.payload()])
    out = tmp_path / "codes.csv"
    out.write_text("earlier codes\n", encoding="utf-8")
    out.chmod(0o644)

    refused = _cli(str(source), "--codes-out", str(out))
    cases_after_refusal = await Case.count().run()
    forced = _cli(str(source), "--codes-out", str(out), "--force")

    assert refused.returncode == 2 and "已存在" in refused.stderr
    assert cases_after_refusal == 0
    assert forced.returncode == 0, forced.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("PY2026")


async def test_import_cases_hands_each_new_code_over_once_and_logs_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await factories.department()
    path = _write_jsonl(tmp_path, _bodies())
    handed: list[tuple[str, str]] = []

    first = await import_cases(path, IMPORTER, on_created=lambda number, code: handed.append((number, code)))
    again = await import_cases(path, IMPORTER, on_created=lambda number, code: handed.append((number, code)))

    assert len(handed) == 3 and [r.ok for r in again] == [r.ok for r in first]
    reported = "\n".join(r.message for r in (*first, *again))
    for number, code in handed:
        assert number in reported and code not in reported and code not in caplog.text
