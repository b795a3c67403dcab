"""The panel draw: random, load-aware, conflict-free, and re-runnable by anyone from its record."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from panels.conflicts import Candidate, CaseFacts, Exclusion, conflicts_of


@dataclass(frozen=True)
class Template:
    seats: dict[str, int]  # role → number of seats
    chair_roles: tuple[str, ...]
    prefer_local_residents: bool = True


@dataclass(frozen=True)
class DrawnSeat:
    member_id: int
    role: str
    is_chair: bool


@dataclass(frozen=True)
class DrawResult:
    seats: tuple[DrawnSeat, ...]
    exclusions: tuple[Exclusion, ...]
    roster_hash: str
    shortfall: dict[str, int]  # role → seats that could not be filled


class DrawInfeasible(Exception):
    def __init__(self, shortfall: dict[str, int]) -> None:
        super().__init__(f"not enough eligible members: {shortfall}")
        self.shortfall = shortfall


def seed_hash(seed: str) -> str:
    """The commitment published before the draw."""
    return hashlib.sha256(seed.encode()).hexdigest()


def roster_hash(candidates: list[Candidate]) -> str:
    """A fingerprint of the roster as the draw saw it (ids, roles, loads; no personal data)."""
    snapshot = sorted(
        (c.id, c.role, c.district, c.community, sorted(c.affiliations), c.load, c.max_panels, c.active)
        for c in candidates
    )
    return hashlib.sha256(json.dumps(snapshot, ensure_ascii=False).encode()).hexdigest()


def _lot(seed: str, member_id: int) -> str:
    return hmac.new(seed.encode(), str(member_id).encode(), hashlib.sha256).hexdigest()


def draw_panel(*, seed: str, candidates: list[Candidate], case: CaseFacts, template: Template) -> DrawResult:
    """Fill each role's seats with the least-loaded eligible members, ties broken by the seeded lot.

    Residents from the case's district come first when the template prefers them.
    The same inputs give the same panel on every machine.
    """
    exclusions: list[Exclusion] = []
    eligible: dict[str, list[Candidate]] = {}
    for candidate in sorted(candidates, key=lambda c: c.id):
        kinds = conflicts_of(candidate, case)
        if kinds:
            exclusions.extend(Exclusion(candidate.id, kind) for kind in kinds)
        else:
            eligible.setdefault(candidate.role, []).append(candidate)

    seats: list[DrawnSeat] = []
    shortfall: dict[str, int] = {}
    for role in sorted(template.seats):
        wanted = template.seats[role]
        local_first = role == "resident" and template.prefer_local_residents

        def order(c: Candidate, local_first: bool = local_first) -> tuple:
            return (local_first and c.district != case.district, c.load, _lot(seed, c.id))

        chosen = sorted(eligible.get(role, []), key=order)[:wanted]
        if len(chosen) < wanted:
            shortfall[role] = wanted - len(chosen)
        seats.extend(DrawnSeat(c.id, role, False) for c in chosen)

    chair_pool = [s for s in seats if s.role in template.chair_roles]
    if chair_pool:
        chair = min(chair_pool, key=lambda s: _lot(seed + ":chair", s.member_id))
        seats = [DrawnSeat(s.member_id, s.role, s is chair) for s in seats]
    return DrawResult(tuple(seats), tuple(exclusions), roster_hash(candidates), shortfall)
