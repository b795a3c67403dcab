"""The panel draw (抽取评议组): random, load-aware, conflict-free, and re-runnable by anyone from its record.

The rule, stated so that it can be re-implemented outside this code base:

- A member is eligible for a role when they hold the role, `panels.domain.conflicts.conflicts_of` finds nothing,
  and (for a refill) they have not been drawn for this case before.
- Eligible members are ordered by (passed over for locality; current load; lot; member id). Roles are filled
  in sorted order of their names, each with the first `seats[role]` members of that order.
- Passed over for locality (only for residents, only when the template prefers local residents): a resident
  from another district than the case's; and, under rule 2, also a resident of the case's district whose load
  would rise above the role's average load by more than the load margin: load + 1 > A + margin, where A is
  the mean load of the role's members in the snapshot who are active and have a login (exact rational
  arithmetic). Such a resident yields to residents from elsewhere and competes with them on load alone, so
  that the few residents of a small district do not carry all of its panels.
- The rule (version and margin) is part of the draw record. Rule 1, the rule of records that carry none, has
  no margin: local residents come first whatever their load. A refill follows its record's rule.
- lot = HMAC-SHA256(key = the seed in UTF-8, message = purpose in UTF-8), compared as bytes; the purpose is
  "seat:<m>" for the draw, "chair:<m>" for the chair and "refill:<refill index>:<m>" for a refill, <m> being
  the member's pseudonym in the draw record when the record has them (`tokens`), else the member id.
- The chair is the seated member of a chair role with the smallest chair lot.

Lots are independent and uniform, so among equally loaded eligible members of a role every seat is equally
likely to go to each of them. Nothing depends on dict or set iteration order, hash randomisation or locale.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from panels.domain.conflicts import Candidate, CaseFacts, Exclusion, conflicts_of

SNAPSHOT_FORMAT = 1

# A roster snapshot as stored (privately): {"format": 1, "members": [...], "case": {...}}.
Snapshot = dict[str, Any]


@dataclass(frozen=True)
class Template:
    """组成模板: seats per role, who may chair, whether residents come from the case's district first."""

    seats: dict[str, int]  # role → number of seats
    chair_roles: tuple[str, ...]
    prefer_local_residents: bool = True
    id: int = 0
    version: int = 0


def template_json(template: Template) -> dict[str, Any]:
    """A template as a draw record or a round's snapshot keeps it."""
    return {
        "id": template.id,
        "version": template.version,
        "seats": dict(sorted(template.seats.items())),
        "chair_roles": list(template.chair_roles),
        "prefer_local_residents": template.prefer_local_residents,
    }


def template_from_json(data: Mapping[str, Any]) -> Template:
    """The template `template_json` wrote."""
    return Template(
        seats={str(role): int(n) for role, n in data["seats"].items()},
        chair_roles=tuple(data["chair_roles"]),
        prefer_local_residents=bool(data["prefer_local_residents"]),
        id=int(data["id"]),
        version=int(data["version"]),
    )


# Seats a local resident may hold above their role's average before yielding to residents from elsewhere.
DEFAULT_LOAD_MARGIN = 2


@dataclass(frozen=True)
class DrawRule:
    """抽取规则: which version of the ordering a draw follows, and its load margin (see the module docstring)."""

    version: int = 2
    load_margin: float = DEFAULT_LOAD_MARGIN


RULE_1 = DrawRule(version=1, load_margin=0)
CURRENT_RULE = DrawRule()  # what new draws follow unless the caller passes the installation's margin
RULE_VERSIONS = (1, 2)


def rule_json(rule: DrawRule) -> dict[str, Any]:
    return {"version": rule.version, "load_margin": rule.load_margin}


