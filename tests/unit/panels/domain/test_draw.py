"""The panel draw (DESIGN §3): conflict-free, quota-exact, load-aware, re-runnable and fair."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panels.domain.conflicts import Candidate, CaseFacts, ConflictKind, conflicts_of
from panels.domain.draw import (
    RULE_1,
    DrawnSeat,
    DrawRule,
    Snapshot,
    Template,
    canonical_json,
    case_hash,
    draw_panel,
    lot,
    refill_seat,
    roster_hash,
    roster_snapshot,
    seed_hash,
)
from panels.domain.draw_record import (
    DrawRecord,
    Verification,
    public_view,
    record_draw,
    record_from_json,
    record_json,
    record_refill,
    verify_draw,
)

pytestmark = pytest.mark.unit

ROLES = ("lawyer", "deputy", "resident", "expert")
CASE = CaseFacts(department_code="CDJT", district="武侯区", community="玉林社区")
FIVE_SEATS = Template(
    seats={"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}, chair_roles=("lawyer", "deputy")
)

# Upper 0.001 critical values of the chi-square distribution (standard table, e.g. NIST/SEMATECH 1.3.6.7.4).
CHI2_CRITICAL_0_001 = {1: 10.828, 4: 18.467, 5: 20.515, 7: 24.322, 27: 55.476}


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


rules = st.sampled_from([RULE_1, DrawRule(), DrawRule(load_margin=0), DrawRule(load_margin=1.5)])


def _passed_over(c: Candidate, candidates: list[Candidate], case: CaseFacts, rule: DrawRule) -> bool:
    # Written out independently of the draw: rule 2 passes over a local whose next seat would bring them
    # above the role's average load (over active members) by more than the margin.
    if c.district != case.district:
        return True
    if rule.version == 1:
        return False
    loads = [m.load for m in candidates if m.role == c.role and m.active]
    return (c.load + 1 - rule.load_margin) * len(loads) > sum(loads)


@given(seed=seeds, candidates=rosters, case=cases, template=templates, rule=rules)
def test_draw_panel_prefers_local_residents_within_the_margin_then_low_load(
    seed: str, candidates: list[Candidate], case: CaseFacts, template: Template, rule: DrawRule
) -> None:
    result = draw_panel(seed=seed, candidates=candidates, case=case, template=template, rule=rule)

    seated_ids = {s.member_id for s in result.seats}
    for role in template.seats:
        pool = _eligible(candidates, case, role)
        local_first = role == "resident" and template.prefer_local_residents

        def rank(c: Candidate, local_first: bool = local_first) -> tuple[bool, int]:
            return (local_first and _passed_over(c, candidates, case, rule), c.load)

        seated = [c for c in pool if c.id in seated_ids]
        passed_over = [c for c in pool if c.id not in seated_ids]
        if seated and passed_over:
            assert max(rank(c) for c in seated) <= min(rank(c) for c in passed_over)


def test_draw_panel_local_residents_within_the_margin_fill_resident_seats_first() -> None:
    # Average load (2 / 10) + margin 2 = 2.2: one more seat brings the locals to 2, within it.
    candidates = [_candidate(i, "resident", district="锦江区", load=0) for i in range(1, 9)]
    candidates += [_candidate(i, "resident", district="武侯区", load=1) for i in range(9, 11)]
    template = Template(seats={"resident": 2}, chair_roles=())

    for n in range(50):
        result = draw_panel(seed=f"s{n}", candidates=candidates, case=CASE, template=template)

        assert {s.member_id for s in result.seats} == {9, 10}


def test_draw_panel_local_residents_above_the_margin_yield_to_residents_elsewhere() -> None:
    # Average load (6 / 10) + margin 2 = 2.6: a fourth seat would take the locals above it.
    candidates = [_candidate(i, "resident", district="锦江区", load=0) for i in range(1, 9)]
    candidates += [_candidate(i, "resident", district="武侯区", load=3) for i in range(9, 11)]
    template = Template(seats={"resident": 2}, chair_roles=())

    for n in range(50):
        result = draw_panel(seed=f"s{n}", candidates=candidates, case=CASE, template=template)

        assert {s.member_id for s in result.seats} <= set(range(1, 9))


def test_draw_panel_overloaded_local_competes_with_residents_elsewhere_on_load() -> None:
    # The local yields, but still comes before residents elsewhere who carry more than they do.
    candidates = [_candidate(1, "resident", district="武侯区", load=3)]
    candidates += [_candidate(i, "resident", district="锦江区", load=4) for i in range(2, 5)]
    candidates += [_candidate(i, "resident", district="锦江区", load=0, active=False) for i in range(5, 9)]
    template = Template(seats={"resident": 1}, chair_roles=())

    # Average over active residents (15 / 4) + 0 margin: 3.75 < 4, so member 1 is passed over for locality.
    rule = DrawRule(load_margin=0)
    result = draw_panel(seed="t", candidates=candidates, case=CASE, template=template, rule=rule)

    assert [s.member_id for s in result.seats] == [1]


def test_draw_panel_rule_1_seats_local_residents_whatever_their_load() -> None:
    # Records from before the margin carry no rule and are re-run under rule 1.
    candidates = [_candidate(i, "resident", district="锦江区", load=0) for i in range(1, 9)]
    candidates += [_candidate(i, "resident", district="武侯区", load=3) for i in range(9, 11)]
    template = Template(seats={"resident": 2}, chair_roles=())

    for n in range(50):
        result = draw_panel(seed=f"s{n}", candidates=candidates, case=CASE, template=template, rule=RULE_1)

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
        ({"has_account": False}, ConflictKind.no_account),
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
        1,
        "lawyer",
        affiliations=frozenset({"CDJT"}),
        community="玉林社区",
        load=5,
        active=False,
        available=False,
        has_account=False,
    )

    case = CaseFacts(
        department_code="CDJT",
        district="武侯区",
        community="玉林社区",
        case_id=7,
        personal_ties=frozenset({1}),
        earlier_members=frozenset({1}),
        recused=frozenset({1}),
        challenged=frozenset({1}),
    )

    assert set(conflicts_of(member, case)) == set(ConflictKind)
    assert set(conflicts_of(_candidate(2, "lawyer"), case)) == set()


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


def test_draw_panel_follows_the_published_lot_rule() -> None:
    # Re-implemented with the standard library's HMAC, as an outside verifier would.
    def published_lot(seed: str, purpose: str) -> bytes:
        return hmac.new(seed.encode(), purpose.encode(), hashlib.sha256).digest()

    lawyers = [_candidate(i, "lawyer") for i in (3, 17, 250, 4096)]
    deputies = [_candidate(i, "deputy") for i in (5, 8, 13)]
    template = Template(seats={"lawyer": 2, "deputy": 1}, chair_roles=("lawyer", "deputy"))

    for n in range(20):
        seed = f"种子{n}" * n
        result = draw_panel(seed=seed, candidates=lawyers + deputies, case=CASE, template=template)

        by_lot = sorted((c for c in deputies), key=lambda c: published_lot(seed, f"seat:{c.id}"))[:1]
        by_lot += sorted((c for c in lawyers), key=lambda c: published_lot(seed, f"seat:{c.id}"))[:2]
        chair = min(by_lot, key=lambda c: published_lot(seed, f"chair:{c.id}"))
        assert result.seats == tuple(DrawnSeat(c.id, c.role, c is chair) for c in by_lot)
        assert lot(seed, "seat:3") == published_lot(seed, "seat:3").hex()


# --- fairness -------------------------------------------------------------------------------------------

DRAWS = 2_000


def _seat_chi_square(counts: Counter, members: list[int], draws: int, seats: int) -> float:
    """Pearson's statistic for seat counts when `seats` of the k `members` are drawn without replacement.

    Each count has variance draws·p·(1−p), p = seats/k, and the counts are negatively correlated; dividing
    by E·(k − seats)/(k − 1) instead of E makes the statistic χ² with k − 1 degrees of freedom under the
    hypothesis that every member is equally likely to be seated (for one seat it is Pearson's own).
    """
    k = len(members)
    expected = draws * seats / k
    return sum((counts[m] - expected) ** 2 for m in members) / (expected * (k - seats) / (k - 1))


def _seat_counts(candidates: list[Candidate], template: Template, case: CaseFacts = CASE) -> Counter:
    return Counter(
        s.member_id
        for n in range(DRAWS)
        for s in draw_panel(seed=f"seed-{n}", candidates=candidates, case=case, template=template).seats
    )


def test_draw_panel_equal_load_members_of_each_role_seated_equally_often() -> None:
    # Per role: an equally loaded tier that must share the seats evenly, plus members the rule passes over
    # (higher load, conflicted, over capacity, inactive, residents from another district).
    tiers = {
        "lawyer": [_candidate(i, "lawyer", load=1) for i in range(1, 7)],
        "deputy": [_candidate(i, "deputy", load=0) for i in range(11, 16)],
        "resident": [_candidate(i, "resident", load=1) for i in range(21, 29)],
        "expert": [_candidate(i, "expert", load=0) for i in range(41, 46)],
    }
    passed_over = [
        _candidate(7, "lawyer", load=2),
        _candidate(8, "lawyer", load=0, affiliations=frozenset({"CDJT"})),
        _candidate(16, "deputy", load=0, community="玉林社区"),
        *[_candidate(i, "resident", load=0, district="锦江区") for i in range(29, 34)],
        _candidate(46, "expert", load=0, active=False),
    ]
    candidates = [c for tier in tiers.values() for c in tier] + passed_over

    counts = _seat_counts(candidates, FIVE_SEATS)

    assert not any(counts[c.id] for c in passed_over)
    for role, tier in tiers.items():
        seats = FIVE_SEATS.seats[role]
        members = [c.id for c in tier]
        assert sum(counts[m] for m in members) == DRAWS * seats
        assert _seat_chi_square(counts, members, DRAWS, seats) < CHI2_CRITICAL_0_001[len(members) - 1], role


def test_draw_panel_residents_from_elsewhere_share_the_seats_locals_leave_evenly() -> None:
    # The local resident (within the margin) takes a seat; the other goes evenly to the least loaded.
    candidates = [_candidate(1, "resident", district="武侯区", load=1)]
    candidates += [_candidate(i, "resident", district="锦江区", load=0) for i in range(2, 8)]
    candidates += [_candidate(8, "resident", district="锦江区", load=1)]
    template = Template(seats={"resident": 2}, chair_roles=())

    counts = _seat_counts(candidates, template)

    assert counts[1] == DRAWS
    assert counts[8] == 0
    assert _seat_chi_square(counts, list(range(2, 8)), DRAWS, 1) < CHI2_CRITICAL_0_001[5]


def test_draw_panel_every_pair_of_residents_equally_likely() -> None:
    # Even marginals could hide favoured pairs; the 28 possible pairs of 8 are a plain multinomial.
    residents = [_candidate(i, "resident", load=0) for i in range(1, 9)]
    template = Template(seats={"resident": 2}, chair_roles=())
    pairs = Counter(
        frozenset(
            s.member_id
            for s in draw_panel(seed=f"p{n}", candidates=residents, case=CASE, template=template).seats
        )
        for n in range(DRAWS)
    )
    every_pair = [frozenset(p) for p in itertools.combinations(range(1, 9), 2)]

    assert set(pairs) <= set(every_pair)
    assert _seat_chi_square(pairs, every_pair, DRAWS, 1) < CHI2_CRITICAL_0_001[27]


def test_draw_panel_chair_drawn_evenly_between_chair_roles() -> None:
    candidates = [_candidate(i, "lawyer") for i in range(1, 6)] + [
        _candidate(i, "deputy") for i in range(6, 11)
    ]
    template = Template(seats={"lawyer": 1, "deputy": 1}, chair_roles=("lawyer", "deputy"))
    results = [
        draw_panel(seed=f"c{n}", candidates=candidates, case=CASE, template=template) for n in range(DRAWS)
    ]

    chair_roles = Counter(s.role for r in results for s in r.seats if s.is_chair)

    assert sum(chair_roles.values()) == DRAWS
    assert _seat_chi_square(chair_roles, ["lawyer", "deputy"], DRAWS, 1) < CHI2_CRITICAL_0_001[1]


def test_refill_seat_equal_load_members_not_yet_drawn_refilled_equally_often() -> None:
    lawyers = [_candidate(i, "lawyer", load=1) for i in range(1, 9)]
    lawyers += [_candidate(9, "lawyer", load=2), _candidate(10, "lawyer", load=0, active=False)]
    seats = [
        refill_seat(
            seed=f"r{n}",
            candidates=lawyers,
            case=CASE,
            template=FIVE_SEATS,
            role="lawyer",
            seated={1, 2},
            refill_index=n % 3,
        )
        for n in range(DRAWS)
    ]

    counts = Counter(s.member_id for s in seats if s is not None)

    assert sum(counts.values()) == DRAWS
    assert set(counts) <= set(range(3, 9))
    assert _seat_chi_square(counts, list(range(3, 9)), DRAWS, 1) < CHI2_CRITICAL_0_001[5]


def test_refill_seat_residents_from_the_case_district_first() -> None:
    residents = [_candidate(1, "resident", district="锦江区", load=0)]
    residents += [_candidate(i, "resident", district="武侯区", load=1) for i in range(2, 6)]

    seats = {
        refill_seat(
            seed=f"r{n}",
            candidates=residents,
            case=CASE,
            template=FIVE_SEATS,
            role="resident",
            seated={2},
            refill_index=0,
        )
        for n in range(200)
    }

    assert {s.member_id for s in seats if s} == {3, 4, 5}


def test_refill_seat_nobody_left_is_none() -> None:
    lawyers = [_candidate(1, "lawyer"), _candidate(2, "lawyer", affiliations=frozenset({"CDJT"}))]

    seat = refill_seat(
        seed="s",
        candidates=lawyers,
        case=CASE,
        template=FIVE_SEATS,
        role="lawyer",
        seated={1},
        refill_index=0,
    )

    assert seat is None


def test_refill_seat_index_draws_a_fresh_lot() -> None:
    lawyers = [_candidate(i, "lawyer") for i in range(1, 21)]

    def refill(index: int) -> DrawnSeat | None:
        return refill_seat(
            seed="s",
            candidates=lawyers,
            case=CASE,
            template=FIVE_SEATS,
            role="lawyer",
            seated=set(),
            refill_index=index,
        )

    assert len({refill(i) for i in range(10)}) > 3
    assert refill(4) == refill(4)


# --- snapshot, record, verification ---------------------------------------------------------------------

ROSTER = [
    _candidate(101, "lawyer", community="望江社区", affiliations=frozenset({"CDZJ", "CDSW"})),
    _candidate(102, "lawyer", load=1),
    _candidate(103, "lawyer", affiliations=frozenset({"CDJT"})),
    _candidate(104, "lawyer"),
    _candidate(201, "deputy", district="锦江区", community="春熙社区"),
    _candidate(202, "deputy"),
    _candidate(203, "deputy", community="玉林社区"),
    *[
        _candidate(300 + i, "resident", district=("武侯区", "锦江区")[i % 2], load=i % 3)
        for i in range(1, 10)
    ],
    _candidate(401, "expert"),
    _candidate(402, "expert", load=5),
    _candidate(403, "expert"),
]
FACTS = CaseFacts(
    department_code="CDJT",
    district="武侯区",
    community="玉林社区",
    case_id=9,
    personal_ties=frozenset({104}),
    earlier_members=frozenset({302}),
)
TEMPLATE_V2 = Template(
    seats={"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1},
    chair_roles=("lawyer", "deputy"),
    id=4,
    version=2,
)


def _recorded(seed: str = "2f9c", roster: list[Candidate] = ROSTER) -> tuple[DrawRecord, Snapshot]:
    _, record, snapshot = record_draw(
        seed=seed, candidates=roster, case=FACTS, template=TEMPLATE_V2, salt="盐"
    )
    return record, snapshot


def _failed(verification: Verification) -> set[str]:
    return {c.name for c in verification.failures}


def test_roster_snapshot_is_canonical_whatever_the_input_order() -> None:
    reordered = [
        replace(c, affiliations=frozenset(sorted(c.affiliations, reverse=True))) for c in reversed(ROSTER)
    ]
    facts = replace(FACTS, personal_ties=frozenset({104, 3, 77}))

    snapshot = roster_snapshot(ROSTER, facts, salt="x")

    assert canonical_json(snapshot) == canonical_json(roster_snapshot(reordered, facts, salt="x"))
    assert [m["id"] for m in snapshot["members"]] == sorted(c.id for c in ROSTER)
    assert snapshot["members"][0] == {
        "id": 101,
        "role": "lawyer",
        "district": "武侯区",
        "community": "望江社区",
        "affiliations": ["CDSW", "CDZJ"],
        "load": 0,
        "max_panels": 5,
        "active": True,
        "available": True,
    }
    assert snapshot["case"]["personal_ties"] == [3, 77, 104]


def test_roster_hash_is_sha256_of_the_snapshot_members_in_canonical_json() -> None:
    record, snapshot = _recorded()
    members = json.dumps(snapshot["members"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    case = json.dumps(snapshot["case"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert record.roster_hash == roster_hash(ROSTER) == hashlib.sha256(members.encode("utf-8")).hexdigest()
    assert record.case_hash == case_hash(FACTS, salt="盐") == hashlib.sha256(case.encode("utf-8")).hexdigest()
    assert "望江社区" in members and "\\u" not in members


def test_case_hash_depends_on_the_secret_salt_and_the_record_based_exclusions() -> None:
    assert case_hash(FACTS, salt="a") != case_hash(FACTS, salt="b")
    assert case_hash(FACTS, salt="a") != case_hash(replace(FACTS, recused=frozenset({202})), salt="a")


def test_record_draw_result_is_draw_panel_result() -> None:
    result, record, _ = record_draw(seed="s1", candidates=ROSTER, case=FACTS, template=TEMPLATE_V2, salt="x")

    assert result == draw_panel(seed="s1", candidates=ROSTER, case=FACTS, template=TEMPLATE_V2)
    assert (record.result, record.exclusions, record.roster_hash) == (
        result.seats,
        result.exclusions,
        result.roster_hash,
    )
    assert record.seed_hash == seed_hash("s1")


def test_verify_draw_honest_record_passes_every_check() -> None:
    record, snapshot = _recorded()

    verification = verify_draw(record, json.loads(json.dumps(snapshot)))

    assert verification.ok
    assert [c.name for c in verification.checks] == ["seed", "roster", "case", "exclusions", "panel"]
    assert "相同的评议组" in verification.checks[-1].message


def test_verify_draw_seed_changed_after_the_draw_fails_the_commitment() -> None:
    record, snapshot = _recorded()

    verification = verify_draw(replace(record, seed="other"), snapshot)

    assert "seed" in _failed(verification)
    assert "更换" in next(c.message for c in verification.failures if c.name == "seed")


def test_verify_draw_snapshot_altered_fails_the_roster_hash() -> None:
    record, snapshot = _recorded()
    altered = json.loads(json.dumps(snapshot))
    altered["members"][1]["load"] = 0

    assert _failed(verify_draw(record, altered)) >= {"roster"}


def test_verify_draw_recusal_removed_from_snapshot_fails_the_case_hash_and_exclusions() -> None:
    record, snapshot = _recorded()
    altered = json.loads(json.dumps(snapshot))
    altered["case"]["personal_ties"] = []

    assert _failed(verify_draw(record, altered)) >= {"case", "exclusions"}


def test_verify_draw_seat_swapped_names_the_seat_and_no_member() -> None:
    record, snapshot = _recorded()
    seated = {s.member_id for s in record.result}
    other = next(c.id for c in ROSTER if c.role == "expert" and c.id not in seated)
    number, seat = next((n, s) for n, s in enumerate(record.result, start=1) if s.role == "expert")
    swapped = tuple(replace(s, member_id=other) if s == seat else s for s in record.result)

    verification = verify_draw(replace(record, result=swapped), snapshot)

    assert _failed(verification) == {"panel"}
    message = verification.failures[0].message
    assert f"第 {number} 席" in message
    assert not any(str(c.id) in message for c in ROSTER)


def test_verify_draw_unreadable_snapshot_is_a_failed_check() -> None:
    record, _ = _recorded()

    verification = verify_draw(record, {"format": 1, "members": [{"id": 1}]})

    assert _failed(verification) == {"snapshot"}


def test_record_refill_takes_over_role_and_chair_and_verifies() -> None:
    record, snapshot = _recorded()
    chair = next(s for s in record.result if s.is_chair)

    refilled, refill_snapshot = record_refill(
        record=record, replaces=chair.member_id, seed="新种子", candidates=ROSTER, case=FACTS, salt="盐"
    )
    refill = refilled.refills[0]

    assert refill_snapshot == snapshot
    assert refill.seat is not None
    assert (refill.seat.role, refill.seat.is_chair) == (chair.role, True)
    assert refill.seat.member_id not in {s.member_id for s in record.result}
    assert refill.seated == tuple(sorted(s.member_id for s in record.result))
    assert verify_draw(refilled, snapshot).ok


def test_record_refill_against_a_later_roster_needs_that_snapshot() -> None:
    record, snapshot = _recorded()
    leaving = record.result[0]
    later_case = replace(FACTS, recused=frozenset({leaving.member_id}))
    later_roster = [replace(c, load=c.load + 1) if c.role == "resident" else c for c in ROSTER]

    refilled, later = record_refill(
        record=record,
        replaces=leaving.member_id,
        seed="s2",
        candidates=later_roster,
        case=later_case,
        salt="y",
    )

    assert verify_draw(refilled, snapshot, refill_snapshots={0: later}).ok
    without = verify_draw(refilled, snapshot)
    assert _failed(without) == {"refill:0:snapshot"}
    assert "缺少" in without.failures[0].message


def test_record_refill_twice_on_one_seat_never_redraws_anyone() -> None:
    record, snapshot = _recorded()
    first = record.result[0]
    once, _ = record_refill(
        record=record, replaces=first.member_id, seed="a", candidates=ROSTER, case=FACTS, salt="盐"
    )
    assert once.refills[0].seat is not None
    twice, _ = record_refill(
        record=once,
        replaces=once.refills[0].seat.member_id,
        seed="b",
        candidates=ROSTER,
        case=FACTS,
        salt="盐",
    )

    assert first.member_id not in {r.seat.member_id for r in twice.refills if r.seat}
    assert verify_draw(twice, snapshot).ok
    assert [r["seat"] for r in public_view(twice)["refills"]] == [1, 1]  # type: ignore[index]


def test_record_refill_of_a_member_not_on_the_panel_is_refused() -> None:
    record, _ = _recorded()

    with pytest.raises(ValueError):
        record_refill(record=record, replaces=999, seed="a", candidates=ROSTER, case=FACTS, salt="盐")


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        (lambda r: replace(r, seed="changed"), "refill:0:seed"),
        (lambda r: replace(r, seated=r.seated[1:]), "refill:0:seat"),
        (lambda r: replace(r, is_chair=not r.is_chair), "refill:0:seat"),
        (lambda r: replace(r, seat=None), "refill:0:result"),
    ],
)
def test_verify_draw_altered_refill_fails_its_check(change: object, failed: str) -> None:
    record, snapshot = _recorded()
    refilled, _ = record_refill(
        record=record, replaces=record.result[2].member_id, seed="r", candidates=ROSTER, case=FACTS, salt="盐"
    )
    altered = replace(refilled, refills=(change(refilled.refills[0]),))  # type: ignore[operator]

    assert failed in _failed(verify_draw(altered, snapshot))


def test_record_json_round_trips_through_storage() -> None:
    record, snapshot = _recorded()
    refilled, _ = record_refill(
        record=record, replaces=record.result[1].member_id, seed="r", candidates=ROSTER, case=FACTS, salt="盐"
    )

    stored = json.loads(json.dumps(record_json(refilled)))

    assert record_from_json(stored) == refilled
    assert verify_draw(record_from_json(stored), snapshot).ok


def test_public_view_shows_the_draw_without_members_communities_or_districts() -> None:
    record, _ = _recorded()
    refilled, _ = record_refill(
        record=record, replaces=record.result[3].member_id, seed="r", candidates=ROSTER, case=FACTS, salt="盐"
    )

    view = public_view(refilled)

    assert view["seed"] == record.seed and view["seed_hash"] == seed_hash(record.seed)
    assert view["template"] == {
        "id": 4,
        "version": 2,
        "seats": {"deputy": 1, "expert": 1, "lawyer": 1, "resident": 2},
        "chair_roles": ["lawyer", "deputy"],
        "prefer_local_residents": True,
    }
    assert view["seats"] == [
        {"seat": n, "role": s.role, "is_chair": s.is_chair} for n, s in enumerate(record.result, start=1)
    ]
    kinds = Counter(e.kind.value for e in record.exclusions)
    assert {(e["kind"], e["count"]) for e in view["exclusions"]} == set(kinds.items())  # type: ignore[union-attr]
    assert view["refills"][0]["seat"] == 4  # type: ignore[index]
    values = list(_leaves(view))
    ids = {c.id for c in ROSTER}
    assert not [v for v in values if isinstance(v, int) and not isinstance(v, bool) and v in ids]
    places = {c.community for c in ROSTER} | {c.district for c in ROSTER} | {"盐"}
    assert not [v for v in values if isinstance(v, str) and any(p in v for p in places)]


def _leaves(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@given(seed=seeds, candidates=rosters, case=cases, template=templates, refill_seed=seeds)
def test_record_draw_and_refill_always_verify(
    seed: str, candidates: list[Candidate], case: CaseFacts, template: Template, refill_seed: str
) -> None:
    _, record, snapshot = record_draw(
        seed=seed, candidates=candidates, case=case, template=template, salt="s"
    )
    if record.result:
        record, _ = record_refill(
            record=record,
            replaces=record.result[0].member_id,
            seed=refill_seed,
            candidates=candidates,
            case=case,
            salt="s",
        )
        seat = record.refills[0].seat
        assert seat is None or (
            seat.member_id not in {s.member_id for s in record.result}
            and not conflicts_of(next(c for c in candidates if c.id == seat.member_id), case)
        )

    assert verify_draw(record, snapshot).ok
