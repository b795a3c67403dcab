"""Batch convening (DESIGN §3): conflict-free, quota-exact whenever feasible, balanced, seeded, reported."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panels.domain.assignment import (
    KIND_BITS,
    RoundAssignment,
    RoundCase,
    assign_round,
    conflict_mask,
    kinds_of,
)
from panels.domain.conflicts import Candidate, CaseFacts, ConflictKind, conflicts_of
from panels.domain.draw import Template

pytestmark = pytest.mark.unit

ROLES = ("lawyer", "deputy", "resident")
DISTRICTS = ("武侯区", "锦江区")
COMMUNITIES = ("", "玉林社区", "望江社区", "芳草社区")
DEPARTMENTS = ("CDJT", "CDGA", "CDZJ")
TEMPLATE = Template(seats={"lawyer": 1, "deputy": 1, "resident": 2}, chair_roles=("lawyer", "deputy"))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.integers(min_value=1, max_value=14)  # a few beyond the roster: records may name former members


@st.composite
def rosters(draw: st.DrawFn, *, size: int = 12, conflicts: bool = True) -> list[Candidate]:
    members = []
    for member_id in range(1, draw(st.integers(min_value=1, max_value=size)) + 1):
        load = draw(st.integers(min_value=0, max_value=3))
        members.append(
            Candidate(
                id=member_id,
                role=draw(st.sampled_from(ROLES)),
                district=draw(st.sampled_from(DISTRICTS)),
                community=draw(st.sampled_from(COMMUNITIES)),
                affiliations=draw(st.frozensets(st.sampled_from(DEPARTMENTS), max_size=2))
                if conflicts
                else frozenset(),
                load=load,
                max_panels=draw(st.integers(min_value=0, max_value=6)) if conflicts else load + 20,
                active=draw(st.booleans()) if conflicts else True,
                available=draw(st.booleans()) if conflicts else True,
            )
        )
    return members


@st.composite
def case_facts(draw: st.DrawFn, case_id: int) -> CaseFacts:
    return CaseFacts(
        department_code=draw(st.sampled_from(DEPARTMENTS)),
        district=draw(st.sampled_from(DISTRICTS)),
        community=draw(st.sampled_from(COMMUNITIES)),
        case_id=case_id,
        personal_ties=draw(st.frozensets(ids, max_size=2)),
        earlier_members=draw(st.frozensets(ids, max_size=2)),
        recused=draw(st.frozensets(ids, max_size=1)),
        challenged=draw(st.frozensets(ids, max_size=1)),
    )


@st.composite
def rounds(draw: st.DrawFn, *, max_cases: int = 8) -> list[RoundCase]:
    n = draw(st.integers(min_value=1, max_value=max_cases))
    return [RoundCase(draw(case_facts(case_id)), TEMPLATE) for case_id in range(101, 101 + n)]


def _seated(result: RoundAssignment) -> dict[int, list[tuple[int, str]]]:
    return {p.case_id: [(s.member_id, s.role) for s in p.seats] for p in result.panels}


def _new_loads(result: RoundAssignment) -> Counter[int]:
    return Counter(s.member_id for p in result.panels for s in p.seats)


def _max_seats(role: str, roster: Sequence[Candidate], cases: Sequence[RoundCase]) -> int:
    """Most seats of `role` any assignment can fill: augmenting paths, written apart from the solver."""
    members = [m for m in roster if m.role == role]
    room = {m.id: max(0, m.max_panels - m.load) for m in members}
    eligible = {
        c.facts.case_id: [m.id for m in members if not conflicts_of(m, c.facts)]
        for c in cases
        if c.template.seats.get(role, 0)
    }
    held: dict[int, list[int]] = {m.id: [] for m in members}  # member → cases

    def augment(case_id: int, seen: set[int]) -> bool:
        for member_id in eligible[case_id]:
            if member_id in seen or case_id in held[member_id]:
                continue
            seen.add(member_id)
            if len(held[member_id]) < room[member_id]:
                held[member_id].append(case_id)
                return True
            for other in list(held[member_id]):
                held[member_id].remove(other)
                held[member_id].append(case_id)
                if augment(other, seen):
                    return True
                held[member_id].remove(case_id)
                held[member_id].append(other)
        return False

    filled = 0
    for case in cases:
        for _ in range(case.template.seats.get(role, 0)):
            filled += augment(case.facts.case_id, set())
    return filled


# --- conflicts -------------------------------------------------------------------------------------------


@FAST
@given(roster=rosters(), cases=rounds())
def test_conflict_mask_agrees_with_conflicts_of(roster: list[Candidate], cases: list[RoundCase]) -> None:
    facts = [c.facts for c in cases]

    mask = conflict_mask(roster, facts)

    assert mask.shape == (len(facts), len(roster))
    for i, case in enumerate(facts):
        for j, member in enumerate(roster):
            assert sorted(kinds_of(int(mask[i, j]))) == sorted(conflicts_of(member, case)), (member, case)


def test_conflict_mask_sets_one_bit_per_kind() -> None:
    member = Candidate(
        7,
        "lawyer",
        "武侯区",
        "玉林社区",
        frozenset({"CDJT"}),
        2,
        2,
        active=False,
        available=False,
        has_account=False,
    )
    case = CaseFacts(
        "CDJT", "武侯区", "玉林社区", 1, frozenset({7}), frozenset({7}), frozenset({7}), frozenset({7})
    )

    (bits,) = conflict_mask([member], [case])[0]

    assert int(bits) == sum(KIND_BITS.values())
    assert set(kinds_of(int(bits))) == set(ConflictKind)


# --- the assignment ----------------------------------------------------------------------------------------


@FAST
@given(roster=rosters(), cases=rounds(), seed=st.text(max_size=8))
def test_assign_round_never_seats_a_conflicted_member(
    roster: list[Candidate], cases: list[RoundCase], seed: str
) -> None:
    by_id = {m.id: m for m in roster}
    facts = {c.facts.case_id: c.facts for c in cases}

    result = assign_round(seed=seed, candidates=roster, cases=cases)

    for case_id, seats in _seated(result).items():
        members = [m for m, _ in seats]
        assert len(members) == len(set(members))
        for member_id, role in seats:
            assert conflicts_of(by_id[member_id], facts[case_id]) == []
            assert by_id[member_id].role == role
        per_role = Counter(role for _, role in seats)
        assert all(per_role[role] <= n for role, n in TEMPLATE.seats.items())
    for member_id, n in _new_loads(result).items():
        assert by_id[member_id].load + n <= by_id[member_id].max_panels


@FAST
@given(roster=rosters(), cases=rounds(), seed=st.text(max_size=8))
def test_assign_round_fills_as_many_seats_as_any_assignment_could(
    roster: list[Candidate], cases: list[RoundCase], seed: str
) -> None:
    result = assign_round(seed=seed, candidates=roster, cases=cases)

    filled = Counter(s.role for p in result.panels for s in p.seats)
    for role in TEMPLATE.seats:
        assert filled[role] == _max_seats(role, roster, cases)
    wanted = sum(TEMPLATE.seats.values()) * len(cases)
    assert result.report.feasible == (sum(filled.values()) == wanted)


@FAST
@given(roster=rosters(size=16, conflicts=False), cases=rounds(max_cases=10), seed=st.text(max_size=8))
def test_assign_round_meets_every_quota_when_the_roster_allows(
    roster: list[Candidate], cases: list[RoundCase], seed: str
) -> None:
    roles = Counter(m.role for m in roster)
    # Feasible by construction: no attribute conflicts, ample capacity, enough members beyond any record.
    feasible = all(roles[role] >= n + 6 for role, n in TEMPLATE.seats.items())

    result = assign_round(seed=seed, candidates=roster, cases=cases)

    if feasible:
        assert result.report.feasible
        for panel in result.panels:
            assert Counter(s.role for s in panel.seats) == Counter(TEMPLATE.seats)
            assert panel.shortfall == {}
            assert [s.role for s in panel.seats if s.is_chair] in (["lawyer"], ["deputy"])


@FAST
@given(roster=rosters(size=16, conflicts=False), cases=rounds(max_cases=10), seed=st.text(max_size=8))
def test_assign_round_balances_load_within_one_when_conflicts_allow(
    roster: list[Candidate], cases: list[RoundCase], seed: str
) -> None:
    # Members start at the same load and no record names a member: spread ≤ 1 is always achievable.
    roster = [Candidate(m.id, m.role, m.district, m.community, m.affiliations, 1, 40) for m in roster]
    cases = [
        RoundCase(CaseFacts(c.facts.department_code, c.facts.district, "", c.facts.case_id), c.template)
        for c in cases
    ]

    result = assign_round(seed=seed, candidates=roster, cases=cases)

    loads = _new_loads(result)
    for role in ROLES:
        final = [1 + loads[m.id] for m in roster if m.role == role]
        if final:
            assert max(final) - min(final) <= 1
            assert result.report.load_spread[role] == max(final) - min(final)


@FAST
@given(roster=rosters(), cases=rounds(), seed=st.text(max_size=8))
def test_assign_round_leaves_no_single_move_that_would_even_the_load(
    roster: list[Candidate], cases: list[RoundCase], seed: str
) -> None:
    result = assign_round(seed=seed, candidates=roster, cases=cases)

    loads = _new_loads(result)
    final = {m.id: m.load + loads[m.id] for m in roster}
    facts = {c.facts.case_id: c.facts for c in cases}
    for case_id, seats in _seated(result).items():
        on_case = {m for m, _ in seats}
        for member_id, role in seats:
            for other in roster:
                movable = (
                    other.role == role
                    and other.id not in on_case
                    and not conflicts_of(other, facts[case_id])
                    and final[other.id] < other.max_panels
                )
                # Handing this seat to `other` would bring two loads closer: the optimum never allows it.
                assert not movable or final[other.id] >= final[member_id] - 1, (case_id, member_id, other.id)


def test_assign_round_is_the_same_for_the_same_seed() -> None:
    roster, cases = _large_round()

    first = assign_round(seed="round-7", candidates=roster, cases=cases)
    again = assign_round(seed="round-7", candidates=list(reversed(roster)), cases=list(reversed(cases)))

    assert first == again


def test_assign_round_differs_between_seeds() -> None:
    roster, cases = _large_round()

    results = [_seated(assign_round(seed=f"round-{i}", candidates=roster, cases=cases)) for i in range(5)]

    assert len({repr(sorted(r.items())) for r in results}) == 5
    # Not just a permutation at the margin: most panels change.
    changed = sum(results[0][c] != results[1][c] for c in results[0])
    assert changed > len(results[0]) // 2


def test_assign_round_spreads_a_large_round_within_one_with_a_thin_sample() -> None:
    roster, cases = _large_round()
    uniform = [Candidate(m.id, m.role, m.district, m.community, m.affiliations, 0, 99) for m in roster]

    # One candidate per seat is far too few: the improving-path search must reach the balance anyway.
    result = assign_round(seed="thin", candidates=uniform, cases=cases, candidates_per_seat=1)

    assert result.report.feasible
    assert max(result.report.load_spread.values()) <= 1
    loads = _new_loads(result)
    for role in ROLES:
        final = [loads[m.id] for m in uniform if m.role == role]
        assert max(final) - min(final) <= 1


def test_assign_round_prefers_residents_of_the_case_district() -> None:
    residents = [
        Candidate(i, "resident", DISTRICTS[i % 2], f"社区{i}", frozenset(), 0, 10) for i in range(1, 41)
    ]
    template = Template(seats={"resident": 2}, chair_roles=(), prefer_local_residents=True)
    cases = [RoundCase(CaseFacts("CDJT", DISTRICTS[i % 2], "", i), template) for i in range(1, 21)]
    by_id = {m.id: m for m in residents}

    result = assign_round(seed="local", candidates=residents, cases=cases)

    facts = {c.facts.case_id: c.facts for c in cases}
    for panel in result.panels:
        assert {by_id[s.member_id].district for s in panel.seats} == {facts[panel.case_id].district}


def test_assign_round_reports_cases_short_of_conflict_free_members() -> None:
    lawyers = [Candidate(i, "lawyer", "武侯区", "", frozenset({"CDJT"}), 0, 5) for i in range(1, 4)]
    lawyers.append(Candidate(4, "lawyer", "锦江区", "", frozenset(), 0, 5))
    template = Template(seats={"lawyer": 1}, chair_roles=("lawyer",))
    cases = [
        RoundCase(CaseFacts("CDJT", "武侯区", "", i, recused=frozenset({4})), template) for i in (1, 2, 3)
    ]
    cases.append(RoundCase(CaseFacts("CDGA", "锦江区", "", 9), template))

    result = assign_round(seed="s", candidates=lawyers, cases=cases, role_labels={"lawyer": "律师"})

    assert not result.report.feasible
    (shortage,) = result.report.shortages
    assert (shortage.district, shortage.role, shortage.reason) == ("武侯区", "lawyer", "conflicts")
    assert shortage.case_ids == (1, 2, 3)
    assert shortage.seats == 3
    assert shortage.conflicts == {"works_for_department": 9, "recused": 3}
    assert shortage.message.startswith("武侯区 的 3 件案件缺少无利益冲突的律师")
    assert "任职于或服务于被评议部门 9 人次" in shortage.message
    assert {p.case_id: p.shortfall for p in result.panels} == {
        1: {"lawyer": 1},
        2: {"lawyer": 1},
        3: {"lawyer": 1},
        9: {},
    }
    assert result.report.conflict_counts == {"works_for_department": 9, "recused": 3}


def test_assign_round_reports_capacity_and_missing_roles_apart_from_conflicts() -> None:
    roster = [Candidate(1, "lawyer", "武侯区", "", frozenset(), 0, 1)]
    template = Template(seats={"lawyer": 1, "expert": 1}, chair_roles=("lawyer",))
    cases = [RoundCase(CaseFacts("CDJT", "武侯区", "", i), template) for i in (1, 2)]

    result = assign_round(
        seed="s", candidates=roster, cases=cases, role_labels={"lawyer": "律师", "expert": "专家"}
    )

    reasons = {(s.role, s.reason): s for s in result.report.shortages}
    assert set(reasons) == {("expert", "no_members"), ("lawyer", "capacity")}
    assert reasons[("expert", "no_members")].case_ids == (1, 2)
    assert "名册中没有专家" in reasons[("expert", "no_members")].message
    assert len(reasons[("lawyer", "capacity")].case_ids) == 1
    assert "在评案件已达上限" in reasons[("lawyer", "capacity")].message


def test_assign_round_reports_progress_per_role() -> None:
    roster, cases = _large_round()
    seen: list[tuple[int, int]] = []

    assign_round(
        seed="p", candidates=roster, cases=cases, on_progress=lambda done, total: seen.append((done, total))
    )

    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_assign_round_rejects_a_member_listed_twice() -> None:
    member = Candidate(1, "lawyer", "武侯区", "", frozenset(), 0, 5)

    with pytest.raises(ValueError, match="重复"):
        assign_round(seed="s", candidates=[member, member], cases=[])


def _large_round() -> tuple[list[Candidate], list[RoundCase]]:
    """60 members and 120 cases with attribute and record conflicts, deterministic."""
    roster = [
        Candidate(
            id=i,
            role=ROLES[i % 3],
            district=DISTRICTS[i % 2],
            community=COMMUNITIES[1 + (i // 3) % 3],
            affiliations=frozenset({DEPARTMENTS[i % 3]}) if i % 4 == 0 else frozenset(),
            load=i % 3,
            max_panels=40,
        )
        for i in range(1, 61)
    ]
    cases = [
        RoundCase(
            CaseFacts(
                DEPARTMENTS[i % 3],
                DISTRICTS[i % 2],
                COMMUNITIES[i % 4],
                1000 + i,
                personal_ties=frozenset({1 + (i * 7) % 60}),
                recused=frozenset({1 + (i * 13) % 60}),
            ),
            TEMPLATE,
        )
        for i in range(120)
    ]
    return roster, cases
