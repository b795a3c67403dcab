"""The selection draw: reproducible from its record by anyone, stratified at the published rate, and a record
tampered with in any part fails its re-run."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from fractions import Fraction

import pytest

from panels.domain.draw import lot, seed_hash
from review.selection import draw as drawing
from review.selection.draw import Candidate, NotReplayable, draw, quota, record_json, replay
from review.selection.policy import DEFAULT, Policy

pytestmark = pytest.mark.unit

SEED = "5eed" * 16


def candidates(n: int = 60) -> list[Candidate]:
    found = []
    for i in range(n):
        rule = "review_requested" if i % 15 == 0 else "repeat" if i % 20 == 7 else None
        found.append(Candidate(f"PY2026{i:06d}", ["CDJT", "CDSW"][i % 2], ["城市管理", "交通运输", "住房"][i % 3], rule))
    return found


def record(policy: Policy = DEFAULT, seed: str = SEED, cands: list[Candidate] | None = None) -> dict:
    cands = cands if cands is not None else candidates()
    decisions = draw(policy, seed, cands)
    return record_json(selection_id=7, version=1, policy=policy, seed=seed, candidates=cands, decisions=decisions,
                       until="2026-12-04", drawn_at=datetime(2026, 12, 4, 9, tzinfo=UTC))


def test_the_same_seed_and_candidates_give_the_same_draw_in_any_order() -> None:
    cands = candidates()

    first = draw(DEFAULT, SEED, cands)
    again = draw(DEFAULT, SEED, list(reversed(cands)))
    other = draw(DEFAULT, "f" * 64, cands)

    assert first == again
    assert [d.selected for d in first] != [d.selected for d in other]


def test_mandatory_cases_are_always_selected_and_the_rest_sampled_per_stratum() -> None:
    policy = Policy(name="x", repeat_days=30, reopen_days=30, sample_rate=0.25)

    decisions = draw(policy, SEED, candidates())

    mandatory = [d for d in decisions if d.rule in ("review_requested", "repeat")]
    assert mandatory and all(d.selected for d in mandatory)
    for stratum in drawing.strata(decisions):
        members = [d for d in decisions if d.stratum == stratum]
        assert len(members) == stratum.size
        assert sum(d.selected for d in members) == stratum.quota
        assert stratum.quota in (int(stratum.size * 0.25), int(stratum.size * 0.25) + 1)
    assert {d.rule for d in decisions} == {"review_requested", "repeat", "sampled", "not_sampled"}


def test_rate_zero_samples_nothing_and_rate_one_everything() -> None:
    none = draw(Policy("x", 30, 30, 0), SEED, candidates())
    every = draw(Policy("x", 30, 30, 1), SEED, candidates())

    assert all(not d.selected for d in none if d.stratum)
    assert all(d.selected for d in every)


def test_quota_takes_the_whole_part_and_the_fraction_by_the_stratum_lot() -> None:
    low, high = "0" * 64, "f" * 64

    assert quota(Fraction(1, 10), 25, low) == 3  # 2.5: a lot below one half draws the third
    assert quota(Fraction(1, 10), 25, high) == 2
    assert quota(Fraction(1, 10), 30, low) == quota(Fraction(1, 10), 30, high) == 3  # whole: no lot needed


def test_the_stratum_lot_decides_the_fraction_as_the_module_states() -> None:
    policy = Policy("x", 30, 30, 0.1)
    cands = [Candidate(f"PY2026{i:06d}", "CDJT", "城市管理", None) for i in range(5)]

    decisions = draw(policy, SEED, cands)

    part = Fraction(int(lot(SEED, drawing.stratum_purpose("CDJT", "城市管理")), 16), 2**256)
    expected = 1 if part < Fraction(1, 2) else 0
    assert sum(d.selected for d in decisions) == expected
    order = sorted(c.case for c in cands)
    order.sort(key=lambda n: lot(SEED, drawing.case_purpose(n)))
    assert [d.case for d in decisions if d.selected] == order[:expected]


def test_a_record_re_runs_from_its_json_alone() -> None:
    text = json.dumps(record(), ensure_ascii=False)

    outcome = replay(json.loads(text))

    assert outcome.ok, [c.message for c in outcome.failures]
    assert {c.name for c in outcome.checks} == {"seed", "policy", "candidates", "result", "strata"}


def _flip_first_sampled(r: dict) -> None:
    row = next(x for x in r["result"] if x["rule"] == "not_sampled")
    row.update(selected=True, rule="sampled")


@pytest.mark.parametrize(("name", "tamper", "fails"), [
    ("a result flipped", _flip_first_sampled, "result"),
    ("another seed", lambda r: r.update(seed="0" * 64), "seed"),
    ("a candidate left out", lambda r: r["candidates"].pop(3), "candidates"),
    ("a candidate's rule changed", lambda r: r["candidates"][1].update(rule="repeat"), "candidates"),
    ("the rate changed", lambda r: r["policy"]["content"].update(sample_rate=0.5), "policy"),
    ("a stratum's quota changed", lambda r: r["strata"][0].update(quota=r["strata"][0]["quota"] + 1), "strata"),
])
def test_a_tampered_record_fails_its_re_run(name: str, tamper: object, fails: str) -> None:
    r = copy.deepcopy(record())
    tamper(r)  # type: ignore[operator]

    outcome = replay(r)

    assert not outcome.ok, name
    assert fails in {c.name for c in outcome.failures}


def test_a_seed_and_result_rewritten_together_still_fail_on_the_commitment() -> None:
    r = record()
    forged = record(seed="0" * 64)
    r["seed"], r["result"], r["strata"] = forged["seed"], forged["result"], forged["strata"]

    outcome = replay(r)

    assert [c.name for c in outcome.failures] == ["seed"]
    assert r["seed_hash"] == seed_hash(SEED)


def test_what_is_no_record_is_refused() -> None:
    with pytest.raises(NotReplayable):
        replay({"format": "panel-draw-replay/1"})
    with pytest.raises(NotReplayable):
        replay({"format": drawing.RECORD_FORMAT, "seed": "x"})


def test_reasons_name_the_rule_the_stratum_and_where_to_check() -> None:
    decisions = draw(DEFAULT, SEED, candidates())
    left_out = next(d for d in decisions if d.rule == "not_sampled")

    words = drawing.reason(left_out, DEFAULT, version=3, selection_id=12, department_name="成都市交通运输局")

    assert words.startswith("未入选：") and "10%" in words and "成都市交通运输局" in words
    assert "第 3 版" in words and "第 12 号选取记录" in words and "申请" in words
