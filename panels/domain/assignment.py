"""Batch convening (批量组庭): a whole round of cases assigned to the roster as one min-cost flow per role.

The rule, stated so that it can be re-implemented outside this code base:

- Members hold one role each, so the round splits into independent problems, one per role wanted by some case.
  Within a role: source → case (capacity = seats of the role in the case's template) → member (capacity 1,
  only when `panels.domain.conflicts.conflicts_of` finds nothing) → sink (the member's `max_panels - load`).
- Load balance (负载均衡): the seat that brings a member to load x costs B × (x − L), L being the water-filling
  level of the role. This is strictly convex, so the flow minimises the sum of squared final loads (existing
  load counted), which also makes the highest load as low and the lowest as high as conflicts and
  capacities allow: members end within 1 of each other whenever some assignment achieves that. This keeps
  the single draw's load margin (`panels.domain.draw`, rule 2) whenever the margin is at least 1: local residents
  are preferred only through the random costs, below the balance.
- The flow is the maximum flow of minimum cost (OR-Tools `SimpleMinCostFlow.solve_max_flow_with_min_cost`):
  first as many seats filled as possible, then the best balance, then the smallest sum of random arc costs
  (B exceeds the random cost of any cycle, so the three never trade against each other).
- Random arc cost: a 64-bit word per (case, member) pair from PCG64 seeded with SHA-256(seed NUL role); its low
  10 bits are the cost (plus 1024 for a resident from another district when the template prefers local
  residents), its upper bits order the pairs for sampling. PCG64's raw output is fixed across platforms and
  versions, every array is in case id × member id order and all arithmetic is on integers, so the same inputs
  give the same result on every machine (with the same OR-Tools release: among equal-cost optima the solver's
  choice is its own).
- A full graph would hold tens of millions of arcs, so each case starts with the `candidates_per_seat` × seats
  eligible members of smallest sampling word (and as many again from the case's district for local
  residents). After solving, a search over the full conflict-free graph looks for a path that would fill one
  more seat or improve the balance; when one exists its arcs are added, the sample is doubled and the role is
  solved again. The result
  is therefore as full and as balanced as on the full graph; only the random tie-breaking is sampled.
- The chair is the seated member of a chair role with the smallest HMAC-SHA256(seed, "chair:<case>:<member>").

OR-Tools was chosen over SciPy: SciPy's `linear_sum_assignment` solves one-to-one matching only and
`min_weight_full_bipartite_matching` needs a full matching, while a round needs capacities, quotas and
convex (balancing) costs, which a min-cost flow expresses directly and OR-Tools solves in C++.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from panels.domain.conflicts import CONFLICT_LABELS, Candidate, CaseFacts, ConflictKind
from panels.domain.draw import DrawnSeat, Template, lot

KIND_BITS: dict[ConflictKind, int] = {kind: 1 << i for i, kind in enumerate(ConflictKind)}
_COST_BITS = 10
_COST_RANGE = 1 << _COST_BITS  # random part of an arc's cost
_NOT_LOCAL = _COST_RANGE  # added for a resident from another district when the template prefers local ones
_NEVER = np.uint64(np.iinfo(np.uint64).max)
_BLOCK = 1024  # cases sampled at a time

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RoundCase:
    """本轮案件: one case of the round with the composition template it is convened under."""

    facts: CaseFacts
    template: Template


@dataclass(frozen=True)
class CasePanel:
    """评议组: the members seated on one case, by role then member id, with at most one chair."""

    case_id: int
    seats: tuple[DrawnSeat, ...]
    shortfall: dict[str, int]  # role → seats that could not be filled


@dataclass(frozen=True)
class Shortage:
    """缺员: cases of one district short of members of one role, for one reason."""

    district: str
    role: str
    reason: str  # "no_members" | "conflicts" | "capacity"
    case_ids: tuple[int, ...]
    seats: int  # seats left empty over these cases
    conflicts: dict[str, int]  # conflict kind → excluded (case, member of the role) pairs over these cases
    message: str


@dataclass(frozen=True)
class RoundReport:
    """组庭报告: what could not be filled and why, conflicts by kind, and the load spread per role."""

    shortages: tuple[Shortage, ...]
    conflict_counts: dict[str, int]  # conflict kind → (case, member of a role the case wants) pairs
    load_spread: dict[str, int]  # role → max − min final load over members able to serve this round

    @property
    def feasible(self) -> bool:
        return not self.shortages


@dataclass(frozen=True)
class RoundAssignment:
    panels: tuple[CasePanel, ...]  # in case id order
    report: RoundReport


# --- conflicts, vectorised ---------------------------------------------------------------------------------


def _member_bits(candidate: Candidate) -> int:
    bits = 0
    if not candidate.active:
        bits |= KIND_BITS[ConflictKind.inactive]
    if candidate.load >= candidate.max_panels:
        bits |= KIND_BITS[ConflictKind.over_capacity]
    if not candidate.available:
        bits |= KIND_BITS[ConflictKind.unavailable]
    if not candidate.has_account:
        bits |= KIND_BITS[ConflictKind.no_account]
    return bits


# Kinds decided by the member alone, whatever the case.
_MEMBER_KINDS = (
    ConflictKind.inactive,
    ConflictKind.over_capacity,
    ConflictKind.unavailable,
    ConflictKind.no_account,
)

# Kinds decided by a record on the case (a set of member ids) rather than by the member's attributes.
_RECORD_KINDS: tuple[tuple[ConflictKind, Callable[[CaseFacts], frozenset[int]]], ...] = (
    (ConflictKind.personal_tie, lambda case: case.personal_ties),
    (ConflictKind.earlier_review, lambda case: case.earlier_members),
    (ConflictKind.recused, lambda case: case.recused),
    (ConflictKind.challenge_upheld, lambda case: case.challenged),
)


def _conflicts(
    candidates: Sequence[Candidate], cases: Sequence[CaseFacts]
) -> tuple[NDArray[np.uint16], dict[ConflictKind, int]]:
    """The conflict mask (cases × candidates) and the number of pairs per kind."""
    n_cases, n_members = len(cases), len(candidates)
    mask = np.zeros((n_cases, n_members), dtype=np.uint16)
    counts = dict.fromkeys(ConflictKind, 0)
    if not n_cases or not n_members:
        return mask, counts

    member_bits = np.array([_member_bits(c) for c in candidates], dtype=np.uint16)
    mask |= member_bits[None, :]
    for kind in _MEMBER_KINDS:
        counts[kind] = int(np.count_nonzero(member_bits & KIND_BITS[kind])) * n_cases

    departments = {code: i for i, code in enumerate(sorted({c.department_code for c in cases}))}
    affiliated = np.zeros((len(departments), n_members), dtype=bool)
    for j, candidate in enumerate(candidates):
        for code in candidate.affiliations:
            if code in departments:
                affiliated[departments[code], j] = True
    works_for = affiliated[np.array([departments[c.department_code] for c in cases], dtype=np.intp)]
    np.bitwise_or(mask, KIND_BITS[ConflictKind.works_for_department], out=mask, where=works_for)
    counts[ConflictKind.works_for_department] = int(np.count_nonzero(works_for))
    del works_for

    names = sorted({c.community for c in candidates} | {c.community for c in cases})
    community = {name: i for i, name in enumerate(names)}
    member_community = np.array([community[c.community] for c in candidates], dtype=np.int32)
    # A case without a community conflicts with nobody, even with members who left theirs blank.
    case_community = np.array([community[c.community] if c.community else -1 for c in cases], dtype=np.int32)
    same = case_community[:, None] == member_community[None, :]
    np.bitwise_or(mask, KIND_BITS[ConflictKind.same_community], out=mask, where=same)
    counts[ConflictKind.same_community] = int(np.count_nonzero(same))
    del same

    column = {c.id: j for j, c in enumerate(candidates)}
    for kind, ids_of in _RECORD_KINDS:
        rows: list[int] = []
        cols: list[int] = []
        for i, case in enumerate(cases):
            for member_id in ids_of(case):
                if member_id in column:
                    rows.append(i)
                    cols.append(column[member_id])
        if rows:
            mask[np.array(rows), np.array(cols)] |= np.uint16(KIND_BITS[kind])
            counts[kind] = len(rows)  # the ids are sets: each (case, member) pair once
    return mask, counts


def conflict_mask(candidates: Sequence[Candidate], cases: Sequence[CaseFacts]) -> NDArray[np.uint16]:
    """The conflict kinds of every (case, candidate) pair as `KIND_BITS`; the vectorised `conflicts_of`."""
    return _conflicts(candidates, cases)[0]


def kinds_of(bits: int) -> list[ConflictKind]:
    """The conflict kinds a mask entry holds, in `ConflictKind` order."""
    return [kind for kind in ConflictKind if bits & KIND_BITS[kind]]


# --- one role ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Role:
    """One role's problem: the cases that want it (rows) and the members who hold it (columns)."""

    name: str
    rows: NDArray[np.intp]  # indices into the round's cases
    quota: NDArray[np.int64]
    members: tuple[Candidate, ...]
    mask: NDArray[np.uint16]
    words: NDArray[np.uint64]  # the random word of each (case, member) pair
    remote: NDArray[np.bool_]  # a resident from another district on a case that prefers local ones
    capacity: NDArray[np.int64]
    load: NDArray[np.int64]
    level: int  # the water-filling level: seat costs are centred on it to keep them small
    counts: dict[ConflictKind, int]  # conflicting (case, member) pairs by kind


