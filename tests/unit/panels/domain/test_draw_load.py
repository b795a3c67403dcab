"""The draw's load rule on a realistic roster: local residents first, but no member far above the average."""

from __future__ import annotations

import json
import random
from collections import Counter
from fractions import Fraction

import pytest

from panels.domain.assignment import RoundCase, assign_round
from panels.domain.conflicts import Candidate, CaseFacts, ConflictKind
from panels.domain.draw import (
    DEFAULT_LOAD_MARGIN,
    RULE_1,
    DrawRule,
    Template,
    draw_panel,
    role_average,
    roster_hash,
    roster_snapshot,
)
from panels.domain.draw_record import public_view, record_draw, record_from_json, record_json, verify_draw
from review.demo import data as demo_data

pytestmark = pytest.mark.unit

TEMPLATE = Template(seats={"lawyer": 1, "resident": 2}, chair_roles=("lawyer",))
DRAWS = 120


def _demo_roster() -> list[Candidate]:
    seeds = demo_data.roster_members(random.Random(20261122), 150)
    return [
        Candidate(i, m.role, m.district, m.community, frozenset(m.affiliations), 0, m.max_panels)
        for i, m in enumerate(seeds, 1)
    ]


def _smallest_district(roster: list[Candidate]) -> str:
    """The district with the fewest local residents (at least two): where local-first overloads the few."""
    counts = Counter(c.district for c in roster if c.role == "resident")
    return min((n, d) for d, n in counts.items() if n >= 2)[1]


def _simulate(rule: DrawRule, draws: int = DRAWS) -> tuple[list[Candidate], list[Fraction], str]:
    """`draws` panels for cases of one district, none finished meanwhile: the roster afterwards and, after
    each draw, how far the most loaded resident stands above the residents' average."""
    roster = _demo_roster()
    district = _smallest_district(roster)
    communities = demo_data.COMMUNITIES[district]
    above: list[Fraction] = []
    for n in range(draws):
        case = CaseFacts("CDCG", district, communities[n % len(communities)], case_id=n + 1)
        result = draw_panel(seed=f"load-{n}", candidates=roster, case=case, template=TEMPLATE, rule=rule)
        seated = {s.member_id for s in result.seats}
        roster = [
            Candidate(
                c.id, c.role, c.district, c.community, c.affiliations, c.load + (c.id in seated), c.max_panels
            )
            for c in roster
        ]
        residents = [c.load for c in roster if c.role == "resident"]
        above.append(max(residents) - role_average(roster, "resident"))
    return roster, above, district


def test_draw_demo_roster_one_district_no_resident_above_average_plus_margin() -> None:
    roster, above, district = _simulate(DrawRule())

    assert max(above) <= DEFAULT_LOAD_MARGIN
    locals_ = [c.load for c in roster if c.role == "resident" and c.district == district]
    residents = [c.load for c in roster if c.role == "resident"]
    # Local residents still sit first, as far as the margin allows; the rest of the seats are spread.
    assert min(locals_) >= max(residents) - 1
    assert sum(residents) == 2 * DRAWS


def test_draw_demo_roster_rule_1_overloads_the_district_residents() -> None:
    # The defect the margin corrects: under rule 1 the district's few residents carry its panels.
    roster, above, district = _simulate(RULE_1)

    assert max(above) > DEFAULT_LOAD_MARGIN
    locals_ = [c for c in roster if c.role == "resident" and c.district == district]
    assert all(c.load == c.max_panels for c in locals_)


def test_draw_margin_published_in_the_record_and_re_run_under_it() -> None:
    roster = _demo_roster()
    district = _smallest_district(roster)
    # The district's residents already carry two panels each: within a margin of 3, not of 1.
    roster = [
        Candidate(
            c.id,
            c.role,
            c.district,
            c.community,
            c.affiliations,
            2 if c.role == "resident" and c.district == district else 0,
            c.max_panels,
        )
        for c in roster
    ]
    case = CaseFacts("CDCG", district, "", case_id=1)
    local = {c.id for c in roster if c.role == "resident" and c.district == district}

    _, wide, snapshot = record_draw(
        seed="m", candidates=roster, case=case, template=TEMPLATE, salt="s", rule=DrawRule(load_margin=3)
    )
    _, narrow, _ = record_draw(
        seed="m", candidates=roster, case=case, template=TEMPLATE, salt="s", rule=DrawRule(load_margin=1)
    )

    assert {s.member_id for s in wide.result if s.role == "resident"} <= local
    assert not {s.member_id for s in narrow.result} & local
    stored = json.loads(json.dumps(record_json(narrow)))
    assert stored["rule"] == {"version": 2, "load_margin": 1}
    assert public_view(narrow)["rule"] == {"version": 2, "load_margin": 1}
    assert verify_draw(record_from_json(stored), snapshot).ok
    # The same record claiming the other margin no longer re-runs to its panel.
    stored["rule"]["load_margin"] = 3
    assert not verify_draw(record_from_json(stored), snapshot).ok


