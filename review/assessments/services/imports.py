"""导入基础数据: the hotline's figures per department and period, from its API, the office's upload or
`review import-figures FILE`.

All or nothing: every row is checked first (review.assessments.imports) and nothing is stored unless all are
good. Each good department and period then gets a new current row in one transaction; the row it replaces is
kept, marked not current. One audit event per import names the periods with their totals before and after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from review.assessments.imports import COUNTS, MAX_ROWS, CheckedRow, Figures, check_table
from review.assessments.tables import BaseFigures
from review.core import db
from review.core.actors import Actor, Policy
from review.core.audit import store as audit
from review.core.errors import Invalid
from review.core.spreadsheets import ImportReport, RowReport, table_rows
from review.core.tables import Department

# Who may import: the hotline (its API key) and the office.
IMPORTERS = Policy("office_or_hotline", frozenset({"office", "hotline"}))
SOURCES = ("api", "upload", "cli")
AUDIT_ACTION = "base_figures_imported"
# Imports of the same department and period one after another, never side by side (two current rows).
TABLE_LOCK = "assessment_base_figures"
# Rows per statement: well inside either database's limit on bound parameters.
_BATCH = 500


@dataclass(frozen=True)
class FigureRow(RowReport):
    """A row's report, with the fields its problems name (English column names)."""

    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class FiguresImport(ImportReport):
    """Row by row; `imported` is 0 whenever any row failed (nothing is half-stored)."""

    periods: tuple[str, ...] = ()
    replaced: int = 0


def _report(rows: list[CheckedRow], imported: int, *, replaced: int = 0) -> FiguresImport:
    periods = sorted({r.figures.period for r in rows if r.figures is not None})
    return FiguresImport(tuple(FigureRow(r.row, r.ok, r.message, r.fields) for r in rows), imported,
                         periods=tuple(periods), replaced=replaced)


async def department_codes() -> dict[str, int]:
    """Every department's code → its id."""
    return {row["code"]: row["id"] for row in await Department.select(Department.id, Department.code).run()}


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _BATCH):
        yield items[start:start + _BATCH]


async def _current(periods: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(periods):
        rows += await BaseFigures.select(BaseFigures.id, BaseFigures.department, BaseFigures.period,
                                         *[getattr(BaseFigures, name) for name in COUNTS]).where(
            (BaseFigures.current == True) & BaseFigures.period.is_in(chunk)
        ).run()
    return rows


def _totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Per period: how many departments have figures, and each count summed over them."""
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        period = totals.setdefault(row["period"], {"departments": 0, **dict.fromkeys(COUNTS, 0)})
        period["departments"] += 1
        for name in COUNTS:
            period[name] += int(row[name])
    return totals


async def load_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]], *, actor: Actor, source: str,
) -> FiguresImport:
    """导入基础数据: store every row's figures as its department's current ones for its period, or none at all."""
    IMPORTERS.check(actor, "只有评议办和热线平台可以导入基础数据")
    if source not in SOURCES:
        raise Invalid("invalid_field", "来源应为 api、upload 或 cli", field="source")
    checked = check_table(list(rows), await department_codes())
    if not all(r.ok for r in checked):
        return _report(checked, 0)
    good: list[Figures] = [r.figures for r in checked if r.figures is not None]
    periods = sorted({f.period for f in good})
    keys = {f.key for f in good}
    now = datetime.now(UTC)
    async with db.transaction():
        await db.lock_name(TABLE_LOCK)
        before = await _current(periods)
        replaced = [row["id"] for row in before if (row["department"], row["period"]) in keys]
        for chunk in _chunks(replaced):
            await BaseFigures.update({BaseFigures.current: False}).where(BaseFigures.id.is_in(chunk)).run()
        for chunk in _chunks(good):
            await BaseFigures.insert(*[
                BaseFigures(department=f.department_id, period=f.period, avg_reply_days=f.avg_reply_days,
                            current=True, imported_at=now, imported_by=actor.user_id, source=source,
                            **f.counts())
                for f in chunk
            ]).run()
        kept = [row for row in before if (row["department"], row["period"]) not in keys]
        before_totals, after_totals = _totals(before), _totals([*kept, *({"period": f.period, **f.counts()}
                                                                        for f in good)])
        await audit.record(case_id=None, actor=actor.label, action=AUDIT_ACTION, data={
            "source": source,
            "rows": len(good),
            "replaced": len(replaced),
            "periods": {p: {"before": before_totals.get(p, {"departments": 0, **dict.fromkeys(COUNTS, 0)}),
                            "after": after_totals[p]} for p in periods},
        })
    return _report(checked, len(good), replaced=len(replaced))


async def load_file(path: Path, *, actor: Actor, source: str = "cli") -> FiguresImport:
    """`review import-figures FILE` and the office's upload: a CSV (UTF-8 or GBK) or XLSX table."""
    return await load_rows(await table_rows(path, max_rows=MAX_ROWS), actor=actor, source=source)
