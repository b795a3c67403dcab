"""A period's assessment figures: each department's base and corrected rates, deductions, composite score and
rank, and the city-wide figures (DESIGN §7). Pure.

- A period's base figures are the row imported for that very period (a quarter or a year may be imported
  whole), else the sum of its months' rows; months not imported are named, never guessed.
- Average reply days add up weighted by the replies they average (Σ days × replies ÷ Σ replies).
- City-wide figures are ratios of totals over the departments (volume-weighted), never averages of the
  departments' rates.
- Each rate stands beside its numerator and denominator, with a Wilson 95 % interval (wide when the
  denominator is small).
- A department whose 受理量 is below the minimum count is shown, not ranked; ranks are competition ranks
  (1, 2, 2, 4) by composite score, highest first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from review.assessments import corrections, periods
from review.assessments.scheme import FIGURES, Scheme

COUNTS: tuple[str, ...] = tuple(FIGURES)  # handled, replied, resolved, rated, satisfied, basic, unsatisfied, overdue
OUTCOMES: tuple[str, ...] = ("proper", "basic", "improper", "redo_overdue", "settled")
Z95 = 1.959964


@dataclass(frozen=True)
class Base:
    """One department's hotline figures for a month or a whole imported period."""

    counts: Mapping[str, int]
    avg_reply_days: float | None = None


@dataclass(frozen=True)
class Summed:
    """A period's base figures as read: the counts (None when no month of the period is imported), the average
    reply days, and the months the period holds that are not imported."""

    counts: dict[str, int] | None
    avg_reply_days: float | None
    missing: tuple[str, ...]


def add(bases: Iterable[Base]) -> tuple[dict[str, int], float | None]:
    """The counts summed, and the average reply days weighted by replies (None when nothing was replied or no
    average was given for the replies)."""
    totals = dict.fromkeys(COUNTS, 0)
    days = weight = 0.0
    for base in bases:
        for name in COUNTS:
            totals[name] += int(base.counts.get(name, 0))
        replied = int(base.counts.get("replied", 0))
        if base.avg_reply_days is not None and replied:
            days += base.avg_reply_days * replied
            weight += replied
    return totals, (days / weight if weight else None)


def summed(period: str, rows: Mapping[str, Base]) -> Summed:
    """The period's base figures from a department's rows keyed by period: the period's own row when imported,
    else the sum of its months'."""
    if period in rows:
        base = rows[period]
        return Summed(dict(add([base])[0]), base.avg_reply_days, ())
    months = periods.months(period)
    present = [rows[m] for m in months if m in rows]
    missing = tuple(m for m in months if m not in rows)
    if not present:
        return Summed(None, None, missing)
    counts, days = add(present)
    return Summed(counts, days, missing)


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None without trials)."""
    if trials <= 0:
        return None
    p = min(max(successes / trials, 0.0), 1.0)
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class RateFigure:
    """One rate as read: its value before and after the rulings' corrections, the corrected numerator and
    denominator, and the Wilson 95 % interval of the corrected value."""

    code: str
    name: str
    words: str
    numerator: int
    denominator: int
    value: float | None
    base_value: float | None
    interval: tuple[float, float] | None


def rate_figures(scheme: Scheme, counts: Mapping[str, int], base: Mapping[str, int]) -> tuple[RateFigure, ...]:
    figures = []
    for rate in scheme.rates:
        top = sum(int(counts.get(f, 0)) for f in rate.numerator)
        below = sum(int(counts.get(f, 0)) for f in rate.denominator)
        figures.append(RateFigure(code=rate.code, name=rate.name, words=rate.words, numerator=top,
                                  denominator=below, value=rate.value(counts), base_value=rate.value(base),
                                  interval=wilson(top, below)))
    return tuple(figures)


@dataclass(frozen=True)
class DepartmentFigures:
    """One department's period."""

    department_id: int
    code: str
    name: str
    imported: bool  # some base figures exist for the period
    missing: tuple[str, ...]  # the period's months not imported (empty when the whole period was)
    base: Mapping[str, int]
    counts: Mapping[str, int]  # corrected by the rulings
    avg_reply_days: float | None
    rates: tuple[RateFigure, ...]
    outcomes: Mapping[str, int]  # proper, basic, improper, redo_overdue, settled
    points: int
    composite: float | None
    grade: str | None
    unmatched: int  # rulings that found no unsatisfied case to move
    ranked: bool  # at or above the minimum count, with a composite score
    rank: int | None = None

    @property
    def held(self) -> bool:
        """Rulings counted for the period before its figures were imported: applied once they arrive."""
        return not self.imported and any(self.outcomes.get(k, 0) for k in ("proper", "basic", "improper"))

    def rate(self, code: str) -> RateFigure | None:
        return next((r for r in self.rates if r.code == code), None)