def _words(seed: str, role: str, shape: tuple[int, int]) -> NDArray[np.uint64]:
    digest = hashlib.sha256(f"{seed}\0{role}".encode()).digest()
    generator = np.random.PCG64(int.from_bytes(digest, "big"))
    return generator.random_raw(shape[0] * shape[1]).astype(np.uint64).reshape(shape)


def _level(load: NDArray[np.int64], capacity: NDArray[np.int64], demand: int) -> int:
    """Water-filling: the highest load that `demand` seats can lift every member to (within capacity)."""
    able = capacity > 0
    if not able.any():
        return 0

    def lifted(level: int) -> int:
        return int(np.minimum(capacity, np.maximum(0, level - load)).sum())

    low, high = int(load[able].min()), int((load + capacity)[able].max())
    while low < high:  # the largest level that `demand` seats can lift everyone to
        middle = (low + high + 1) // 2
        if lifted(middle) <= demand:
            low = middle
        else:
            high = middle - 1
    return low


def _build_role(seed: str, name: str, members: Sequence[Candidate], cases: Sequence[RoundCase]) -> _Role:
    rows = np.array([i for i, c in enumerate(cases) if c.template.seats.get(name, 0) > 0], dtype=np.intp)
    quota = np.array([cases[i].template.seats[name] for i in rows], dtype=np.int64)
    facts = [cases[i].facts for i in rows]
    mask, counts = _conflicts(members, facts)
    load = np.array([m.load for m in members], dtype=np.int64)
    able = np.array([_member_bits(m) == 0 for m in members], dtype=bool)
    capacity = np.where(able, np.array([m.max_panels - m.load for m in members], dtype=np.int64), 0)
    eligible_per_case = np.count_nonzero(mask == 0, axis=1)
    demand = int(np.minimum(quota, eligible_per_case).sum())
    level = _level(load, capacity, demand)

    prefer = np.array(
        [name == "resident" and cases[i].template.prefer_local_residents for i in rows], dtype=bool
    )
    districts = sorted({m.district for m in members} | {f.district for f in facts})
    code = {d: i for i, d in enumerate(districts)}
    member_district = np.array([code[m.district] for m in members], dtype=np.int32)
    case_district = np.array([code[f.district] for f in facts], dtype=np.int32)
    remote = (prefer[:, None] & (case_district[:, None] != member_district[None, :])).reshape(mask.shape)
    words = _words(seed, name, mask.shape)
    return _Role(name, rows, quota, tuple(members), mask, words, remote, capacity, load, level, counts)


