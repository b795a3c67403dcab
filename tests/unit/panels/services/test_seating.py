"""Panel and Seat rows have one writer: panels.services.seating (a single draw, a round and a refill all seat
through it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
WRITER = ROOT / "panels" / "services" / "seating.py"
INSERTS = re.compile(r"\b(Panel|Seat)\.insert\b|INSERT\s+INTO\s+\"?(panel|seat)\b", re.IGNORECASE)


def _sources() -> list[Path]:
    return [
        path
        for package in ("review", "panels", "scoring")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "piccolo_migrations" not in path.parts
    ]


def test_only_seating_inserts_panels_and_seats() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources()
        if path != WRITER
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INSERTS.search(line)
    ]
    assert found == []


def test_seating_is_the_writer() -> None:
    assert INSERTS.search(WRITER.read_text(encoding="utf-8"))
