"""Benchmark: batch convening of a 10,000-case round against a 3,000-member roster.

Builds a synthetic round (5 seats per case: 1 lawyer, 1 deputy, 2 residents, 1 expert; about 5 % of
member–case pairs in conflict through affiliations, communities, declared ties, earlier reviews, recusals,
upheld challenges and inactive or unavailable members), times `assign_round` including the conflict
computation, then checks every constraint independently of the solver: `conflicts_of` on every seated pair,
quotas, one seat per member per case, capacities, one chair per case from a chair role.

Prints one JSON line:
{"cases": …, "roster": …, "seconds": …, "peak_rss_mb": …, "violations": …, "load_spread": …, "conflict_share": …}

    .venv/bin/python bench/assign_round.py
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

# bench/http.py is named like the standard library's `http`: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from panels.domain.assignment import RoundAssignment, RoundCase, assign_round, conflict_mask
from panels.domain.conflicts import Candidate, CaseFacts, conflicts_of
from panels.domain.draw import Template
from review.demo.data import DISTRICTS as CHENGDU_DISTRICTS

CASES = 10_000
ROLE_MIX = {"lawyer": 600, "deputy": 600, "resident": 1_200, "expert": 600}
TEMPLATE = Template(
    seats={"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}, chair_roles=("lawyer", "deputy")
)
DISTRICTS = CHENGDU_DISTRICTS[:10]
COMMUNITIES_PER_DISTRICT = 25
DEPARTMENTS = tuple(f"D{i:02d}" for i in range(50))
ROLE_LABELS = {"lawyer": "律师", "deputy": "人大代表/政协委员", "resident": "群众代表", "expert": "专家"}


def synthetic_round(rng: random.Random) -> tuple[list[Candidate], list[RoundCase]]:
    """A roster of 3,000 and 10,000 cases; affiliations (2 of 50 departments) give most of the conflicts."""
    communities = [f"{d}第{i}社区" for d in DISTRICTS for i in range(COMMUNITIES_PER_DISTRICT)]
    roster: list[Candidate] = []
    for role, n in ROLE_MIX.items():
        for _ in range(n):
            community = rng.choice(communities)
            roster.append(
                Candidate(
                    id=len(roster) + 1,
                    role=role,
                    district=community[: community.index("区") + 1],
                    community=community,
                    affiliations=frozenset(rng.sample(DEPARTMENTS, 2)),
                    load=rng.randint(0, 3),
                    max_panels=30,
                    active=rng.random() > 0.003,
                    available=rng.random() > 0.003,
                )
            )
    ids = [c.id for c in roster]
    cases = []
    for case_id in range(1, CASES + 1):
        community = rng.choice(communities)
        facts = CaseFacts(
            department_code=rng.choice(DEPARTMENTS),
            district=community[: community.index("区") + 1],
            community=community,
            case_id=case_id,
            personal_ties=frozenset(rng.sample(ids, 2)),
            earlier_members=frozenset(rng.sample(ids, 1)),
            recused=frozenset(rng.sample(ids, 1)),
            challenged=frozenset(rng.sample(ids, 1)) if rng.random() < 0.2 else frozenset(),
        )
        cases.append(RoundCase(facts, TEMPLATE))
    return roster, cases


def violations(result: RoundAssignment, roster: list[Candidate], cases: list[RoundCase]) -> int:
    """Constraint breaches counted from the result alone, with `conflicts_of` as the rule."""
    by_id = {c.id: c for c in roster}
    facts = {c.facts.case_id: c for c in cases}
    found = 0
    new_load: Counter[int] = Counter()
    for panel in result.panels:
        case = facts[panel.case_id]
        members = [seat.member_id for seat in panel.seats]
        found += len(members) - len(set(members))  # a member twice on one case
        found += sum(bool(conflicts_of(by_id[m], case.facts)) for m in members)
        found += sum(by_id[s.member_id].role != s.role for s in panel.seats)
        per_role = Counter(s.role for s in panel.seats)
        found += sum(abs(per_role[role] - n) for role, n in case.template.seats.items())
        chairs = [s for s in panel.seats if s.is_chair]
        found += len(chairs) != 1 or chairs[0].role not in case.template.chair_roles
        new_load.update(members)
    found += sum(n > by_id[m].max_panels - by_id[m].load for m, n in new_load.items())
    found += len(result.report.shortages)
    return found


def load_spread(result: RoundAssignment, roster: list[Candidate]) -> int:
    """Max over roles of max − min final load among members able to serve this round."""
    new_load = Counter(s.member_id for p in result.panels for s in p.seats)
    by_role: dict[str, list[int]] = {}
    for c in roster:
        if c.active and c.available and c.load < c.max_panels:
            by_role.setdefault(c.role, []).append(c.load + new_load[c.id])
    return max(max(loads) - min(loads) for loads in by_role.values())


def main() -> None:
    roster, cases = synthetic_round(random.Random(20261122))
    started = time.perf_counter()
    result = assign_round(seed="bench-round-2026-11", candidates=roster, cases=cases, role_labels=ROLE_LABELS)
    seconds = time.perf_counter() - started
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sample = cases[:500]  # the share of conflicting pairs, measured on a slice
    share = float((conflict_mask(roster, [c.facts for c in sample]) != 0).mean())
    print(
        json.dumps(
            {
                "cases": len(cases),
                "roster": len(roster),
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak_rss_mb, 1),
                "violations": violations(result, roster, cases),
                "load_spread": load_spread(result, roster),
                "conflict_share": round(share, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
