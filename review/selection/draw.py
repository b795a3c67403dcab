"""The selection draw (选取抽样): which cases a proposal selects, its record, and re-running it from that record
(pure).

The draw is the panels' (panels.domain.draw): a seed whose SHA-256 is committed to the audit chain before the
draw — with the candidates' hash, so neither can change once the other is known — and revealed after; lots are
HMAC-SHA256 keyed by the seed (`panels.domain.draw.lot`). The rule, stated so that it can be re-implemented:

- Candidates are listed by case number, each with its department code, category, and the policy's mandatory
  rule that selects it (`review_requested`, `reopened`, `repeat`) or none.
- The candidates without one form the sample pool, split into strata by (department, category). A stratum of
  n cases draws q = ⌊r·n⌋ cases, plus one more when the stratum's lot, read as a fraction of 2^256, is below
  r·n − ⌊r·n⌋ (r the published rate as an exact decimal; arithmetic is exact).
  The stratum's lot is lot(seed, "stratum:" + canonical JSON of [department, category]).
- Within a stratum cases are ordered by lot(seed, "case:" + case number), then case number; the first q are
  selected (`sampled`), the others are not (`not_sampled`).

Nothing depends on dict or set iteration order, hash randomisation or locale.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from panels.domain.draw import digest, lot, seed_hash
from panels.domain.draw_record import Check, Verification
from review.selection.policy import (
    MANDATORY,
    RULE_LABELS,
    Policy,
    PolicyInvalid,
    canonical_text,
    content_hash,
    parse_policy,
    policy_hash,
    policy_json,
)

RECORD_FORMAT = "selection-draw/1"
_LOTS = 2**256


@dataclass(frozen=True)
class Candidate:
    """One case as the draw takes it: no personal data, only what decides its place."""

    case: str  # 受理编号
    department: str  # the department's code
    category: str
    rule: str | None  # the mandatory rule that selects it (MANDATORY), or None: it is in the sample pool


@dataclass(frozen=True)
class Stratum:
    department: str
    category: str
    size: int  # cases in the sample pool
    quota: int  # cases drawn


@dataclass(frozen=True)
class Decision:
    case: str
    selected: bool
    rule: str  # review_requested / reopened / repeat / sampled / not_sampled
    stratum: Stratum | None = None  # for sampled and not_sampled


def stratum_purpose(department: str, category: str) -> str:
    return "stratum:" + canonical_text([department, category])


def case_purpose(number: str) -> str:
    return "case:" + number


def candidates_json(candidates: Iterable[Candidate]) -> list[dict[str, Any]]:
    return [{"case": c.case, "department": c.department, "category": c.category, "rule": c.rule}
            for c in candidates]


def candidates_hash(candidates: Iterable[Candidate]) -> str:
    """SHA-256 of the candidates' canonical JSON: committed with the seed's hash, before the seed exists."""
    return digest(candidates_json(candidates))


def _checked(candidates: Sequence[Candidate]) -> list[Candidate]:
    ordered = sorted(candidates, key=lambda c: c.case)
    if len({c.case for c in ordered}) != len(ordered):
        raise ValueError("同一案件在候选中出现两次")
    unknown = sorted({c.rule for c in ordered if c.rule is not None and c.rule not in MANDATORY})
    if unknown:
        raise ValueError(f"未知的入选规则：{unknown[0]}")
    return ordered


def quota(rate: Fraction, size: int, stratum_lot: str) -> int:
    """Cases a stratum of `size` draws at `rate`: the whole part of rate × size, and one more when the stratum's
    lot (hex, 256 bits) as a fraction of 2^256 is below the fractional part."""
    exact = rate * size
    whole = math.floor(exact)
    return whole + (1 if Fraction(int(stratum_lot, 16), _LOTS) < exact - whole else 0)


def draw(policy: Policy, seed: str, candidates: Sequence[Candidate]) -> tuple[Decision, ...]:
    """Each candidate's decision, in case-number order."""
    ordered = _checked(candidates)
    pool: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in ordered:
        if c.rule is None:
            pool[(c.department, c.category)].append(c.case)
    picked: dict[str, tuple[bool, Stratum]] = {}
    for (department, category), cases in sorted(pool.items()):
        stratum = Stratum(department, category, len(cases),
                          quota(policy.rate, len(cases), lot(seed, stratum_purpose(department, category))))
        order = sorted(cases, key=lambda number: (lot(seed, case_purpose(number)), number))
        for place, number in enumerate(order):
            picked[number] = (place < stratum.quota, stratum)
    decisions = []
    for c in ordered:
        if c.rule is not None:
            decisions.append(Decision(c.case, True, c.rule))
        else:
            selected, stratum = picked[c.case]
            decisions.append(Decision(c.case, selected, "sampled" if selected else "not_sampled", stratum))
    return tuple(decisions)