def _take_smallest(keys: NDArray[np.uint64], k: int, chosen: NDArray[np.bool_]) -> None:
    """Mark in `chosen` the `k` smallest keys of each row, leaving out `_NEVER`."""
    n_rows, n_cols = keys.shape
    if k <= 0 or n_rows == 0:
        return
    if k >= n_cols:
        chosen |= keys != _NEVER
        return
    picked = np.argpartition(keys, k - 1, axis=1)[:, :k]
    rows = np.arange(n_rows)[:, None]
    chosen[rows, picked] |= np.take_along_axis(keys, picked, axis=1) != _NEVER


def _sample(role: _Role, eligible: NDArray[np.bool_], per_seat: int) -> NDArray[np.bool_]:
    """The arcs solved first: per case, the eligible members with the smallest sampling words."""
    chosen = np.zeros_like(eligible)
    if not eligible.size:
        return chosen
    k = per_seat * int(role.quota.max())
    # In blocks of cases, so that the sort keys of a large role never sit in memory all at once.
    for start in range(0, eligible.shape[0], _BLOCK):
        block = slice(start, start + _BLOCK)
        order = role.words[block] >> np.uint64(_COST_BITS)
        _take_smallest(np.where(eligible[block], order, _NEVER), k, chosen[block])
        remote = role.remote[block]
        if remote.any():
            _take_smallest(np.where(eligible[block] & ~remote, order, _NEVER), k, chosen[block])
    return chosen


