"""The draw record: what was drawn and how, its public view, and its verification by re-running the draw."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from panels.domain.conflicts import CONFLICT_LABELS, Candidate, CaseFacts, ConflictKind, Exclusion
from panels.domain.draw import (
    CURRENT_RULE,
    DrawnSeat,
    DrawResult,
    DrawRule,
    Snapshot,
    Template,
    case_hash,
    digest,
    from_snapshot,
    roster_hash,
    roster_snapshot,
    rule_from_json,
    rule_json,
    run_draw,
    run_refill,
    seed_hash,
    template_from_json,
    template_json,
)
from review.core.labels import ROLE_LABELS


@dataclass(frozen=True)
class Refill:
    """One refilled seat, re-runnable from its own seed and snapshot."""

    index: int
    replaces: int  # the member whose seat is refilled
    role: str
    is_chair: bool
    seed_hash: str
    seed: str
    roster_hash: str
    case_hash: str
    seated: tuple[int, ...]  # everyone drawn for the case before this refill, ascending
    exclusions: tuple[Exclusion, ...]
    seat: DrawnSeat | None


@dataclass(frozen=True)
class DrawRecord:
    """抽取记录: the seed, its commitment, the template, the input's hashes, the exclusions and the result."""

    seed_hash: str
    seed: str
    template: Template
    roster_hash: str
    case_hash: str
    exclusions: tuple[Exclusion, ...]
    result: tuple[DrawnSeat, ...]
    refills: tuple[Refill, ...] = ()
    rule: DrawRule = CURRENT_RULE  # the ordering rule and load margin the draw and its refills follow
    # SHA-256 of the record's secret pseudonym key, committed with the seed's hash; empty for records drawn
    # before pseudonyms, whose lots are drawn for member ids and which only the office can re-run.
    pseudonym_key_hash: str = ""


