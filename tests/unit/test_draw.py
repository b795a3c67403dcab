"""The panel draw (DESIGN §3): conflict-free, quota-exact, load-aware, re-runnable and fair."""

from __future__ import annotations

import hashlib
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panels.conflicts import Candidate, CaseFacts, ConflictKind, conflicts_of
from panels.draw import DrawResult, Template, draw_panel, roster_hash, seed_hash

pytestmark = pytest.mark.unit

ROLES = ("lawyer", "deputy", "resident", "expert")
CASE = CaseFacts(department_code="CDJT", district="武侯区", community="玉林社区")
FIVE_SEATS = Template(
    seats={"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}, chair_roles=("lawyer", "deputy")
)

# Upper 0.001 critical values of the chi-square distribution (standard table, e.g. NIST/SEMATECH 1.3.6.7.4).
CHI2_CRITICAL_0_001 = {1: 10.828, 7: 24.322, 9: 27.877}


def _candidate(id_: int, role: str, **overrides: object) -> Candidate:
    fields: dict = {
        "id": id_,
        "role": role,
        "district": "武侯区",
        "community": "其他社区",
        "affiliations": frozenset(),
        "load": 0,
        "max_panels": 5,
    }
    return Candidate(**{**fields, **overrides})


def _is_conflicted(c: Candidate, case: CaseFacts) -> bool:
    # Written out independently of conflicts_of, so the draw is checked against the rules themselves.
    return (
        not c.active
        or case.department_code in c.affiliations
        or (bool(case.community) and c.community == case.community)
        or c.load >= c.max_panels
    )


_candidate_fields = st.tuples(
    st.sampled_from(ROLES),
    st.sampled_from(["武侯区", "锦江区"]),
    st.sampled_from(["玉林社区", "望江社区", ""]),
    st.frozensets(st.sampled_from(["CDJT", "CDZJ", "CDSW"]), max_size=2),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=1, max_value=5),
    st.booleans(),
)
rosters = st.lists(_candidate_fields, max_size=25).flatmap(
    lambda rows: st.lists(
        st.integers(min_value=1, max_value=10**6), unique=True, min_size=len(rows), max_size=len(rows)
    ).map(
        lambda ids: [
            Candidate(ids[i], role, district, community, affiliations, load, max_panels, active)
            for i, (role, district, community, affiliations, load, max_panels, active) in enumerate(rows)
        ]
    )
)
cases = st.builds(
    CaseFacts,
    department_code=st.sampled_from(["CDJT", "CDZJ"]),
    district=st.sampled_from(["武侯区", "锦江区"]),
    community=st.sampled_from(["玉林社区", ""]),
)
templates = st.builds(
    Template,
    seats=st.dictionaries(st.sampled_from(ROLES), st.integers(min_value=0, max_value=3), max_size=4),
    chair_roles=st.lists(st.sampled_from(ROLES), unique=True, max_size=2).map(tuple),
    prefer_local_residents=st.booleans(),
)
seeds = st.text(min_size=1, max_size=16)


def _eligible(candidates: list[Candidate], case: CaseFacts, role: str) -> list[Candidate]:
    return [c for c in candidates if c.role == role and not _is_conflicted(c, case)]


@given(seed=seeds, candidates=rosters, case=cases, template=templates)
def test_draw_panel_never_seats_a_conflicted_member(
    seed: str, candidates: list[Candidate], case: CaseFacts, template: Template
) -> None:
    by_id = {c.id: c for c in candidates}

    result = draw_panel(seed=seed, candidates=candidates, case=case, template=template)

    assert all(not _is_conflicted(by_id[s.member_id], case) for s in result.seats)
    assert len({s.member_id for s in result.seats}) == len(result.seats)
    assert {(e.member_id, e.kind) for e in result.exclusions} == {
        (c.id, kind) for c in candidates for kind in conflicts_of(c, case)
    }


@given(seed=seeds, candidates=rosters, case=cases, template=templates)
def test_draw_panel_meets_quotas_or_reports_exact_shortfall(
    seed: str, candidates: list[Candidate], case: CaseFacts, template: Template
) -> None:
    result = draw_panel(seed=seed, candidates=candidates, case=case, template=template)

    seated = Counter(s.role for s in result.seats)
    expected_shortfall = {}
    for role, wanted in template.seats.items():
        available = len(_eligible(candidates, case, role))
        assert seated[role] == min(wanted, available)
        if available < wanted:
            expected_shortfall[role] = wanted - available
    assert result.shortfall == expected_shortfall
    assert set(seated) <= set(template.seats)
    assert all(s.role == next(c.role for c in candidates if c.id == s.member_id) for s in result.seats)