def test_draw_record_without_a_rule_verifies_under_rule_1() -> None:
    # Records kept before the rule was recorded carry none; they were drawn under rule 1.
    roster = _demo_roster()
    district = _smallest_district(roster)
    roster = [
        Candidate(
            c.id,
            c.role,
            c.district,
            c.community,
            c.affiliations,
            3 if c.role == "resident" and c.district == district else 0,
            c.max_panels + 3,
        )
        for c in roster
    ]
    case = CaseFacts("CDCG", district, "", case_id=1)
    _, record, snapshot = record_draw(
        seed="old", candidates=roster, case=case, template=TEMPLATE, salt="s", rule=RULE_1
    )
    stored = json.loads(json.dumps(record_json(record)))
    del stored["rule"]

    assert record_from_json(stored).rule == RULE_1
    assert verify_draw(record_from_json(stored), snapshot).ok


def test_snapshot_marks_only_members_without_a_login() -> None:
    with_login = Candidate(1, "resident", "武侯区", "", frozenset(), 0, 3)
    without = Candidate(2, "resident", "武侯区", "", frozenset(), 0, 3, has_account=False)
    members = roster_snapshot([with_login, without], CaseFacts("CDJT", "武侯区", ""), salt="")["members"]

    # Members with a login are written as before the mark existed, so older snapshots keep their hashes.
    assert "account" not in members[0]
    assert members[1]["account"] is False
    assert roster_hash([with_login, without]) != roster_hash(
        [with_login, Candidate(2, "resident", "武侯区", "", frozenset(), 0, 3)]
    )


def test_draw_member_without_login_excluded_as_no_account_in_the_public_record() -> None:
    roster = [
        Candidate(i, "resident", "武侯区", "", frozenset(), 0, 3, has_account=i > 3) for i in range(1, 8)
    ]
    case = CaseFacts("CDJT", "武侯区", "", case_id=1)
    template = Template(seats={"resident": 2}, chair_roles=("resident",))

    for n in range(30):
        result, record, snapshot = record_draw(
            seed=f"a{n}", candidates=roster, case=case, template=template, salt="s"
        )
        assert {s.member_id for s in result.seats} <= {4, 5, 6, 7}
        assert {(e.member_id, e.kind) for e in result.exclusions} == {
            (i, ConflictKind.no_account) for i in (1, 2, 3)
        }
        assert verify_draw(record, snapshot).ok
    assert public_view(record)["exclusions"] == [{"kind": "no_account", "reason": "尚未开通账号", "count": 3}]


def test_round_demo_roster_one_district_no_resident_above_average_plus_margin() -> None:
    roster = _demo_roster()
    district = _smallest_district(roster)
    communities = demo_data.COMMUNITIES[district]
    cases = [
        RoundCase(CaseFacts("CDCG", district, communities[n % len(communities)], case_id=n + 1), TEMPLATE)
        for n in range(DRAWS)
    ]

    assignment = assign_round(seed="round", candidates=roster, cases=cases)

    seats = Counter(s.member_id for p in assignment.panels for s in p.seats if s.role == "resident")
    residents = [c for c in roster if c.role == "resident"]
    average = Fraction(sum(seats.values()), len(residents))
    assert max(seats.values()) <= average + DEFAULT_LOAD_MARGIN


def test_round_member_without_login_never_seated_and_counted_as_no_account() -> None:
    roster = [
        Candidate(i, "resident", "武侯区", f"社区{i}", frozenset(), 0, 5, has_account=i % 2 == 0)
        for i in range(1, 13)
    ]
    cases = [
        RoundCase(CaseFacts("CDJT", "武侯区", "", case_id=n), Template(seats={"resident": 2}, chair_roles=()))
        for n in range(1, 6)
    ]

    assignment = assign_round(seed="r", candidates=roster, cases=cases)

    seated = {s.member_id for p in assignment.panels for s in p.seats}
    assert seated and all(member % 2 == 0 for member in seated)
    assert assignment.report.conflict_counts["no_account"] == 6 * 5
