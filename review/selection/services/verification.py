"""Selection records for the public and for `review verify-selection`: re-run a proposal's draw from its record,
and hold the record against the audit chain, the published policy, the decisions stored and what applying did."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from panels.domain.draw import digest
from panels.domain.draw_record import Check, Verification
from review.core import db
from review.selection import draw as drawing
from review.selection import sql
from review.selection.services import policies
from review.selection.services.screening import selection_id_of, stored_record


@dataclass(frozen=True)
class Event:
    id: int
    action: str
    data: Mapping[str, Any]


def _check(name: str, ok: bool, yes: str, no: str, detail: str = "") -> Check:
    return Check(name, ok, yes if ok else no, "" if ok else detail)


def commitment_checks(record: Mapping[str, Any], row: Mapping[str, Any], events: Sequence[Event]) -> list[Check]:
    """审计链: the seed's and the candidates' hashes committed before the draw; the draw's event naming the record."""
    drawn = next((e for e in events if e.action == "selection_drawn" and e.data.get("selection") == row["id"]),
                 None)
    committed = next((e for e in events if e.action == "draw_seed_committed"
                      and e.data.get("purpose") == "selection" and e.data.get("seed_hash") == record.get("seed_hash")
                      and (drawn is None or e.id < drawn.id)), None)
    checks = [_check(
        "commitment",
        committed is not None and committed.data.get("candidates_hash") == record.get("candidates_hash"),
        "种子哈希与候选案件哈希与审计链中抽取前登记的事件（draw_seed_committed）一致",
        "记录的种子哈希或候选案件哈希与审计链中抽取前登记的事件不符：种子或候选名单在登记后被改写",
        "审计链中没有在抽取之前登记该种子哈希的事件" if committed is None
        else f"第 {committed.id} 号审计事件登记的候选案件哈希与记录不同",
    )]
    checks.append(_check(
        "drawn",
        drawn is not None and drawn.data.get("record_hash") == digest(record)
        and drawn.data.get("seed_hash") == record.get("seed_hash"),
        "选取记录与审计链中抽取时登记的记录哈希一致",
        "选取记录与审计链中抽取时登记的记录哈希不符：记录在抽取后被改写",
    ))
    return checks


def _stored_checks(record: Mapping[str, Any], stored: Sequence[Mapping[str, Any]]) -> Check:
    """The decisions stored (what applying reads) are the record's result."""
    recorded = {str(r["case"]): bool(r["selected"]) for r in record.get("result", [])}
    held = {str(d["number"]): bool(d["proposed"]) for d in stored}
    differ = sorted(n for n in recorded.keys() | held.keys() if recorded.get(n) != held.get(n))
    return _check("decisions", not differ, f"保存的 {len(held)} 件案件的方案与选取记录一致",
                  f"保存的方案与选取记录不一致：{len(differ)} 件", "、".join(differ[:20]))


def applied_checks(row: Mapping[str, Any], stored: Sequence[Mapping[str, Any]],
                   outcomes: Sequence[Mapping[str, Any]], adjustments: Sequence[Event]) -> list[Check]:
    """Applying: every adjustment has its reason and its event; each case screened once, as decided."""
    adjusted = [d for d in stored if d["adjusted"] is not None]
    audited = {str(e.data.get("case_number")) for e in adjustments
               if e.data.get("selection") == row["id"] and not e.data.get("withdrawn")}
    missing = sorted(str(d["number"]) for d in adjusted if not str(d["adjust_reason"]).strip()
                     or str(d["number"]) not in audited)
    checks = [_check("adjustments", not missing, f"评议办调整了 {len(adjusted)} 件，每件都有理由并记入审计链",
                     f"{len(missing)} 件调整缺少理由或审计记录", "、".join(missing[:20]))]
    if row["status"] not in ("applying", "applied"):
        return checks
    events: dict[str, list[str]] = {}
    for e in outcomes:
        data = db.json_value(e["data"]) or {}
        if data.get("selection") == row["id"]:
            events.setdefault(str(e["number"]), []).append(str(e["action"]))
    wrong = []
    for d in stored:
        if d["applied_at"] is None or d["outcome"] == "skipped":
            if events.get(str(d["number"])):
                wrong.append(f"{d['number']}（未记为已处理，却有审查事件）")
            continue
        selected = bool(d["proposed"] if d["adjusted"] is None else d["adjusted"])
        if events.get(str(d["number"])) != ["accept" if selected else "not_select"]:
            wrong.append(str(d["number"]))
    applied = sum(1 for d in stored if d["applied_at"] is not None and d["outcome"] != "skipped")
    checks.append(_check("applied", not wrong, f"已处理的 {applied} 件案件各有一条审查事件，结果与方案一致",
                         f"{len(wrong)} 件案件的审查事件与方案不符", "、".join(wrong[:20])))
    return checks


async def verify_selection(selection_id: int | str) -> tuple[dict[str, Any], dict[str, Any], Verification]:
    """A proposal's stored record re-run, and held against the chain, the published policy and what was done.
    (row, record, verification)."""
    row, record = await stored_record(selection_id)
    try:
        replayed = list(drawing.replay(record).checks)
    except drawing.NotReplayable as error:
        replayed = [Check("replay", False, f"选取记录无法复算：{error}")]
    published = await policies.published_hash(int(row["policy_version"]))
    policy = record.get("policy") or {}
    checks = [
        *replayed,
        _check("published",
               published is not None and published == policy.get("content_hash") == row["policy_hash"],
               f"记录所用的选取规则即已公布的第 {row['policy_version']} 版",
               f"记录所用的选取规则与已公布的第 {row['policy_version']} 版不符"),
        _check("row", record.get("seed_hash") == row["seed_hash"] and record.get("seed") == row["seed"]
               and record.get("candidates_hash") == row["candidates_hash"],
               "记录的种子及其哈希与批量审查方案一致", "记录的种子或哈希与批量审查方案不一致"),
    ]
    events = [Event(int(e["id"]), str(e["action"]), db.json_value(e["data"]) or {})
              for e in await db.fetch(sql.SELECTION_EVENTS)]
    checks += commitment_checks(record, row, events)
    stored = await db.fetch(sql.decisions(department=False, category=False, selected=False, rule=False,
                                          adjusted=False, after=False, limit=False), row["id"])
    checks.append(_stored_checks(record, stored))
    outcomes = await db.fetch(sql.CASE_OUTCOME_EVENTS, row["id"])
    checks += applied_checks(row, stored, outcomes, [e for e in events if e.action == "selection_adjusted"])
    return row, record, Verification(tuple(checks))


async def public_record(selection_id: int | str) -> dict[str, Any]:
    """公开选取记录: the record (seed revealed), its counts, and the outcome of verifying it just now."""
    row, record, verification = await verify_selection(selection_id_of(selection_id))
    return {
        "id": row["id"], "status": row["status"], "record": record,
        "counts": drawing.counts(record) if record else {},
        "verification": {"ok": verification.ok, "checks": [{"name": c.name, "ok": c.ok, "message": c.message}
                                                           for c in verification.checks]},
        "discard_reason": row["discard_reason"] or None,
    }


def record_text(record: Mapping[str, Any]) -> str:
    """The record as the download carries it (what `python -m review.selection.verify` reads)."""
    return json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True)
