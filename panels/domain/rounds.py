"""A convening round's record, pure: the snapshot it keeps to be re-run, and the report it shows the office."""

from __future__ import annotations

from typing import Any

from panels.domain.assignment import RoundAssignment, RoundCase
from panels.domain.conflicts import Candidate, CaseFacts
from panels.domain.draw import from_snapshot, roster_snapshot, template_from_json, template_json

_NO_CASE = CaseFacts("", "", "")


def round_snapshot(candidates: list[Candidate], round_cases: list[RoundCase]) -> dict[str, Any]:
    """What the round saw, to re-run it: the roster as the draw snapshots it, and each case with its template."""
    return {"members": roster_snapshot(candidates, _NO_CASE, salt="")["members"],
            "cases": [_case_json(rc) for rc in round_cases]}


def from_round_snapshot(snapshot: dict[str, Any]) -> tuple[list[Candidate], list[RoundCase]]:
    """The candidates and cases a round saw, back from its snapshot."""
    empty = roster_snapshot([], _NO_CASE, salt="")
    candidates, _, _ = from_snapshot({**empty, "members": snapshot["members"]})
    cases = []
    for c in snapshot["cases"]:
        template = template_from_json(c["template"])
        facts = CaseFacts(c["department_code"], c["district"], c["community"], case_id=c["case_id"],
                          earlier_members=frozenset(c["earlier_members"]))
        cases.append(RoundCase(facts, template))
    return candidates, cases


def _case_json(rc: RoundCase) -> dict[str, Any]:
    f = rc.facts
    return {"case_id": f.case_id, "department_code": f.department_code, "district": f.district,
            "community": f.community, "earlier_members": sorted(f.earlier_members),
            "template": template_json(rc.template)}


def report_json(assignment: RoundAssignment, numbers: dict[int, str]) -> dict[str, Any]:
    """The round's report: the seats left unfilled and why, by case number; conflicts; the spread of loads."""
    report = assignment.report
    return {
        "unfilled": [s.message for s in report.shortages],
        # Which cases each line is about, so that the office can act on them one by one.
        "unfilled_cases": [{"role": s.role, "reason": s.reason, "message": s.message,
                            "cases": [numbers.get(i, str(i)) for i in s.case_ids]} for s in report.shortages],
        "conflicts": report.conflict_counts,
        "load_spread": report.load_spread,
    }