@given(seed=seeds, candidates=rosters, case=cases, template=templates, shuffle_seed=st.integers())
def test_draw_panel_same_inputs_same_panel_in_any_order(
    seed: str, candidates: list[Candidate], case: CaseFacts, template: Template, shuffle_seed: int
) -> None:
    shuffled = list(candidates)
    random.Random(shuffle_seed).shuffle(shuffled)

    first = draw_panel(seed=seed, candidates=candidates, case=case, template=template)
    again = draw_panel(seed=seed, candidates=list(candidates), case=case, template=template)
    reordered = draw_panel(seed=seed, candidates=shuffled, case=case, template=template)

    assert first == again == reordered


@given(seed=seeds, candidates=rosters, case=cases, template=templates)
def test_draw_panel_exactly_one_chair_from_chair_roles(
    seed: str, candidates: list[Candidate], case: CaseFacts, template: Template
) -> None:
    result = draw_panel(seed=seed, candidates=candidates, case=case, template=template)

    chairs = [s for s in result.seats if s.is_chair]
    if any(s.role in template.chair_roles for s in result.seats):
        assert len(chairs) == 1
        assert chairs[0].role in template.chair_roles
    else:
        assert chairs == []


@given(seed=seeds, candidates=rosters, case=cases, template=templates)
def test_draw_panel_prefers_local_residents_then_low_load(
    seed: str, candidates: list[Candidate], case: CaseFacts, template: Template
) -> None:
    result = draw_panel(seed=seed, candidates=candidates, case=case, template=template)

    seated_ids = {s.member_id for s in result.seats}
    for role in template.seats:
        pool = _eligible(candidates, case, role)
        local_first = role == "resident" and template.prefer_local_residents

        def rank(c: Candidate, local_first: bool = local_first) -> tuple[bool, int]:
            return (local_first and c.district != case.district, c.load)

        seated = [c for c in pool if c.id in seated_ids]
        passed_over = [c for c in pool if c.id not in seated_ids]
        if seated and passed_over:
            assert max(rank(c) for c in seated) <= min(rank(c) for c in passed_over)


def test_draw_panel_local_residents_fill_resident_seats_first() -> None:
    candidates = [_candidate(i, "resident", district="锦江区", load=0) for i in range(1, 9)]
    candidates += [_candidate(i, "resident", district="武侯区", load=3) for i in range(9, 11)]
    template = Template(seats={"resident": 2}, chair_roles=())

    for n in range(50):
        result = draw_panel(seed=f"s{n}", candidates=candidates, case=CASE, template=template)

        assert {s.member_id for s in result.seats} == {9, 10}


def test_draw_panel_without_local_preference_ignores_district() -> None:
    candidates = [_candidate(1, "resident", district="锦江区", load=0)]
    candidates += [_candidate(2, "resident", district="武侯区", load=1)]
    template = Template(seats={"resident": 1}, chair_roles=(), prefer_local_residents=False)

    result = draw_panel(seed="x", candidates=candidates, case=CASE, template=template)

    assert [s.member_id for s in result.seats] == [1]


@pytest.mark.parametrize(
    ("overrides", "kind"),
    [
        ({"affiliations": frozenset({"CDJT"})}, ConflictKind.works_for_department),
        ({"community": "玉林社区"}, ConflictKind.same_community),
        ({"load": 3, "max_panels": 3}, ConflictKind.over_capacity),
        ({"active": False}, ConflictKind.inactive),
    ],
)
def test_draw_panel_each_conflict_kind_excludes_and_records(overrides: dict, kind: ConflictKind) -> None:
    # The conflicted lawyer has the lowest load, so only the conflict rule can keep them off the panel.
    conflicted = _candidate(1, "lawyer", **{"load": 0, **overrides})
    others = [_candidate(i, "lawyer", load=2) for i in range(2, 5)]

    for n in range(30):
        result = draw_panel(seed=f"s{n}", candidates=[conflicted, *others], case=CASE, template=FIVE_SEATS)

        assert 1 not in {s.member_id for s in result.seats}
        assert [(e.member_id, e.kind) for e in result.exclusions] == [(1, kind)]