@dataclass(frozen=True)
class CityFigures:
    """The city's totals over the departments with figures, and their rates (ratios of the totals)."""

    departments: int
    base: Mapping[str, int]
    counts: Mapping[str, int]
    avg_reply_days: float | None
    rates: tuple[RateFigure, ...]
    outcomes: Mapping[str, int]
    points: int

    def rate(self, code: str) -> RateFigure | None:
        return next((r for r in self.rates if r.code == code), None)


@dataclass(frozen=True)
class League:
    """The league table of one period under the scheme version in force for it."""

    period: str
    scheme_version: int | None
    scheme_hash: str
    min_count: int
    departments: tuple[DepartmentFigures, ...]  # ranked first by rank, then the unranked by code
    city: CityFigures
    not_imported: tuple[str, ...] = field(default=())  # codes of departments with no figures for the period


@dataclass(frozen=True)
class Department:
    id: int
    code: str
    name: str


def department_figures(department: Department, base: Summed, outcomes: Mapping[str, int], scheme: Scheme,
                       min_count: int) -> DepartmentFigures:
    """A department's period: the base figures corrected by its outcomes and scored under the scheme."""
    outcomes = {k: int(outcomes.get(k, 0)) for k in OUTCOMES}
    if base.counts is None:
        empty = dict.fromkeys(COUNTS, 0)
        return DepartmentFigures(
            department_id=department.id, code=department.code, name=department.name, imported=False,
            missing=base.missing, base=empty, counts=empty, avg_reply_days=None,
            rates=rate_figures(scheme, empty, empty), outcomes=outcomes,
            points=corrections.points(outcomes, scheme), composite=None, grade=None, unmatched=0, ranked=False)
    result = corrections.correct(base.counts, outcomes, scheme)
    ranked = result.composite is not None and base.counts.get("handled", 0) >= min_count
    return DepartmentFigures(
        department_id=department.id, code=department.code, name=department.name, imported=True,
        missing=base.missing, base=base.counts, counts=result.counts, avg_reply_days=base.avg_reply_days,
        rates=rate_figures(scheme, result.counts, base.counts), outcomes=outcomes, points=result.points,
        composite=result.composite, grade=result.grade, unmatched=result.unmatched, ranked=ranked)


def ranked(figures: Iterable[DepartmentFigures]) -> tuple[DepartmentFigures, ...]:
    """Competition ranks by composite score among the ranked; the ranked first, then the rest by code."""
    rows = list(figures)
    ordered = sorted((f for f in rows if f.ranked), key=lambda f: (-(f.composite or 0.0), f.code))
    out: list[DepartmentFigures] = []
    for position, item in enumerate(ordered, start=1):
        previous = out[-1] if out else None
        rank = previous.rank if previous is not None and previous.composite == item.composite else position
        out.append(replace(item, rank=rank))
    out.extend(sorted((f for f in rows if not f.ranked), key=lambda f: (not f.imported, f.code)))
    return tuple(out)


def city(figures: Iterable[DepartmentFigures], scheme: Scheme) -> CityFigures:
    """The city-wide figures: totals over the departments with figures, rates as ratios of the totals."""
    with_figures = [f for f in figures if f.imported]
    base = dict.fromkeys(COUNTS, 0)
    counts = dict.fromkeys(COUNTS, 0)
    outcomes = dict.fromkeys(OUTCOMES, 0)
    for item in with_figures:
        for name in COUNTS:
            base[name] += int(item.base.get(name, 0))
            counts[name] += int(item.counts.get(name, 0))
        for name in OUTCOMES:
            outcomes[name] += int(item.outcomes.get(name, 0))
    _, days = add(Base(f.base, f.avg_reply_days) for f in with_figures)
    return CityFigures(departments=len(with_figures), base=base, counts=counts, avg_reply_days=days,
                       rates=rate_figures(scheme, counts, base), outcomes=outcomes,
                       points=sum(f.points for f in with_figures))


def league(period: str, departments: Iterable[Department], rows: Mapping[int, Mapping[str, Base]],
           outcomes: Mapping[int, Mapping[str, int]], scheme: Scheme, *, scheme_version: int | None,
           scheme_hash: str, min_count: int) -> League:
    """The period's league table: `rows` holds each department's imported rows keyed by period (the period's
    own and its months'), `outcomes` each department's review outcomes summed over the period's months."""
    items = [department_figures(d, summed(period, rows.get(d.id, {})), outcomes.get(d.id, {}), scheme, min_count)
             for d in departments]
    table = ranked(items)
    return League(period=period, scheme_version=scheme_version, scheme_hash=scheme_hash, min_count=min_count,
                  departments=table, city=city(table, scheme),
                  not_imported=tuple(f.code for f in table if not f.imported))