def rule_from_json(data: Mapping[str, Any] | None) -> DrawRule:
    """The rule a record carries; records from before rules were recorded follow rule 1."""
    if not data:
        return RULE_1
    version = int(data["version"])
    if version not in RULE_VERSIONS:
        raise ValueError(f"未知的抽取规则版本：{version}")
    margin = data.get("load_margin", 0)
    return DrawRule(version=version, load_margin=int(margin) if float(margin).is_integer() else float(margin))


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


# --- lots -------------------------------------------------------------------------------------------------

_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


def _lots(seed: str) -> Callable[[str], bytes]:
    """HMAC-SHA256 keyed by the seed, with the key schedule done once.

    `hmac.new` per member costs about seven times as much as two hash copies, and a draw takes thousands.
    """
    key = seed.encode("utf-8")
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner, outer = hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))

    def lot_of(purpose: str) -> bytes:
        h = inner.copy()
        h.update(purpose.encode("utf-8"))
        o = outer.copy()
        o.update(h.digest())
        return o.digest()

    return lot_of


def lot(seed: str, purpose: str) -> str:
    """签: HMAC-SHA256(seed, purpose) in hex, the number that orders equally loaded members."""
    return _lots(seed)(purpose).hex()


def seed_hash(seed: str) -> str:
    """The commitment published before the draw."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


# --- snapshot ---------------------------------------------------------------------------------------------


def canonical_json(value: object) -> bytes:
    """The one byte form that is hashed: sorted keys, no whitespace, UTF-8 without escapes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(value: object) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _member_json(c: Candidate) -> dict[str, object]:
    member: dict[str, object] = {
        "id": c.id,
        "role": c.role,
        "district": c.district,
        "community": c.community,
        "affiliations": sorted(c.affiliations),
        "load": c.load,
        "max_panels": c.max_panels,
        "active": c.active,
        "available": c.available,
    }
    # Only a member without a login carries the key, so that snapshots taken before it existed (when nobody
    # was excluded for it) keep their hashes.
    if not c.has_account:
        member["account"] = False
    return member


def _members_json(candidates: Iterable[Candidate]) -> list[dict[str, object]]:
    return [_member_json(c) for c in sorted(candidates, key=lambda c: c.id)]


def _case_json(case: CaseFacts, salt: str) -> dict[str, object]:
    return {
        "case_id": case.case_id,
        "department_code": case.department_code,
        "district": case.district,
        "community": case.community,
        "personal_ties": sorted(case.personal_ties),
        "earlier_members": sorted(case.earlier_members),
        "recused": sorted(case.recused),
        "challenged": sorted(case.challenged),
        # The case part alone is small enough to guess (one community, a few member ids); the secret salt
        # keeps its public hash from confirming a guess.
        "salt": salt,
    }


def roster_hash(candidates: Iterable[Candidate]) -> str:
    """名册哈希: SHA-256 of the canonical JSON of the snapshot's members, in id order."""
    return digest(_members_json(candidates))


def case_hash(case: CaseFacts, *, salt: str) -> str:
    """SHA-256 of the canonical JSON of the snapshot's case part."""
    return digest(_case_json(case, salt))


def roster_snapshot(candidates: Iterable[Candidate], case: CaseFacts, *, salt: str) -> Snapshot:
    """名册快照: exactly what the draw saw, to be stored privately (it holds communities)."""
    return {"format": SNAPSHOT_FORMAT, "members": _members_json(candidates), "case": _case_json(case, salt)}