def pseudonym(key: str, member_id: int) -> str:
    """假名: HMAC-SHA256(key, member id) cut to 16 hex digits — stable within one record, unlinkable across."""
    return hmac.new(key.encode("utf-8"), str(member_id).encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def pseudonyms(key: str, member_ids: Iterable[int]) -> dict[int, str] | None:
    """Each member's pseudonym under `key` (None without a key: lots then go by member id)."""
    if not key:
        return None
    found = {member_id: pseudonym(key, member_id) for member_id in member_ids}
    if len(set(found.values())) != len(found):
        raise ValueError("假名重复，请换一个密钥重新抽取")
    return found


def _tokens(key: str, candidates: Iterable[Candidate], *also: Iterable[int]) -> dict[int, str] | None:
    ids = {c.id for c in candidates}
    for more in also:
        ids.update(more)
    return pseudonyms(key, ids)


def record_draw(
    *,
    seed: str,
    candidates: list[Candidate],
    case: CaseFacts,
    template: Template,
    salt: str,
    rule: DrawRule = CURRENT_RULE,
    pseudonym_key: str = "",
) -> tuple[DrawResult, DrawRecord, Snapshot]:
    """Draw a panel and return the result, its record and the snapshot to store privately beside it.

    `salt` is a fresh secret (e.g. `secrets.token_hex(16)`) kept only in the snapshot; so is `pseudonym_key`,
    whose hash must be committed with the seed's: lots are then drawn for the members' pseudonyms, and the
    public replay (`replay_json`) lets anyone re-run the draw.
    """
    snapshot = roster_snapshot(candidates, case, salt=salt)
    tokens = _tokens(pseudonym_key, candidates)
    if pseudonym_key:
        snapshot["pseudonym_key"] = pseudonym_key
    seats, exclusions, shortfall = run_draw(
        seed=seed, candidates=candidates, case=case, template=template, rule=rule, tokens=tokens
    )
    members_hash = digest(snapshot["members"])
    record = DrawRecord(
        seed_hash=seed_hash(seed),
        seed=seed,
        template=template,
        roster_hash=members_hash,
        case_hash=digest(snapshot["case"]),
        exclusions=exclusions,
        result=seats,
        rule=rule,
        pseudonym_key_hash=seed_hash(pseudonym_key) if pseudonym_key else "",
    )
    return DrawResult(seats, exclusions, members_hash, shortfall), record, snapshot


@dataclass(frozen=True)
class _Step:
    refill: Refill
    number: int  # the seat refilled, 1-based in result order; 0 when it was not on the panel
    old: DrawnSeat | None  # who held it
    drawn: tuple[int, ...]  # everyone drawn before this refill, ascending


def history(record: DrawRecord) -> tuple[list[_Step], dict[int, tuple[int, DrawnSeat]], set[int]]:
    """Each refill with the seat it replaced; then who holds which seat, and everyone ever drawn."""
    holders = {s.member_id: (n, s) for n, s in enumerate(record.result, start=1)}
    drawn = set(holders)
    steps = []
    for refill in record.refills:
        number, old = holders.pop(refill.replaces, (0, None))
        steps.append(_Step(refill, number, old, tuple(sorted(drawn))))
        if refill.seat is not None:
            holders[refill.seat.member_id] = (number, refill.seat)
            drawn.add(refill.seat.member_id)
    return steps, holders, drawn


def record_refill(
    *,
    record: DrawRecord,
    replaces: int,
    seed: str,
    candidates: list[Candidate],
    case: CaseFacts,
    salt: str,
    pseudonym_key: str = "",
) -> tuple[DrawRecord, Snapshot]:
    """Refill the seat `replaces` holds; the record with the refill appended, and the snapshot it used.

    `seed` should be fresh, its hash recorded before the refill: the draw's own seed is public by then, and
    a member who could compute their successor could choose whether to decline. `pseudonym_key` is the
    draw's (its snapshot keeps it), so that a member keeps one pseudonym throughout the record.
    """
    _, holders, drawn = history(record)
    if replaces not in holders:
        raise ValueError(f"评议员 {replaces} 不在该评议组中")
    if (seed_hash(pseudonym_key) if pseudonym_key else "") != record.pseudonym_key_hash:
        raise ValueError("补选须使用抽取时的假名密钥")
    _, old = holders[replaces]
    index = len(record.refills)
    snapshot = roster_snapshot(candidates, case, salt=salt)
    seat, exclusions = run_refill(
        seed=seed,
        candidates=candidates,
        case=case,
        template=record.template,
        role=old.role,
        seated=drawn,
        refill_index=index,
        is_chair=old.is_chair,
        rule=record.rule,
        tokens=_tokens(pseudonym_key, candidates, drawn),
    )
    refill = Refill(
        index=index,
        replaces=replaces,
        role=old.role,
        is_chair=old.is_chair,
        seed_hash=seed_hash(seed),
        seed=seed,
        roster_hash=digest(snapshot["members"]),
        case_hash=digest(snapshot["case"]),
        seated=tuple(sorted(drawn)),
        exclusions=exclusions,
        seat=seat,
    )
    return replace(record, refills=(*record.refills, refill)), snapshot


def _seat_json(seat: DrawnSeat | None) -> dict[str, object] | None:
    return (
        None if seat is None else {"member_id": seat.member_id, "role": seat.role, "is_chair": seat.is_chair}
    )


def _seat_from(data: Mapping[str, Any] | None) -> DrawnSeat | None:
    return (
        None if data is None else DrawnSeat(int(data["member_id"]), str(data["role"]), bool(data["is_chair"]))
    )


def _exclusions_json(exclusions: Iterable[Exclusion]) -> list[dict[str, object]]:
    return [{"member_id": e.member_id, "kind": ConflictKind(e.kind).value} for e in exclusions]


def _exclusions_from(data: Iterable[Mapping[str, Any]]) -> tuple[Exclusion, ...]:
    return tuple(Exclusion(int(e["member_id"]), ConflictKind(e["kind"])) for e in data)


def record_json(record: DrawRecord) -> dict[str, object]:
    """The whole record as JSON, member ids included: for storage, not for the public (see `public_view`)."""
    return {
        "seed_hash": record.seed_hash,
        "seed": record.seed,
        "template": template_json(record.template),
        "rule": rule_json(record.rule),
        "roster_hash": record.roster_hash,
        "case_hash": record.case_hash,
        "exclusions": _exclusions_json(record.exclusions),
        "result": [_seat_json(s) for s in record.result],
        "refills": [
            {
                "index": r.index,
                "replaces": r.replaces,
                "role": r.role,
                "is_chair": r.is_chair,
                "seed_hash": r.seed_hash,
                "seed": r.seed,
                "roster_hash": r.roster_hash,
                "case_hash": r.case_hash,
                "seated": list(r.seated),
                "exclusions": _exclusions_json(r.exclusions),
                "seat": _seat_json(r.seat),
            }
            for r in record.refills
        ],
        "pseudonym_key_hash": record.pseudonym_key_hash,
    }


def record_from_json(data: Mapping[str, Any]) -> DrawRecord:
    """The record `record_json` wrote."""
    return DrawRecord(
        seed_hash=str(data["seed_hash"]),
        seed=str(data["seed"]),
        template=template_from_json(data["template"]),
        roster_hash=str(data["roster_hash"]),
        case_hash=str(data["case_hash"]),
        exclusions=_exclusions_from(data["exclusions"]),
        result=tuple(s for s in map(_seat_from, data["result"]) if s is not None),
        refills=tuple(
            Refill(
                index=int(r["index"]),
                replaces=int(r["replaces"]),
                role=str(r["role"]),
                is_chair=bool(r["is_chair"]),
                seed_hash=str(r["seed_hash"]),
                seed=str(r["seed"]),
                roster_hash=str(r["roster_hash"]),
                case_hash=str(r["case_hash"]),
                seated=tuple(int(i) for i in r["seated"]),
                exclusions=_exclusions_from(r["exclusions"]),
                seat=_seat_from(r["seat"]),
            )
            for r in data["refills"]
        ),
        rule=rule_from_json(data.get("rule")),
        pseudonym_key_hash=str(data.get("pseudonym_key_hash", "")),
    )


def _exclusion_counts(exclusions: Iterable[Exclusion]) -> list[dict[str, object]]:
    counts = Counter(e.kind for e in exclusions)
    return [
        {"kind": kind.value, "reason": CONFLICT_LABELS[kind.value], "count": counts[kind]}
        for kind in ConflictKind
        if counts[kind]
    ]


def public_view(record: DrawRecord) -> dict[str, object]:
    """What anyone may see of a draw: seed, hashes, template, exclusions counted by kind, seats by number.

    No member ids: they are stable across cases, so publishing them would let anyone follow one member from
    panel to panel. The public cannot re-run the draw without the private snapshot anyway; seat numbers
    (1-based, in result order, kept by a refilled seat) say which seat a refill replaced.
    """
    steps, _, _ = history(record)
    refills = [
        {
            "index": step.refill.index,
            "seat": step.number,
            "role": step.refill.role,
            "is_chair": step.refill.is_chair,
            "filled": step.refill.seat is not None,
            "seed_hash": step.refill.seed_hash,
            "seed": step.refill.seed,
            "roster_hash": step.refill.roster_hash,
            "case_hash": step.refill.case_hash,
            "exclusions": _exclusion_counts(step.refill.exclusions),
        }
        for step in steps
    ]
    return {
        "seed_hash": record.seed_hash,
        "seed": record.seed,
        "template": template_json(record.template),
        "rule": rule_json(record.rule),
        "roster_hash": record.roster_hash,
        "case_hash": record.case_hash,
        "exclusions": _exclusion_counts(record.exclusions),
        "excluded_members": len({e.member_id for e in record.exclusions}),
        "seats": [
            {"seat": n, "role": s.role, "is_chair": s.is_chair} for n, s in enumerate(record.result, start=1)
        ],
        "refills": refills,
    }


def replay_json(
    record: DrawRecord,
    snapshot: Mapping[str, Any],
    refill_snapshots: Mapping[int, Mapping[str, Any]] | None = None,
    *,
    panel_id: int = 0,
    role_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """公开复算记录: what `python -m panels.verify` needs to re-run the draw and its refills without the server.

    Members appear under their pseudonyms (`pseudonym`), with only what the rule reads: role, whether they
    live in the case's district, current load and the kinds of conflict that excluded them (which also say
    whether they count in the role's average load: `panels.domain.draw.role_average`); and the rule with its margin. No names, ids,
    districts, communities or reasons in free text. A record without pseudonyms (drawn before them) says so.
    """
    # lazy: panels.verify (the stand-alone replay) imports this module
    from panels.verify import REPLAY_FORMAT

    key = str(snapshot.get("pseudonym_key") or "")
    if not key or not record.pseudonym_key_hash:
        return {
            "format": "",
            "panel_id": panel_id,
            "note": "该记录的签按评议员编号抽取，公开数据无法复算；由评议办用 review verify-draw 复核",
        }
    candidates, facts, _ = from_snapshot(snapshot)
    steps, _, _ = history(record)
    sources = []
    for step in steps:
        same = (step.refill.roster_hash, step.refill.case_hash) == (record.roster_hash, record.case_hash)
        source = (refill_snapshots or {}).get(step.refill.index, snapshot if same else None)
        if source is None:
            raise ValueError(f"第 {step.refill.index + 1} 次补选缺少名册快照")
        sources.append(from_snapshot(source))
    ids = {c.id for c in candidates} | {s.member_id for s in record.result}
    for (more, _, _), step in zip(sources, steps, strict=True):
        ids |= {c.id for c in more} | set(step.refill.seated)
    name = pseudonyms(key, ids) or {}

    def members(
        pool: Iterable[Candidate], case: CaseFacts, roles: Collection[str], out: Iterable[Exclusion]
    ) -> list[dict[str, object]]:
        kinds: dict[int, list[str]] = {}
        for e in out:
            kinds.setdefault(e.member_id, []).append(ConflictKind(e.kind).value)
        listed = [
            {
                "id": name[c.id],
                "role": c.role,
                "local": c.district == case.district,
                "load": c.load,
                "excluded": sorted(kinds.get(c.id, [])),
            }
            for c in pool
            if c.role in roles
        ]
        return sorted(listed, key=lambda m: str(m["id"]))

    def seat(s: DrawnSeat | None) -> dict[str, object] | None:
        return None if s is None else {"member": name[s.member_id], "role": s.role, "is_chair": s.is_chair}

    wanted = {role for role, n in record.template.seats.items() if n > 0}
    held: dict[int, DrawnSeat | None] = dict(enumerate(record.result, start=1))
    refills = []
    for step, (pool, case, _) in zip(steps, sources, strict=True):
        refill = step.refill
        held[step.number] = refill.seat
        refills.append(
            {
                "index": refill.index,
                "seat": step.number,
                "role": refill.role,
                "is_chair": refill.is_chair,
                "seed_hash": refill.seed_hash,
                "seed": refill.seed,
                "seated": sorted(name[i] for i in refill.seated),
                "members": members(pool, case, {refill.role}, refill.exclusions),
                "result": seat(refill.seat),
            }
        )
    return {
        "format": REPLAY_FORMAT,
        "panel_id": panel_id,
        "rule": "panels/draw.py",
        "draw_rule": rule_json(record.rule),
        "seed_hash": record.seed_hash,
        "seed": record.seed,
        "pseudonym_key_hash": record.pseudonym_key_hash,
        "template": template_json(record.template),
        "role_labels": dict(sorted((role_labels or {}).items())),
        "members": members(candidates, facts, wanted, record.exclusions),
        "result": [seat(s) for s in record.result],
        "refills": refills,
        "panel": [
            {"seat": n, **(seat(s) or {"member": None, "role": "", "is_chair": False})}
            for n, s in sorted(held.items())
        ],
    }


# --- verification -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One thing verification compared; `message` is safe to show publicly (no member ids), `detail` is for the
    office (member ids of the seats that differ)."""

    name: str
    ok: bool
    message: str
    detail: str = ""


@dataclass(frozen=True)
class Verification:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)


def _check(name: str, ok: bool, yes: str, no: str) -> Check:
    return Check(name, ok, yes if ok else no)


def _seat_list(numbers: Iterable[int]) -> str:
    return "、".join(f"第 {n} 席" for n in numbers)


def _verify_input(
    prefix: str, label: str, snapshot: Mapping[str, Any] | None, roster: str, case: str, checks: list[Check]
) -> tuple[list[Candidate], CaseFacts] | None:
    """Check a snapshot against the recorded hashes; its contents when it could be read."""
    if snapshot is None:
        checks.append(Check(f"{prefix}snapshot", False, f"{label}缺少所用的名册快照，无法复算"))
        return None
    try:
        candidates, facts, salt = from_snapshot(snapshot)
    except ValueError as error:
        checks.append(Check(f"{prefix}snapshot", False, f"{label}名册快照无法读取：{error}"))
        return None
    checks.append(
        _check(
            f"{prefix}roster",
            roster_hash(candidates) == roster,
            f"{label}名册快照与记录的名册哈希一致",
            f"{label}名册快照与记录的名册哈希不一致：快照被改动，或不是这次抽取所用的名册",
        )
    )
    checks.append(
        _check(
            f"{prefix}case",
            case_hash(facts, salt=salt) == case,
            f"{label}案件事实与记录的哈希一致",
            f"{label}案件事实与记录的哈希不一致：快照中的案件信息或回避名单被改动",
        )
    )
    return candidates, facts


def _exclusion_keys(exclusions: Iterable[Exclusion]) -> list[tuple[int, str]]:
    return sorted((e.member_id, ConflictKind(e.kind).value) for e in exclusions)


def verify_draw(
    record: DrawRecord,
    snapshot: Mapping[str, Any],
    *,
    refill_snapshots: Mapping[int, Mapping[str, Any]] | None = None,
) -> Verification:
    """复核抽取: check the seed against its commitment and the snapshot against its hashes, then re-run.

    A refill whose hashes differ from the draw's needs its own snapshot in `refill_snapshots` by index.
    """
    checks: list[Check] = [
        _check(
            "seed",
            seed_hash(record.seed) == record.seed_hash,
            "公开的种子与抽取前登记的种子哈希一致",
            "公开的种子与抽取前登记的种子哈希不一致：种子在抽取后被更换",
        )
    ]
    key = _pseudonym_key(record, snapshot, checks)
    read = _verify_input("", "", snapshot, record.roster_hash, record.case_hash, checks)
    if read is not None:
        candidates, facts = read
        try:
            seats, exclusions, _ = run_draw(
                seed=record.seed,
                candidates=candidates,
                case=facts,
                template=record.template,
                rule=record.rule,
                tokens=_tokens(key, candidates),
            )
        except ValueError as error:
            checks.append(Check("panel", False, f"无法复算：{error}"))
        else:
            checks.append(
                _check(
                    "exclusions",
                    _exclusion_keys(exclusions) == _exclusion_keys(record.exclusions),
                    f"复算的回避与排除名单与记录一致（{len(exclusions)} 项）",
                    f"复算的回避与排除名单与记录不同：记录 {len(record.exclusions)} 项，复算 {len(exclusions)} 项",
                )
            )
            differing = [
                n
                for n in range(1, max(len(seats), len(record.result)) + 1)
                if seats[n - 1 : n] != record.result[n - 1 : n]
            ]
            checks.append(
                _check(
                    "panel",
                    not differing,
                    f"重新抽取得到相同的评议组（{len(seats)} 席，主持人相同）",
                    f"重新抽取的评议组与记录不同：{_seat_list(differing)}",
                )
            )
    checks.extend(_verify_refills(record, snapshot, refill_snapshots or {}, key))
    return Verification(tuple(checks))


def _pseudonym_key(record: DrawRecord, snapshot: Mapping[str, Any] | None, checks: list[Check]) -> str:
    """The snapshot's pseudonym key, checked against the record's commitment ("" for a record without one)."""
    key = str((snapshot or {}).get("pseudonym_key") or "")
    if record.pseudonym_key_hash or key:
        checks.append(
            _check(
                "pseudonyms",
                bool(key) and seed_hash(key) == record.pseudonym_key_hash,
                "假名密钥与抽取前登记的哈希一致",
                "假名密钥与抽取前登记的哈希不一致：假名（以及按假名抽取的签）在登记后被更换",
            )
        )
    return key


def verify_round_panel(
    record: DrawRecord,
    round_checks: Iterable[Check],
    *,
    refill_snapshots: Mapping[int, Mapping[str, Any]] | None = None,
) -> Verification:
    """复核批次中的评议组: its seats are checked by re-running the whole round (`round_checks`); its refills as
    for a single draw, each from its own snapshot."""
    return Verification((*round_checks, *_verify_refills(record, {}, refill_snapshots or {}, "")))


def _verify_refills(
    record: DrawRecord,
    snapshot: Mapping[str, Any],
    refill_snapshots: Mapping[int, Mapping[str, Any]],
    key: str,
) -> list[Check]:
    checks: list[Check] = []
    steps, _, _ = history(record)
    for position, step in enumerate(steps):
        refill = step.refill
        prefix, label = f"refill:{position}:", f"第 {position + 1} 次补选："
        checks.append(
            _check(
                f"{prefix}seat",
                refill.index == position
                and step.old is not None
                and (step.old.role, step.old.is_chair) == (refill.role, refill.is_chair)
                and refill.seated == step.drawn,
                f"{label}补选第 {step.number} 席，角色、主持人身份和此前已抽中的人员与记录一致",
                f"{label}补选的席位、角色、主持人身份或此前已抽中的人员与记录不符",
            )
        )
        checks.append(
            _check(
                f"{prefix}seed",
                seed_hash(refill.seed) == refill.seed_hash,
                f"{label}种子与补选前登记的种子哈希一致",
                f"{label}种子与补选前登记的种子哈希不一致",
            )
        )
        # A refill drawn from the draw's own snapshot needs no second copy of it.
        same_input = (refill.roster_hash, refill.case_hash) == (record.roster_hash, record.case_hash)
        source = refill_snapshots.get(refill.index, snapshot if same_input else None)
        read = _verify_input(prefix, label, source, refill.roster_hash, refill.case_hash, checks)
        if read is None:
            continue
        candidates, facts = read
        try:
            seat, exclusions = run_refill(
                seed=refill.seed,
                candidates=candidates,
                case=facts,
                template=record.template,
                role=refill.role,
                seated=set(refill.seated),
                refill_index=refill.index,
                is_chair=refill.is_chair,
                rule=record.rule,
                tokens=_tokens(key, candidates, refill.seated),
            )
        except ValueError as error:
            checks.append(Check(f"{prefix}result", False, f"{label}无法复算：{error}"))
            continue
        same = seat == refill.seat and _exclusion_keys(exclusions) == _exclusion_keys(refill.exclusions)
        checks.append(
            _check(
                f"{prefix}result",
                same,
                f"{label}重新补选得到相同的结果" + ("" if seat else "（无可补选人员）"),
                f"{label}重新补选的结果或回避名单与记录不同",
            )
        )
    return checks


def shortfall_message(shortfall: dict[str, int]) -> str:
    """Why a draw could not fill its seats: how many members of each role are missing."""
    wanted = "、".join(f"{ROLE_LABELS.get(r, r)} {n} 名" for r, n in sorted(shortfall.items()))
    return f"无利益冲突的可选评议员不足：还缺 {wanted}"


def exclusions_json(exclusions: Iterable[Exclusion]) -> str:
    """A panel's excluded members, each with its typed reason, as stored beside the record."""
    return json.dumps([{"member": e.member_id, "kind": e.kind.value, "reason": CONFLICT_LABELS[e.kind.value]}
                       for e in exclusions], ensure_ascii=False)