def _solve(role: _Role, chosen: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The maximum flow of minimum cost over the chosen arcs, as a (case × member) matrix of seats."""
    n_cases, n_members = chosen.shape
    arc_case, arc_member = np.nonzero(chosen)
    costs = (role.words[arc_case, arc_member] & np.uint64(_COST_RANGE - 1)).astype(np.int64)
    costs += _NOT_LOCAL * role.remote[arc_case, arc_member]
    # B outweighs the random costs of any cycle, so fill comes first, balance second, randomness last.
    n_nodes = 2 + n_cases + n_members
    big = 2 * _COST_RANGE * (n_nodes + 1)
    case_node = 2 + np.arange(n_cases, dtype=np.int64)
    member_node = 2 + n_cases + np.arange(n_members, dtype=np.int64)
    # One arc per further seat of a member, costing B × (the load it brings them to − level): strictly
    # convex, so the flow minimises the sum of squared loads, which also lowers the highest load and raises
    # the lowest as far as conflicts and capacities allow. No member can use more seats than there are cases.
    units = np.minimum(role.capacity, n_cases)
    unit_member = np.repeat(np.arange(n_members), units)
    unit_index = np.arange(len(unit_member)) - np.repeat(np.cumsum(units) - units, units) + 1
    unit_cost = big * (role.load[unit_member] + unit_index - role.level)
    tails = np.concatenate([np.zeros(n_cases, np.int64), case_node[arc_case], member_node[unit_member]])
    heads = np.concatenate([case_node, member_node[arc_member], np.ones(len(unit_member), np.int64)])
    caps = np.concatenate([role.quota, np.ones(len(arc_case) + len(unit_member), np.int64)])
    unit = np.concatenate([np.zeros(n_cases, np.int64), costs, unit_cost])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, unit)
    total = int(role.quota.sum())
    flow.set_nodes_supplies(np.array([0, 1], np.int32), np.array([total, -total], np.int64))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed for role {role.name}: {status}")
    first = n_cases
    used = flow.flows(np.arange(first, first + len(arc_case), dtype=np.int32)) > 0
    held = np.zeros_like(chosen)
    held[arc_case[used], arc_member[used]] = True
    return held


# --- improving paths on the full conflict-free graph ---------------------------------------------------------


def _search(
    eligible: NDArray[np.bool_],
    held: NDArray[np.bool_],
    *,
    start_cases: NDArray[np.intp],
    start_members: NDArray[np.intp],
    targets: NDArray[np.bool_],
    open_cases: NDArray[np.intp],
) -> set[tuple[int, int]]:
    """Free arcs of residual paths from the starts to a target member (breadth first); empty when none.

    Residual arcs: case → member when eligible and not held; member → case when held; and, once any case is
    reached, to every case with an empty seat (`open_cases`), through the source.
    """
    n_cases, n_members = eligible.shape
    held_by_member = np.ascontiguousarray(held.T)
    case_from = np.full(n_cases, -2, np.int64)
    member_from = np.full(n_members, -2, np.int64)
    case_from[start_cases] = -1
    member_from[start_members] = -1
    cases, members = start_cases, start_members
    source_open = open_cases.size > 0
    while cases.size or members.size:
        next_cases = np.zeros(0, np.intp)
        if members.size:
            holds = held_by_member[members]
            next_cases = np.flatnonzero(holds.any(axis=0) & (case_from == -2))
            case_from[next_cases] = members[holds[:, next_cases].argmax(axis=0)]
            if source_open and next_cases.size:
                fresh = open_cases[case_from[open_cases] == -2]
                case_from[fresh] = -1
                next_cases = np.concatenate([next_cases, fresh])
                source_open = False
        next_members = np.zeros(0, np.intp)
        if cases.size:
            reach = eligible[cases] & ~held[cases]
            next_members = np.flatnonzero(reach.any(axis=0) & (member_from == -2))
            member_from[next_members] = cases[reach[:, next_members].argmax(axis=0)]
            hits = next_members[targets[next_members]]
            if hits.size:
                return _trace(hits, case_from, member_from)
        cases, members = next_cases, next_members
    return set()


def _trace(
    hits: NDArray[np.intp], case_from: NDArray[np.int64], member_from: NDArray[np.int64]
) -> set[tuple[int, int]]:
    arcs: set[tuple[int, int]] = set()
    for hit in hits.tolist():
        member = hit
        while (case := int(member_from[member])) >= 0:
            arcs.add((case, member))
            if (member := int(case_from[case])) < 0:
                break
    return arcs


def _improvement(role: _Role, eligible: NDArray[np.bool_], held: NDArray[np.bool_]) -> set[tuple[int, int]]:
    """Arcs of a path that would fill one more seat or better balance the load; empty when there is none."""
    filled = held.sum(axis=1)
    through = held.sum(axis=0)
    open_cases = np.flatnonzero(filled < role.quota)
    no_members = np.zeros(0, np.intp)
    if open_cases.size:
        arcs = _search(
            eligible,
            held,
            start_cases=open_cases,
            start_members=no_members,
            targets=through < role.capacity,
            open_cases=np.zeros(0, np.intp),
        )
        if arcs:
            return arcs
    # From a member's last seat to a member at least two seats lower whose next seat would cost less.
    final = role.load + through
    room = through < role.capacity
    for top in range(int(final.max(initial=0)), int(final.min(initial=0)) + 1, -1):
        donors = (final >= top) & (through > 0)
        targets = (final <= top - 2) & room
        if donors.any() and targets.any():
            arcs = _search(
                eligible,
                held,
                start_cases=np.zeros(0, np.intp),
                start_members=np.flatnonzero(donors),
                targets=targets,
                open_cases=open_cases,
            )
            if arcs:
                return arcs
    return set()


def _assign_role(role: _Role, per_seat: int) -> NDArray[np.bool_]:
    """Seats of one role: solve on sampled arcs; while a better assignment exists, add arcs and solve again.

    Each further round adds the arcs of the improving paths found and doubles the sample, so even a sample
    far too thin reaches the full graph (where the solver is exact) in a logarithmic number of rounds.
    """
    eligible = role.mask == 0
    chosen = _sample(role, eligible, per_seat)
    held = _solve(role, chosen)
    while arcs := _improvement(role, eligible, held):
        rows, cols = zip(*sorted(arcs), strict=True)
        before = int(np.count_nonzero(chosen))
        chosen[np.array(rows), np.array(cols)] = True
        per_seat *= 2
        chosen |= _sample(role, eligible, per_seat)
        if int(np.count_nonzero(chosen)) == before:
            break  # nothing left to add: the graph is already complete
        held = _solve(role, chosen)
    return held


# --- the round ---------------------------------------------------------------------------------------------


def _shortages(
    role: _Role, held: NDArray[np.bool_], cases: Sequence[RoundCase], label: str
) -> list[Shortage]:
    """Unfilled cases of one role grouped by district and reason, with the conflicts that excluded members."""
    missing = role.quota - held.sum(axis=1)
    eligible_per_case = np.count_nonzero(role.mask == 0, axis=1)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in np.flatnonzero(missing > 0).tolist():
        if not role.members:
            reason = "no_members"
        elif eligible_per_case[row] < role.quota[row]:
            reason = "conflicts"
        else:
            reason = "capacity"
        groups[(cases[role.rows[row]].facts.district, reason)].append(row)
    found = []
    for (district, reason), rows in sorted(groups.items()):
        block = role.mask[np.array(rows)]
        counted = {k.value: int(np.count_nonzero(block & KIND_BITS[k])) for k in ConflictKind}
        conflicts = {k: n for k, n in counted.items() if n}
        seats = int(missing[rows].sum())
        found.append(
            Shortage(
                district=district,
                role=role.name,
                reason=reason,
                case_ids=tuple(cases[role.rows[r]].facts.case_id for r in rows),
                seats=seats,
                conflicts=conflicts,
                message=_message(district or "未注明区域", len(rows), seats, label, reason, conflicts),
            )
        )
    return found


def _message(
    district: str, n_cases: int, seats: int, label: str, reason: str, conflicts: dict[str, int]
) -> str:
    if reason == "no_members":
        return f"{district} 的 {n_cases} 件案件无法配备{label}：名册中没有{label}"
    if reason == "capacity":
        return (
            f"{district} 的 {n_cases} 件案件未能配齐{label}（共缺 {seats} 席）："
            f"无利益冲突的{label}在评案件已达上限"
        )
    top = sorted(conflicts.items(), key=lambda item: -item[1])[:2]
    causes = "、".join(f"{CONFLICT_LABELS[kind]} {n} 人次" for kind, n in top)
    return f"{district} 的 {n_cases} 件案件缺少无利益冲突的{label}（共缺 {seats} 席；主要原因：{causes}）"


def _spread(role: _Role, held: NDArray[np.bool_]) -> int:
    able = np.array([_member_bits(m) == 0 for m in role.members], dtype=bool)
    if not able.any():
        return 0
    final = np.array([m.load for m in role.members], dtype=np.int64) + held.sum(axis=0)
    return int(final[able].max() - final[able].min())


def _unique_sorted(items: Sequence[Any], key: Callable[[Any], int], what: str) -> list[Any]:
    ordered = sorted(items, key=key)
    for before, after in itertools.pairwise(ordered):
        if key(before) == key(after):
            raise ValueError(f"{what}编号重复：{key(after)}")
    return ordered


def assign_round(
    *,
    seed: str,
    candidates: Sequence[Candidate],
    cases: Sequence[RoundCase],
    role_labels: Mapping[str, str] | None = None,
    candidates_per_seat: int = 4,
    on_progress: Progress | None = None,
) -> RoundAssignment:
    """批量组庭: seat a whole round against the roster — quotas, no conflicts, capacities, balanced load, random.

    The same inputs and seed give the same result on every machine; `role_labels` names roles in the report.
    """
    roster: list[Candidate] = _unique_sorted(candidates, lambda c: c.id, "评议员")
    round_cases: list[RoundCase] = _unique_sorted(cases, lambda c: c.facts.case_id, "案件")
    labels = role_labels or {}
    roles = sorted({role for c in round_cases for role, n in c.template.seats.items() if n > 0})
    total = len(roles) + 1
    seated: list[list[tuple[str, int]]] = [[] for _ in round_cases]
    shortfall: list[dict[str, int]] = [{} for _ in round_cases]
    shortages: list[Shortage] = []
    counts = dict.fromkeys((k.value for k in ConflictKind), 0)
    spread: dict[str, int] = {}
    for step, name in enumerate(roles):
        role = _build_role(seed, name, [m for m in roster if m.role == name], round_cases)
        held = _assign_role(role, candidates_per_seat)
        for row, column in zip(*np.nonzero(held), strict=True):
            seated[role.rows[row]].append((name, role.members[column].id))
        for row, missing in enumerate((role.quota - held.sum(axis=1)).tolist()):
            if missing:
                shortfall[role.rows[row]][name] = missing
        shortages.extend(_shortages(role, held, round_cases, labels.get(name, name)))
        for kind, n in role.counts.items():
            counts[kind.value] += n
        spread[name] = _spread(role, held)
        if on_progress:
            on_progress(step + 1, total)

    panels = tuple(
        CasePanel(case.facts.case_id, _seats(seed, case, seated[i]), shortfall[i])
        for i, case in enumerate(round_cases)
    )
    report = RoundReport(tuple(shortages), {k: n for k, n in counts.items() if n}, spread)
    if on_progress:
        on_progress(total, total)
    return RoundAssignment(panels, report)


def _seats(seed: str, case: RoundCase, seated: list[tuple[str, int]]) -> tuple[DrawnSeat, ...]:
    ordered = sorted(seated)
    chairs = [member for role, member in ordered if role in case.template.chair_roles]
    chair = min(chairs, key=lambda m: lot(seed, f"chair:{case.facts.case_id}:{m}")) if chairs else None
    return tuple(DrawnSeat(member, role, member == chair) for role, member in ordered)
