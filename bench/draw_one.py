"""Benchmark: one case's panel draw against a 5,000-member roster.

The roster has the usual role mix (more residents than anyone else), members spread over Chengdu's
districts and communities, about 10 % working for or with some department, a few inactive or at capacity,
and the case carries declared ties and an earlier review. Each run draws with a different seed;
`draw_panel` includes the conflict checks and the roster hash, `record_draw` also builds the private
snapshot and the case hash (what convening stores). One untimed warm-up run comes first.

Prints one JSON line: {"roster": 5000, "median_ms": …, "record_median_ms": …, "verify_median_ms": …}

    .venv/bin/python bench/draw_one.py
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

# bench/http.py is named like the standard library's `http`: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from panels.domain.conflicts import Candidate, CaseFacts
from panels.domain.draw import (
    Template,
    draw_panel,
)
from panels.domain.draw_record import (
    record_draw,
    verify_draw,
)
from review.demo.data import DISTRICTS as CHENGDU_DISTRICTS

ROSTER = 5_000
RUNS = 50
ROLE_MIX = {"lawyer": 0.2, "deputy": 0.15, "resident": 0.45, "expert": 0.15, "township": 0.05}
DISTRICTS = CHENGDU_DISTRICTS[:12]
DEPARTMENTS = [f"CD{n:02d}" for n in range(40)]
TEMPLATE = Template(
    seats={"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1},
    chair_roles=("lawyer", "deputy"),
    id=1,
    version=3,
)


def realistic_roster(rng: random.Random) -> list[Candidate]:
    roles = rng.choices(list(ROLE_MIX), weights=list(ROLE_MIX.values()), k=ROSTER)
    roster = []
    for member_id, role in enumerate(roles, start=1):
        district = rng.choice(DISTRICTS)
        affiliations = (
            frozenset(rng.sample(DEPARTMENTS, rng.randint(1, 2))) if rng.random() < 0.1 else frozenset()
        )
        roster.append(
            Candidate(
                id=member_id,
                role=role,
                district=district,
                community=f"{district}第{rng.randint(1, 30)}社区",
                affiliations=affiliations,
                load=rng.choice([0, 0, 0, 1, 1, 2, 3]),
                max_panels=3,
                active=rng.random() > 0.03,
            )
        )
    return roster


def main() -> None:
    rng = random.Random(20261122)
    roster = realistic_roster(rng)
    case = CaseFacts(
        department_code="CD07",
        district="武侯区",
        community="武侯区第12社区",
        case_id=4711,
        personal_ties=frozenset(rng.sample(range(1, ROSTER + 1), 3)),
        earlier_members=frozenset(rng.sample(range(1, ROSTER + 1), 5)),
    )
    draw_panel(seed="warm-up", candidates=roster, case=case, template=TEMPLATE)

    draw_ms, record_ms, verify_ms = [], [], []
    for run in range(RUNS):
        seed = f"{run:064x}"
        started = time.perf_counter()
        result = draw_panel(seed=seed, candidates=roster, case=case, template=TEMPLATE)
        draw_ms.append((time.perf_counter() - started) * 1000)
        assert not result.shortfall

        started = time.perf_counter()
        _, record, snapshot = record_draw(
            seed=seed, candidates=roster, case=case, template=TEMPLATE, salt="s"
        )
        record_ms.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        verification = verify_draw(record, snapshot)
        verify_ms.append((time.perf_counter() - started) * 1000)
        assert verification.ok, verification.failures

    print(
        json.dumps(
            {
                "roster": ROSTER,
                "median_ms": round(statistics.median(draw_ms), 1),
                "record_median_ms": round(statistics.median(record_ms), 1),
                "verify_median_ms": round(statistics.median(verify_ms), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