def from_snapshot(snapshot: Mapping[str, Any]) -> tuple[list[Candidate], CaseFacts, str]:
    """The candidates, case facts and salt a snapshot holds; ValueError when it is not a snapshot."""
    try:
        if snapshot["format"] != SNAPSHOT_FORMAT:
            raise ValueError(f"未知的快照格式：{snapshot['format']}")
        members = [
            Candidate(
                int(m["id"]),
                str(m["role"]),
                str(m["district"]),
                str(m["community"]),
                frozenset(str(a) for a in m["affiliations"]),
                int(m["load"]),
                int(m["max_panels"]),
                bool(m["active"]),
                bool(m["available"]),
                bool(m.get("account", True)),
            )
            for m in snapshot["members"]
        ]
        c = snapshot["case"]
        case = CaseFacts(
            department_code=str(c["department_code"]),
            district=str(c["district"]),
            community=str(c["community"]),
            case_id=int(c["case_id"]),
            personal_ties=frozenset(int(i) for i in c["personal_ties"]),
            earlier_members=frozenset(int(i) for i in c["earlier_members"]),
            recused=frozenset(int(i) for i in c["recused"]),
            challenged=frozenset(int(i) for i in c["challenged"]),
        )
        return members, case, str(c["salt"])
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"快照缺少或包含无效的字段：{error}") from error


# --- the draw ---------------------------------------------------------------------------------------------


def _screen(
    candidates: Iterable[Candidate], case: CaseFacts
) -> tuple[dict[str, list[Candidate]], list[Exclusion]]:
    """Eligible members by role, and every exclusion with its kind, both in member id order."""
    eligible: dict[str, list[Candidate]] = {}
    exclusions: list[Exclusion] = []
    previous: int | None = None
    for candidate in sorted(candidates, key=lambda c: c.id):
        if candidate.id == previous:
            # Two entries for one member would make "the roster the draw saw" ambiguous.
            raise ValueError(f"名册中评议员编号重复：{candidate.id}")
        previous = candidate.id
        kinds = conflicts_of(candidate, case)
        if kinds:
            exclusions.extend(Exclusion(candidate.id, kind) for kind in kinds)
        else:
            eligible.setdefault(candidate.role, []).append(candidate)
    return eligible, exclusions


def _pick(
    pool: list[Candidate],
    wanted: int,
    *,
    lots: Callable[[str], bytes],
    purpose: str,
    local_district: str | None,
    local_limit: Fraction | None = None,
    tokens: Mapping[int, str] | None = None,
) -> list[Candidate]:
    """The first `wanted` of `pool` by (passed over for locality, load, lot, id).

    With `local_district`, a member is first when they live there and (given `local_limit`) one more seat
    keeps their load within it.
    """
    if wanted <= 0 or not pool:
        return []

    def passed_over(c: Candidate) -> bool:
        if local_district is None:
            return False
        return c.district != local_district or (local_limit is not None and c.load + 1 > local_limit)

    # Lots decide only within a (locality, load) tier: drawing them for the tiers that can hold the seats is
    # enough, and gives the same members as drawing them for everyone.
    tiers: dict[tuple[bool, int], list[Candidate]] = {}
    for c in pool:
        tiers.setdefault((passed_over(c), c.load), []).append(c)
    contenders: list[tuple[tuple[bool, int], Candidate]] = []
    for tier in sorted(tiers):
        contenders.extend((tier, c) for c in tiers[tier])
        if len(contenders) >= wanted:
            break
    keyed = [(tier, lots(f"{purpose}{_token(c.id, tokens)}"), c.id, c) for tier, c in contenders]
    return [entry[-1] for entry in heapq.nsmallest(wanted, keyed, key=lambda e: e[:3])]


def _token(member_id: int, tokens: Mapping[int, str] | None) -> str:
    """What a member's lots are drawn for: their pseudonym in the record, so that outsiders can re-run it."""
    return str(member_id) if tokens is None else tokens[member_id]


def _local_district(role: str, case: CaseFacts, template: Template) -> str | None:
    return case.district if role == "resident" and template.prefer_local_residents else None


def role_average(candidates: Iterable[Candidate], role: str) -> Fraction:
    """The mean load of the role's members who could be drawn at all (active, with a login); 0 for none."""
    loads = [c.load for c in candidates if c.role == role and c.active and c.has_account]
    return Fraction(sum(loads), len(loads)) if loads else Fraction(0)