def strata(decisions: Iterable[Decision]) -> list[Stratum]:
    """The strata of the sample, by department and category."""
    found = {(d.stratum.department, d.stratum.category): d.stratum for d in decisions if d.stratum is not None}
    return [found[k] for k in sorted(found)]


# --- words ------------------------------------------------------------------------------------------------


def reason(decision: Decision, policy: Policy, *, version: int, selection_id: int,
           department_name: str = "") -> str:
    """The reason recorded on the case and shown to its complainant, naming the rule and where to check it."""
    where = f"（《评议案件选取规则》第 {version} 版；第 {selection_id} 号选取记录已公开，可复核）"
    s = decision.stratum
    layer = f"{department_name or (s.department if s else '')}「{s.category}」" if s else ""
    words = {
        "review_requested": "入选：诉求人申请第三方评议，按规则一律入选",
        "reopened": f"入选：承办部门答复同一诉求人的前一诉求后 {policy.reopen_days} 天内再次提出，属重复争议，一律入选",
        "repeat": f"入选：同一诉求人 {policy.repeat_days} 天内就同一承办部门再次投诉，属重复争议，一律入选",
        "sampled": f"入选：{layer}按 {policy.percent} 的比例分层随机抽样抽中（该层 {s.size if s else 0} 件，"
                   f"抽取 {s.quota if s else 0} 件）",
        "not_sampled": f"未入选：本案不属于诉求人申请评议或重复争议的情形，{layer}按 {policy.percent} 的比例分层随机"
                       f"抽样未抽中（该层 {s.size if s else 0} 件，抽取 {s.quota if s else 0} 件）。"
                       "如仍希望评议，可在案件页面申请",
    }[decision.rule]
    return words + where


def adjusted_reason(selected: bool, why: str, *, version: int, selection_id: int) -> str:
    """The reason of a case the office decided otherwise than the draw, with the office's own reason."""
    outcome = "入选" if selected else "未入选"
    tail = "" if selected else "。如仍希望评议，可在案件页面申请"
    return (f"{outcome}：评议办调整了按规则生成的方案，理由：{why}{tail}"
            f"（《评议案件选取规则》第 {version} 版；第 {selection_id} 号选取记录已公开，可复核）")


# --- the record -------------------------------------------------------------------------------------------


def record_json(*, selection_id: int, version: int, policy: Policy, seed: str, candidates: Sequence[Candidate],
                decisions: Sequence[Decision], until: str, drawn_at: datetime) -> dict[str, Any]:
    """选取记录: everything needed to re-run the draw, and what it gave. No personal data."""
    ordered = _checked(candidates)
    return {
        "format": RECORD_FORMAT,
        "selection_id": selection_id,
        "until": until,
        "drawn_at": drawn_at.isoformat(),
        "policy": {"version": version, "content_hash": policy_hash(policy), "content": policy_json(policy)},
        "seed_hash": seed_hash(seed),
        "seed": seed,
        "candidates_hash": candidates_hash(ordered),
        "candidates": candidates_json(ordered),
        "result": [{"case": d.case, "selected": d.selected, "rule": d.rule} for d in decisions],
        "strata": [{"department": s.department, "category": s.category, "size": s.size, "quota": s.quota}
                   for s in strata(decisions)],
    }


