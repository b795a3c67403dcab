"""Rater quality (评议员评分质量), vectorised: each member's lean against their panels, and agreement per
criteria version (Krippendorff's alpha). Pure: arrays in, figures out."""

from __future__ import annotations

from dataclasses import dataclass

import krippendorff
import numpy as np

LEAN_FLAG = 0.5  # mean distance from the rest of the panel, in scale points, worth the office's attention
MIN_SCORES = 30  # below this a member's lean says little


@dataclass(frozen=True)
class MemberLean:
    member_id: int
    scores: int
    mean_deviation: float  # positive: more lenient than the rest of their panels; negative: harsher
    mean_abs_deviation: float

    @property
    def tendency(self) -> str:
        if self.scores < MIN_SCORES or abs(self.mean_deviation) < LEAN_FLAG:
            return "balanced"
        return "lenient" if self.mean_deviation > 0 else "harsh"


@dataclass(frozen=True)
class Agreement:
    criteria_set_id: int
    units: int  # (panel, criterion) pairs with at least two scores
    alpha: float | None


def _units(panel: np.ndarray, criterion: np.ndarray) -> np.ndarray:
    """A dense index per (panel, criterion) pair."""
    key = panel.astype(np.int64) * (int(criterion.max()) + 1) + criterion.astype(np.int64)
    _, unit = np.unique(key, return_inverse=True)
    return unit.ravel()


def member_leans(member: np.ndarray, panel: np.ndarray, criterion: np.ndarray, value: np.ndarray) -> list[MemberLean]:
    """Each score against the mean of the *other* members' scores on the same panel and criterion."""
    if len(value) == 0:
        return []
    unit = _units(panel, criterion)
    values = value.astype(np.float64)
    count = np.bincount(unit)
    total = np.bincount(unit, weights=values)
    others = count[unit] - 1
    usable = others > 0
    deviation = values[usable] - (total[unit][usable] - values[usable]) / others[usable]
    ids, idx = np.unique(member[usable], return_inverse=True)
    n = np.bincount(idx, minlength=len(ids))
    mean = np.bincount(idx, weights=deviation, minlength=len(ids)) / np.maximum(n, 1)
    mean_abs = np.bincount(idx, weights=np.abs(deviation), minlength=len(ids)) / np.maximum(n, 1)
    return sorted((MemberLean(int(m), int(k), round(float(d), 4), round(float(a), 4))
                   for m, k, d, a in zip(ids, n, mean, mean_abs)), key=lambda x: x.mean_deviation)


def agreement(criteria_set: np.ndarray, panel: np.ndarray, criterion: np.ndarray, value: np.ndarray,
              scale_max: int = 5) -> list[Agreement]:
    """Krippendorff's alpha (ordinal) per criteria version; units are a panel's scores on one criterion."""
    out = []
    for set_id in np.unique(criteria_set):
        mask = criteria_set == set_id
        unit = _units(panel[mask], criterion[mask])
        levels = max(scale_max, int(value[mask].max()))
        counts = np.bincount(unit * levels + (value[mask].astype(np.int64) - 1),
                             minlength=(unit.max() + 1) * levels).reshape(-1, levels)
        pairable = counts.sum(axis=1) >= 2
        counts = counts[pairable]
        alpha: float | None = None
        if len(counts) and np.count_nonzero(counts.sum(axis=0)) >= 2:
            alpha = round(float(krippendorff.alpha(value_counts=counts, value_domain=list(range(1, levels + 1)),
                                                   level_of_measurement="ordinal")), 4)
        out.append(Agreement(int(set_id), len(counts), alpha))
    return out