def _local_limit(rule: DrawRule, candidates: list[Candidate], role: str) -> Fraction | None:
    """The load a local resident's seat may bring them to under `rule` (None: no limit)."""
    if rule.version < 2:
        return None
    return role_average(candidates, role) + Fraction(str(rule.load_margin))


def run_draw(
    *,
    seed: str,
    candidates: list[Candidate],
    case: CaseFacts,
    template: Template,
    rule: DrawRule = CURRENT_RULE,
    tokens: Mapping[int, str] | None = None,
) -> tuple[tuple[DrawnSeat, ...], tuple[Exclusion, ...], dict[str, int]]:
    eligible, exclusions = _screen(candidates, case)
    lots = _lots(seed)
    chosen: list[Candidate] = []
    shortfall: dict[str, int] = {}
    for role in sorted(template.seats):
        wanted = template.seats[role]
        local = _local_district(role, case, template)
        picked = _pick(
            eligible.get(role, []),
            wanted,
            lots=lots,
            purpose="seat:",
            local_district=local,
            local_limit=_local_limit(rule, candidates, role) if local is not None else None,
            tokens=tokens,
        )
        if len(picked) < wanted:
            shortfall[role] = wanted - len(picked)
        chosen.extend(picked)

    chair_pool = [c for c in chosen if c.role in template.chair_roles]
    chair = (
        min(chair_pool, key=lambda c: (lots(f"chair:{_token(c.id, tokens)}"), c.id)).id
        if chair_pool
        else None
    )
    seats = tuple(DrawnSeat(c.id, c.role, c.id == chair) for c in chosen)
    return seats, tuple(exclusions), shortfall


def draw_panel(
    *,
    seed: str,
    candidates: list[Candidate],
    case: CaseFacts,
    template: Template,
    rule: DrawRule = CURRENT_RULE,
) -> DrawResult:
    """Fill each role's seats with the least-loaded eligible members, ties broken by the seeded lot.

    Residents from the case's district come first when the template prefers them, while within the rule's
    load margin. The same inputs give the same panel on every machine.
    """
    seats, exclusions, shortfall = run_draw(
        seed=seed, candidates=candidates, case=case, template=template, rule=rule
    )
    return DrawResult(seats, exclusions, roster_hash(candidates), shortfall)


def run_refill(
    *,
    seed: str,
    candidates: list[Candidate],
    case: CaseFacts,
    template: Template,
    role: str,
    seated: Collection[int],
    refill_index: int,
    is_chair: bool,
    rule: DrawRule = CURRENT_RULE,
    tokens: Mapping[int, str] | None = None,
) -> tuple[DrawnSeat | None, tuple[Exclusion, ...]]:
    eligible, exclusions = _screen(candidates, case)
    pool = [c for c in eligible.get(role, []) if c.id not in seated]
    local = _local_district(role, case, template)
    picked = _pick(
        pool,
        1,
        lots=_lots(seed),
        purpose=f"refill:{refill_index}:",
        local_district=local,
        local_limit=_local_limit(rule, candidates, role) if local is not None else None,
        tokens=tokens,
    )
    return (DrawnSeat(picked[0].id, role, is_chair) if picked else None), tuple(exclusions)


def refill_seat(
    *,
    seed: str,
    candidates: list[Candidate],
    case: CaseFacts,
    template: Template,
    role: str,
    seated: Collection[int],
    refill_index: int,
    is_chair: bool = False,
    rule: DrawRule = CURRENT_RULE,
) -> DrawnSeat | None:
    """补选: fill one declined, expired or recused seat by the draw's own rule; None when nobody is left.

    `seated` holds everyone drawn for this case so far; `is_chair` passes the chair on with the seat.
    """
    seat, _ = run_refill(
        rule=rule,
        seed=seed,
        candidates=candidates,
        case=case,
        template=template,
        role=role,
        seated=seated,
        refill_index=refill_index,
        is_chair=is_chair,
    )
    return seat
