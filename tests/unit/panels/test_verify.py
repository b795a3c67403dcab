"""The public replay of a draw (`replay_json`) and its stand-alone verifier (`python -m panels.verify`)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panels.domain.conflicts import Candidate
from panels.domain.draw import DrawRule, Template
from panels.domain.draw_record import pseudonym, record_draw, record_refill, replay_json, verify_draw
from panels.verify import NotReplayable, main, replay
from tests.unit.panels.domain.test_draw import FACTS, ROSTER, TEMPLATE_V2, cases, rosters, templates

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
KEY = "假名密钥-1"


def _drawn(seed: str = "2f9c", *, refills: int = 0) -> tuple[Any, dict[str, Any]]:
    _, record, snapshot = record_draw(
        seed=seed, candidates=ROSTER, case=FACTS, template=TEMPLATE_V2, salt="盐", pseudonym_key=KEY
    )
    for n in range(refills):
        record, _ = record_refill(
            record=record,
            replaces=record.refills[-1].seat.member_id if record.refills else record.result[2].member_id,
            seed=f"补选{n}",
            candidates=ROSTER,
            case=FACTS,
            salt="盐",
            pseudonym_key=KEY,
        )
    return record, snapshot


def _public(record: Any, snapshot: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(replay_json(record, snapshot, panel_id=7, role_labels={"lawyer": "律师"})))


@pytest.mark.parametrize("refills", [0, 1, 2])
def test_replay_of_an_honest_record_gives_the_recorded_panel(refills: int) -> None:
    record, snapshot = _drawn(refills=refills)

    outcome = replay(_public(record, snapshot))

    assert outcome.ok, outcome.differences
    assert verify_draw(record, snapshot).ok
    final = {n: s for n, s in enumerate(record.result, start=1)}
    for refill_no, refill in enumerate(record.refills):
        final[3] = refill.seat
        assert refill_no < refills
    assert [(n, m) for n, m, _, _ in outcome.panel] == [
        (n, pseudonym(KEY, s.member_id) if s else None) for n, s in sorted(final.items())
    ]


def test_replay_holds_pseudonyms_only_and_what_the_rule_reads() -> None:
    record, snapshot = _drawn(refills=1)

    public = _public(record, snapshot)
    text = json.dumps(public, ensure_ascii=False)

    assert {tuple(sorted(m)) for m in public["members"]} == {("excluded", "id", "load", "local", "role")}
    for candidate in ROSTER:
        assert f'"{candidate.id}"' not in text and f": {candidate.id}," not in text
    for private in (
        "武侯区",
        "锦江区",
        "玉林社区",
        "望江社区",
        "CDJT",
        "CDZJ",
        snapshot["case"]["salt"],
        KEY,
    ):
        assert private not in text
    by_id = {m["id"]: m for m in public["members"]}
    assert by_id[pseudonym(KEY, 104)]["excluded"] == ["personal_tie"]
    assert by_id[pseudonym(KEY, 103)]["excluded"] == ["works_for_department"]
    assert by_id[pseudonym(KEY, 301)]["local"] is False and by_id[pseudonym(KEY, 302)]["local"] is True
    # Another record's pseudonyms say nothing about this one's.
    _, other, other_snapshot = record_draw(
        seed="2f9c", candidates=ROSTER, case=FACTS, template=TEMPLATE_V2, salt="盐", pseudonym_key="another"
    )
    assert not set(by_id) & {m["id"] for m in _public(other, other_snapshot)["members"]}


def _member(public: dict[str, Any], role: str) -> dict[str, Any]:
    seated = next(s["member"] for s in public["result"] if s["role"] == role)
    return next(m for m in public["members"] if m["id"] == seated)


@pytest.mark.parametrize(
    "forge",
    [
        lambda r: r.update(seed="0" * 64),  # a new seed whose hash was never committed
        lambda r: r.update(seed="forged", result=r["result"][::-1]),
        lambda r: _member(r, "resident").update(load=9),  # a seated member's load, raised
        lambda r: _member(r, "lawyer").update(excluded=["recused"]),  # a seated member, excluded
        lambda r: r["result"][0].update(is_chair=not r["result"][0]["is_chair"]),
        lambda r: r["refills"][0].update(result=None),
        lambda r: r["panel"][2].update(member=r["panel"][0]["member"]),
    ],
    ids=["seed", "seed_and_result", "load", "exclusion", "chair", "refill", "final_panel"],
)
def test_replay_of_a_forged_record_fails_naming_the_difference(forge: Any) -> None:
    record, snapshot = _drawn(refills=1)
    public = _public(record, snapshot)
    forge(public)

    outcome = replay(public)

    assert not outcome.ok
    assert all(line.startswith(("✓", "✗")) for line in outcome.lines)
    assert outcome.differences


def test_replay_of_a_record_without_pseudonyms_or_a_round_panel_is_not_replayable() -> None:
    _, record, snapshot = record_draw(
        seed="s", candidates=ROSTER, case=FACTS, template=TEMPLATE_V2, salt="盐"
    )

    public = replay_json(record, snapshot)

    assert public["format"] == "" and "review verify-draw" in public["note"]
    with pytest.raises(NotReplayable, match="verify-draw"):
        replay(public)
    with pytest.raises(NotReplayable, match="无效的字段"):
        replay({"format": "panel-draw-replay/1", "seed": "s"})


@settings(max_examples=60, deadline=None)
@given(seed=st.text(min_size=1, max_size=8), candidates=rosters, case=cases, template=templates)
def test_replay_agrees_with_the_draw_on_any_roster(
    seed: str, candidates: Any, case: Any, template: Any
) -> None:
    _, record, snapshot = record_draw(
        seed=seed, candidates=candidates, case=case, template=template, salt="s", pseudonym_key="k"
    )

    assert replay(json.loads(json.dumps(replay_json(record, snapshot)))).ok


@settings(max_examples=60, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=8),
    candidates=rosters,
    flags=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=25, max_size=25),
    case=cases,
    template=templates,
    margin=st.sampled_from([0, 1, 2]),
)
def test_replay_agrees_under_the_load_margin_with_members_excluded_for_every_kind(
    seed: str, candidates: Any, flags: Any, case: Any, template: Any, margin: int
) -> None:
    """Members excluded for a conflict still count in their role's average; inactive ones and those without a
    login do not: the replay must keep that difference, or a local resident's limit moves."""
    roster = [replace(c, has_account=a, available=b) for c, (a, b) in zip(candidates, flags, strict=False)]
    _, record, snapshot = record_draw(
        seed=seed, candidates=roster, case=case, template=replace(template, prefer_local_residents=True),
        salt="s", pseudonym_key="k", rule=DrawRule(load_margin=margin),
    )

    assert replay(json.loads(json.dumps(replay_json(record, snapshot)))).ok


