"""How review outcomes correct a department's hotline figures for a period, under a scheme version (DESIGN §7).

Pure. The hotline's base figures (imported) and the period's outcomes (rulings of each grade, redo orders overdue,
cases settled in mediation, as `AssessmentEntry` counts them) are kept apart and combined only here, when the
figures are read: a ruling issued before its period's figures arrive is therefore held, not lost, and counts as
soon as they do; a re-import of the figures is corrected by the same outcomes again.

- 办理到位 (proper): the case leaves the unsatisfied count and counts as satisfied;
- 基本到位 (basic): it leaves the unsatisfied count and counts as basically satisfied;
- 办理不到位 (improper): it stays unsatisfied; points are deducted (and a redo order overdue deducts more);
- a settlement in mediation changes no figure (counted apart).
A correction never moves more cases than the unsatisfied count holds: the excess is reported, not invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from review.assessments.scheme import Scheme

MOVES = {"proper": "satisfied", "basic": "basic"}  # the outcomes that move a case out of `unsatisfied`, and where


@dataclass(frozen=True)
class Corrected:
    """A department's period under a scheme: the corrected counts, the rates before and after, the points
    deducted, the composite score and its grade, and the rulings that found no unsatisfied case to move."""

    counts: dict[str, int]
    base_rates: dict[str, float | None]
    rates: dict[str, float | None]
    points: int
    composite: float | None
    grade: str | None
    unmatched: int


def corrected_counts(base: Mapping[str, int], outcomes: Mapping[str, int]) -> tuple[dict[str, int], int]:
    """The base counts with the outcomes applied, and how many rulings had no unsatisfied case left to move."""
    counts = {key: int(value) for key, value in base.items()}
    unmatched = 0
    for grade, to in MOVES.items():
        wanted = max(0, int(outcomes.get(grade, 0)))
        moved = min(wanted, counts.get("unsatisfied", 0))
        counts["unsatisfied"] = counts.get("unsatisfied", 0) - moved
        counts[to] = counts.get(to, 0) + moved
        unmatched += wanted - moved
    return counts, unmatched


def points(outcomes: Mapping[str, int], scheme: Scheme) -> int:
    """Points deducted: per ruling of each grade, and per redo order overdue."""
    total = sum(scheme.deductions.get(grade, 0) * max(0, int(outcomes.get(grade, 0))) for grade in scheme.deductions)
    return total + scheme.redo_overdue_points * max(0, int(outcomes.get("redo_overdue", 0)))


def rates(counts: Mapping[str, int], scheme: Scheme) -> dict[str, float | None]:
    return {rate.code: rate.value(counts) for rate in scheme.rates}


def correct(base: Mapping[str, int], outcomes: Mapping[str, int], scheme: Scheme) -> Corrected:
    """The department's period: base figures corrected by its outcomes, scored under `scheme`."""
    counts, unmatched = corrected_counts(base, outcomes)
    deducted = points(outcomes, scheme)
    after = rates(counts, scheme)
    score = scheme.composite(after, deducted)
    return Corrected(counts=counts, base_rates=rates(base, scheme), rates=after, points=deducted,
                     composite=score, grade=scheme.grade(score), unmatched=unmatched)
