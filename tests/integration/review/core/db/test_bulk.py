"""Many rows in one statement (`db.insert_many`) and one value among many (`db.fetch_among`): the same rows on
either engine, in the order given, each stored once under ON CONFLICT DO NOTHING, none for an empty list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from review.core import db
from review.core.db import bulk

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

_ALERTS = db.Insert("clock_alert", "key, case_number, stage, occurrence, kind, step, recipient, due, fired_at",
                    "{}, {}, 'screening', {}, 'remind', 0, 'office', {}, {}",
                    ("text", "text", "int", "timestamptz", "timestamptz"), "ON CONFLICT (key) DO NOTHING RETURNING key")


def _rows(keys: list[str]) -> list[tuple[object, ...]]:
    at = datetime(2026, 12, 9, 1, 0, tzinfo=UTC)
    return [(key, f"N{key}", 1, at, at) for key in keys]


async def test_insert_many_stores_each_row_once_in_the_order_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "SQLITE_ROWS", 3)  # several statements on SQLite
    keys = [f"k{n:02d}" for n in range(10, 0, -1)]
    assert [r["key"] for r in await db.insert_many(_ALERTS, _rows(keys))] == keys
    again = await db.insert_many(_ALERTS, _rows(["k03", "new", "k07"]))
    assert [r["key"] for r in again] == ["new"]
    assert await db.insert_many(_ALERTS, []) == []
    stored = await db.fetch("SELECT key, occurrence, due FROM clock_alert ORDER BY id")
    assert [r["key"] for r in stored] == [*keys, "new"]
    assert {r["occurrence"] for r in stored} == {1}


async def test_fetch_among_reads_the_rows_of_every_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "SQLITE_VALUES", 2)
    await db.insert_many(_ALERTS, _rows(["a", "b", "c", "d", "e"]))
    found = await db.fetch_among("SELECT key FROM clock_alert WHERE case_number {among}",
                                 ["Na", "Nc", "Ne", "Nx", "Nd"], "text")
    assert sorted(r["key"] for r in found) == ["a", "c", "d", "e"]
    assert await db.fetch_among("SELECT key FROM clock_alert WHERE case_number {among}", [], "text") == []