def test_replay_counts_a_member_excluded_for_a_conflict_in_the_average_load() -> None:
    # Residents' average over all three is 13/3: the local resident (load 3 → 4) stays within it at margin 0
    # and is drawn. Leaving out the conflicted member would make the average 3/2 and seat the other resident.
    roster = [
        Candidate(1, "resident", "武侯区", "", frozenset(), 3, 20),
        Candidate(2, "resident", "锦江区", "", frozenset(), 0, 20),
        Candidate(3, "resident", "锦江区", "", frozenset({"CDJT"}), 10, 20),
    ]
    template = Template(seats={"resident": 1}, chair_roles=())
    _, record, snapshot = record_draw(
        seed="s", candidates=roster, case=FACTS, template=template, salt="s", pseudonym_key="k",
        rule=DrawRule(load_margin=0),
    )
    assert record.result[0].member_id == 1

    assert replay(json.loads(json.dumps(replay_json(record, snapshot)))).ok


def test_record_refill_with_another_pseudonym_key_is_refused() -> None:
    record, _ = _drawn()

    with pytest.raises(ValueError, match="假名密钥"):
        record_refill(
            record=record,
            replaces=record.result[0].member_id,
            seed="x",
            candidates=ROSTER,
            case=FACTS,
            salt="盐",
            pseudonym_key="other",
        )


def test_verify_draw_pseudonym_key_changed_fails_its_check() -> None:
    record, snapshot = _drawn()

    verification = verify_draw(record, {**snapshot, "pseudonym_key": "other"})

    assert {"pseudonyms", "panel"} <= {c.name for c in verification.failures}
    assert verify_draw(replace(record, pseudonym_key_hash=""), snapshot).failures[0].name == "pseudonyms"


def test_verify_command_exit_codes_and_printed_panel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record, snapshot = _drawn(refills=1)
    public = _public(record, snapshot)
    good, bad, round_ = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "round.json"
    good.write_text(json.dumps(public), encoding="utf-8")
    bad.write_text(json.dumps({**public, "result": public["result"][::-1]}), encoding="utf-8")
    round_.write_text(json.dumps({"format": "", "note": "由第 3 批次统一组成"}), encoding="utf-8")

    assert main([str(good)]) == 0
    out = capsys.readouterr().out
    assert "复算通过" in out and "✗" not in out
    number, lawyer = next((n, s) for n, s in enumerate(record.result, start=1) if s.role == "lawyer")
    assert f"✓ 第 {number} 席：律师 {pseudonym(KEY, lawyer.member_id)}" in out
    refilled = record.refills[0].seat
    assert f"  第 3 席 律师 {pseudonym(KEY, refilled.member_id)}" in out  # the panel after refills
    assert main([str(bad)]) == 1
    assert "✗ 第 1 席：复算为" in capsys.readouterr().out
    assert main([str(round_)]) == 2
    assert "由第 3 批次统一组成" in capsys.readouterr().err


# Runs the verifier in an isolated interpreter (no site-packages) that refuses every import outside the standard library and
# the two pure modules, then lists what got imported.
_GUARD = """
import sys, runpy
sys.path.insert(0, sys.argv[1])
ALLOWED = {"panels", "panels.domain", "panels.verify", "panels.domain.draw", "panels.domain.conflicts"}
class Guard:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or name in ALLOWED:
            return None
        raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Guard())
sys.argv = ["panels.verify", sys.argv[2]]
try:
    runpy.run_module("panels.verify", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    loaded = sorted(m for m in sys.modules if m.partition(".")[0] not in sys.stdlib_module_names)
    print("LOADED", ",".join(loaded))
    sys.exit(exit.code)
"""


def test_verify_command_runs_on_the_standard_library_and_the_pure_draw_only(tmp_path: Path) -> None:
    record, snapshot = _drawn(refills=1)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_public(record, snapshot)), encoding="utf-8")

    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _GUARD, str(ROOT), str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "复算通过" in done.stdout
    loaded = done.stdout.rsplit("LOADED ", 1)[1].split()[0].split(",")
    assert set(loaded) <= {"panels", "panels.domain", "panels.verify", "panels.domain.draw", "panels.domain.conflicts", "__main__"}