def test_conflicts_of_empty_community_is_no_conflict() -> None:
    case = CaseFacts(department_code="CDJT", district="武侯区", community="")

    assert conflicts_of(_candidate(1, "resident", community=""), case) == []


def test_conflicts_of_reports_every_kind_at_once() -> None:
    member = _candidate(
        1, "lawyer", affiliations=frozenset({"CDJT"}), community="玉林社区", load=5, active=False
    )

    assert set(conflicts_of(member, CASE)) == set(ConflictKind)


def test_draw_panel_infeasible_role_reports_shortfall_and_fills_the_rest() -> None:
    candidates = [_candidate(1, "lawyer"), _candidate(2, "deputy"), _candidate(3, "resident")]

    result = draw_panel(seed="s", candidates=candidates, case=CASE, template=FIVE_SEATS)

    assert result.shortfall == {"resident": 1, "expert": 1}
    assert sorted(s.member_id for s in result.seats) == [1, 2, 3]


def test_seed_hash_commits_to_the_seed() -> None:
    assert seed_hash("种子-2026") == hashlib.sha256("种子-2026".encode()).hexdigest()
    assert seed_hash("a") != seed_hash("b")


def test_roster_hash_changes_with_load_not_with_order() -> None:
    candidates = [_candidate(i, "lawyer", load=i % 2) for i in range(1, 6)]
    changed = [*candidates[:-1], _candidate(5, "lawyer", load=4)]

    assert roster_hash(candidates) == roster_hash(list(reversed(candidates)))
    assert roster_hash(changed) != roster_hash(candidates)


def test_draw_panel_different_seeds_give_different_panels() -> None:
    candidates = [_candidate(i, "lawyer") for i in range(1, 11)]
    template = Template(seats={"lawyer": 2}, chair_roles=("lawyer",))

    panels = {
        draw_panel(seed=f"s{n}", candidates=candidates, case=CASE, template=template).seats for n in range(50)
    }

    assert len(panels) > 10


def _chi_square(counts: Counter, keys: list, expected: float) -> float:
    return sum((counts[k] - expected) ** 2 / expected for k in keys)


def _draws(candidates: list[Candidate], template: Template, n: int = 2_000) -> list[DrawResult]:
    return [
        draw_panel(seed=f"seed-{i}", candidates=candidates, case=CASE, template=template) for i in range(n)
    ]


def test_draw_panel_equal_loads_seat_each_lawyer_equally_often() -> None:
    lawyers = [_candidate(i, "lawyer", load=1) for i in range(1, 11)]
    results = _draws(lawyers, Template(seats={"lawyer": 1}, chair_roles=("lawyer",)))

    counts = Counter(s.member_id for r in results for s in r.seats)

    assert _chi_square(counts, [c.id for c in lawyers], 2_000 / 10) < CHI2_CRITICAL_0_001[9]


def test_draw_panel_equal_loads_seat_each_resident_equally_often() -> None:
    # Two seats drawn without replacement: the counts vary less than a multinomial, so the test is conservative.
    residents = [_candidate(i, "resident", load=0) for i in range(1, 9)]
    results = _draws(residents, Template(seats={"resident": 2}, chair_roles=()))

    counts = Counter(s.member_id for r in results for s in r.seats)

    assert sum(counts.values()) == 4_000
    assert _chi_square(counts, [c.id for c in residents], 4_000 / 8) < CHI2_CRITICAL_0_001[7]


def test_draw_panel_chair_drawn_evenly_between_chair_roles() -> None:
    candidates = [_candidate(i, "lawyer") for i in range(1, 6)] + [
        _candidate(i, "deputy") for i in range(6, 11)
    ]
    results = _draws(candidates, Template(seats={"lawyer": 1, "deputy": 1}, chair_roles=("lawyer", "deputy")))

    chair_roles = Counter(s.role for r in results for s in r.seats if s.is_chair)

    assert sum(chair_roles.values()) == 2_000
    assert _chi_square(chair_roles, ["lawyer", "deputy"], 1_000) < CHI2_CRITICAL_0_001[1]
