"""Re-run a published draw without the platform: `python -m panels.verify record.json`.

The record is the JSON download of a public draw record (`/public/draws/{id}.json`). It holds the seed and its
hash, the template, and the roster as the draw saw it — each member under a pseudonym that holds only within
this record, with their role, whether they live in the case's district, their current load and the kinds of
conflict that excluded them. The draw itself is `panels.domain.draw` run on exactly that: this module imports nothing
but the standard library and `panels.domain.draw` (with the `panels.domain.conflicts` types it uses), so it can be read and
run on its own.

Exit status: 0 when every seat, the chair and every refill come out as recorded; 1 when something differs
(each difference is printed); 2 when the file is not a record this command can re-run, such as a panel seated
by a convening round (those verify through the round: `review verify-draw ROUND --round`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from panels.domain.conflicts import Candidate, CaseFacts, ConflictKind
from panels.domain.draw import DrawnSeat, rule_from_json, run_draw, run_refill, seed_hash, template_from_json

REPLAY_FORMAT = "panel-draw-replay/1"

# Stand-ins for the districts: the record says only whether a member lives in the case's district.
_HERE, _ELSEWHERE = "本区", "外区"
_CASE = CaseFacts(department_code="", district=_HERE, community="")


class NotReplayable(ValueError):
    """The file is not a record `replay` can re-run."""


@dataclass
class Outcome:
    """What re-running a record gave: the lines to print, and whether everything matched."""

    lines: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    panel: list[tuple[int, str | None, str, bool]] = field(default_factory=list)  # seat, member, role, chair

    @property
    def ok(self) -> bool:
        return not self.differences

    def compare(self, ok: bool, yes: str, no: str) -> None:
        self.lines.append(f"{'✓' if ok else '✗'} {yes if ok else no}")
        if not ok:
            self.differences.append(no)


def _candidates(members: Sequence[Mapping[str, Any]], number: Mapping[str, int]) -> list[Candidate]:
    """The members as the draw's candidates, excluded by the screen as they were.

    Inactive members and members without a login do not count in their role's average load (rule 2), members
    excluded for any other kind of conflict do; so those two kinds are kept, and every other kind stands as
    「declared unavailable」, which excludes a member without taking them out of the average.
    """
    found = []
    for m in members:
        load = int(m["load"])
        excluded = {str(kind) for kind in m["excluded"]}
        found.append(
            Candidate(
                id=number[str(m["id"])],
                role=str(m["role"]),
                district=_HERE if m["local"] else _ELSEWHERE,
                community="",
                affiliations=frozenset(),
                load=load,
                max_panels=load + 1,
                active=ConflictKind.inactive.value not in excluded,
                available=not excluded - {ConflictKind.inactive.value, ConflictKind.no_account.value},
                has_account=ConflictKind.no_account.value not in excluded,
            )
        )
    return found


def _seat_text(seat: DrawnSeat | None, name: Mapping[int, str], labels: Mapping[str, str]) -> str:
    if seat is None:
        return "（空缺）"
    chair = "（组长）" if seat.is_chair else ""
    return f"{labels.get(seat.role, seat.role)} {name[seat.member_id]}{chair}"


def _recorded(data: Mapping[str, Any] | None, number: Mapping[str, int]) -> DrawnSeat | None:
    if data is None:
        return None
    return DrawnSeat(number[str(data["member"])], str(data["role"]), bool(data["is_chair"]))


def replay(record: Mapping[str, Any]) -> Outcome:
    """Re-run the draw and its refills from a public record; NotReplayable when it cannot be re-run."""
    if record.get("format") != REPLAY_FORMAT:
        raise NotReplayable(record.get("note") or f"不是可复算的抽取记录（应为 {REPLAY_FORMAT} 格式）")
    try:
        return _replay(record)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise NotReplayable(f"抽取记录缺少或包含无效的字段：{error!r}") from error


def _replay(record: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    labels = {str(k): str(v) for k, v in (record.get("role_labels") or {}).items()}
    refills = record["refills"]
    everyone = {str(m["id"]) for m in record["members"]}
    for refill in refills:
        everyone |= {str(m["id"]) for m in refill["members"]} | {str(p) for p in refill["seated"]}
    # The draw breaks a tie of lots by member id; lots of 256 bits never tie, so any fixed order will do.
    number = {p: i for i, p in enumerate(sorted(everyone), start=1)}
    name = {i: p for p, i in number.items()}
    tokens = dict(name)
    template = template_from_json(record["template"])
    rule = rule_from_json(record.get("draw_rule"))

    out.compare(
        seed_hash(str(record["seed"])) == record["seed_hash"],
        "种子与抽取前登记的哈希一致",
        "种子与抽取前登记的哈希不一致",
    )
    seats, _, _ = run_draw(
        seed=str(record["seed"]),
        candidates=_candidates(record["members"], number),
        case=_CASE,
        template=template,
        rule=rule,
        tokens=tokens,
    )
    recorded = [_recorded(s, number) for s in record["result"]]
    for n in range(1, max(len(seats), len(recorded)) + 1):
        got = seats[n - 1] if n <= len(seats) else None
        want = recorded[n - 1] if n <= len(recorded) else None
        out.compare(
            got == want,
            f"第 {n} 席：{_seat_text(got, name, labels)}",
            f"第 {n} 席：复算为 {_seat_text(got, name, labels)}，记录为 {_seat_text(want, name, labels)}",
        )
    held: dict[int, DrawnSeat | None] = dict(enumerate(recorded, start=1))
    for position, refill in enumerate(refills):
        label = f"第 {position + 1} 次补选（第 {refill['seat']} 席）"
        out.compare(
            int(refill["index"]) == position and seed_hash(str(refill["seed"])) == refill["seed_hash"],
            f"{label}：种子与补选前登记的哈希一致",
            f"{label}：序号不符，或种子与补选前登记的哈希不一致",
        )
        seat, _ = run_refill(
            seed=str(refill["seed"]),
            candidates=_candidates(refill["members"], number),
            case=_CASE,
            template=template,
            role=str(refill["role"]),
            seated={number[str(p)] for p in refill["seated"]},
            refill_index=int(refill["index"]),
            is_chair=bool(refill["is_chair"]),
            rule=rule,
            tokens=tokens,
        )
        want = _recorded(refill["result"], number)
        out.compare(
            seat == want,
            f"{label}：{_seat_text(seat, name, labels)}",
            f"{label}：复算为 {_seat_text(seat, name, labels)}，记录为 {_seat_text(want, name, labels)}",
        )
        held[int(refill["seat"])] = want
    panel = [(int(s["seat"]), _recorded(s if s["member"] else None, number)) for s in record["panel"]]
    out.compare(
        sorted(panel, key=lambda p: p[0]) == sorted(held.items()),
        "补选后的评议组与记录一致",
        "补选后的评议组与记录不一致",
    )
    out.panel = [
        (n, None if s is None else name[s.member_id], "" if s is None else s.role, bool(s and s.is_chair))
        for n, s in sorted(held.items())
    ]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("用法：python -m panels.verify record.json（公开抽取记录的 JSON 下载）", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as handle:
            record = json.load(handle)
        outcome = replay(record)
    except (OSError, json.JSONDecodeError, NotReplayable) as error:
        print(f"无法复算：{error}", file=sys.stderr)
        return 2
    for line in outcome.lines:
        print(line)
    print("评议组：")
    labels = record.get("role_labels") or {}
    for n, member, role, chair in outcome.panel:
        print(f"  第 {n} 席 {labels.get(role, role)} {member or '（空缺）'}{'（组长）' if chair else ''}")
    if outcome.ok:
        print(f"复算通过：第 {record.get('panel_id')} 号抽取记录的评议组与公布的结果一致")
        return 0
    print(f"复算未通过：{len(outcome.differences)} 处不一致", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