def candidates_from(record: Mapping[str, Any]) -> list[Candidate]:
    return [Candidate(str(c["case"]), str(c["department"]), str(c["category"]),
                      None if c.get("rule") is None else str(c["rule"])) for c in record["candidates"]]


def counts(record: Mapping[str, Any]) -> dict[str, int]:
    """How many cases each rule decided, and the totals."""
    found = {rule: 0 for rule in (*MANDATORY, "sampled", "not_sampled")}
    for r in record["result"]:
        found[str(r["rule"])] = found.get(str(r["rule"]), 0) + 1
    found["total"] = len(record["result"])
    found["selected"] = sum(1 for r in record["result"] if r["selected"])
    return found


class NotReplayable(ValueError):
    """The data is not a selection record this module can re-run."""


def replay(record: Mapping[str, Any]) -> Verification:
    """Re-run a selection from its record: the seed against its commitment, the policy against its hash, the
    candidates against theirs, and every case's decision against the one recorded."""
    if not isinstance(record, Mapping) or record.get("format") != RECORD_FORMAT:
        raise NotReplayable(f"不是可复算的选取记录（应为 {RECORD_FORMAT} 格式）")
    try:
        return _replay(record)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise NotReplayable(f"选取记录缺少或包含无效的字段：{error!r}") from error


def _check(name: str, ok: bool, yes: str, no: str, detail: str = "") -> Check:
    return Check(name, ok, yes if ok else no, "" if ok else detail)


def _replay(record: Mapping[str, Any]) -> Verification:
    checks: list[Check] = []
    seed = str(record["seed"])
    checks.append(_check("seed", seed_hash(seed) == record["seed_hash"], "种子与抽取前登记的哈希一致",
                         "种子与抽取前登记的哈希不一致"))
    stated = record["policy"]
    try:
        policy: Policy | None = parse_policy(stated["content"])
    except PolicyInvalid as error:
        policy = None
        checks.append(Check("policy", False, f"记录中的选取规则无效：{error.message}"))
    if policy is not None:
        ok = content_hash(stated["content"]) == stated["content_hash"] == policy_hash(policy)
        checks.append(_check("policy", ok, f"选取规则第 {stated['version']} 版的内容与其哈希一致",
                             f"选取规则第 {stated['version']} 版的内容与记录的哈希不一致"))
    candidates = candidates_from(record)
    checks.append(_check("candidates", candidates_hash(candidates) == record["candidates_hash"],
                         f"候选案件（{len(candidates)} 件）与抽取前登记的哈希一致",
                         "候选案件与抽取前登记的哈希不一致：候选名单在登记后被改动"))
    if policy is None:
        return Verification(tuple(checks))
    decisions = draw(policy, seed, candidates)
    got = [(d.case, d.selected, d.rule) for d in decisions]
    want = [(str(r["case"]), bool(r["selected"]), str(r["rule"])) for r in record["result"]]
    differ = [f"{g[0] if g else w[0]}：复算为{_words(g)}，记录为{_words(w)}"
              for g, w in _pairs(got, want) if g != w]
    checks.append(_check("result", not differ, f"按公布的种子与规则复算，{len(got)} 件案件的结果与记录一致",
                         f"复算结果与记录不一致：{len(differ)} 件", "；".join(differ[:20])))
    recomputed = [{"department": s.department, "category": s.category, "size": s.size, "quota": s.quota}
                  for s in strata(decisions)]
    checks.append(_check("strata", recomputed == list(record["strata"]), "各层的件数与抽取件数与记录一致",
                         "各层的件数或抽取件数与记录不一致"))
    return Verification(tuple(checks))


def _pairs(got: list[tuple[str, bool, str]], want: list[tuple[str, bool, str]]) -> list[tuple[Any, Any]]:
    recorded = {w[0]: w for w in want}
    pairs: list[tuple[Any, Any]] = [(g, recorded.pop(g[0], None)) for g in got]
    return pairs + [(None, w) for w in recorded.values()]


def _words(decision: tuple[str, bool, str] | None) -> str:
    if decision is None:
        return "（无）"
    return f"「{'入选' if decision[1] else '未入选'}·{RULE_LABELS.get(decision[2], decision[2])}」"
