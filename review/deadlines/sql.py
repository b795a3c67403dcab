"""The clocks' hand-written SQL.

The policy's part: every open case's audit events in one query, for counting its open clocks again when the
policy or the holiday table changes. (The reminder sweep's constants follow at the end of the file.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from review.core.db.bulk import Insert

# Statuses after which a case has no open stage (clocks.FINAL's actions lead there).
_ENDED = "('closed', 'dismissed', 'withdrawn', 'settled')"


def open_case_events(actions: list[str]) -> str:
    """Every open case's events among `actions` (those the clocks read), case by case in the order written:
    what its clocks are computed from."""
    for action in actions:
        assert action.replace("_", "").isalnum() and action.isascii(), action  # action codes, never input
    listed = ", ".join(f"'{action}'" for action in sorted(set(actions)))
    return (
        "SELECT c.number AS number, e.at AS at, e.action AS action"
        ' FROM audit_event e JOIN review_case c ON c.id = e."case"'
        f" WHERE c.status NOT IN {_ENDED} AND e.action IN ({listed})"
        " ORDER BY c.id, e.id"
    )


# --- The reminder sweep (催办 / 通报) ------------------------------------------------------------------------
# The sweep computes what is due with the pure `clocks()`; this SQL only narrows the cases it computes: a case
# is left out when none of its open stages started long enough ago for its next step not yet fired to be due.
# Each stage's run open now is the first start after its last end (or after the case's last final action), as
# `clocks._runs` reads the events; pauses only put steps later, so leaving them out keeps every due case in.

def _listed(names: tuple[str, ...] | list[str]) -> str:
    for name in names:
        assert name.replace("_", "").isalnum() and name.isascii(), name  # action codes only, never input
    return ", ".join(f"'{name}'" for name in names)


@dataclass(frozen=True)
class SweptStage:
    """One stage as the sweep's pre-filter reads it: the actions starting and ending it (final actions included),
    each pause kind it stops for as (actions beginning it, actions ending it, final ones included), the latest
    start at which step `next` could be due (one per step: T0 … Tn), and for a stage with a reminder the latest
    start at which it is past due had it never paused (its reminder then never sent), or None."""

    stage: str
    starts: tuple[str, ...]
    ends: tuple[str, ...]
    pauses: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    thresholds: tuple[Any, ...]
    past_due: Any = None


def sweep_candidates(stages: list[SweptStage], *, ended: list[str], closed_since: Any) -> tuple[str, list[Any]]:
    """The statement and its arguments: the cases (id, number, department, and `near`, the stages that may have a
    step due as bits: 1 << i for `stages[i]`) whose clocks may have a step due and not yet fired.

    One pass over the events the clocks read, of the cases still open (a closed case only when closed since
    `closed_since`: see the sweep), grouped per case into each stage's last end and first and last start, and
    each pause kind's last beginning and end. A stage's run is open when a start comes at or after its last end;
    it began at its first start when that follows the last end, else at or after that end (its lower bound).
    A stage standing paused (a pause it stops for begun after that pause's last end) has no step due: left out.
    The steps recorded are looked up only for the runs old enough for a step to be due."""
    args: list[Any] = [*ended, closed_since]
    marks = ", ".join(["{}"] * len(ended))
    kinds: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    for item in stages:
        for kind in item.pauses:
            kinds.setdefault(kind, len(kinds))
    relevant = sorted({a for item in stages for a in (*item.starts, *item.ends)}
                      | {a for begins, ends in kinds for a in (*begins, *ends)})
    code = {action: n for n, action in enumerate(relevant, 1)}  # compared as small integers, not as text

    def among(actions: tuple[str, ...]) -> str:
        return ", ".join(str(code[a]) for a in sorted(set(actions)))

    grouped = []
    for i, item in enumerate(stages):
        grouped += [f"MAX(CASE WHEN m.code IN ({among(item.ends)}) THEN e.at END) AS end_{i}",
                    f"MIN(CASE WHEN m.code IN ({among(item.starts)}) THEN e.at END) AS lo_{i}",
                    f"MAX(CASE WHEN m.code IN ({among(item.starts)}) THEN e.at END) AS hi_{i}"]
    for (begins, ends), k in kinds.items():
        grouped += [f"MAX(CASE WHEN m.code IN ({among(begins)}) THEN e.at END) AS pb_{k}",
                    f"MAX(CASE WHEN m.code IN ({among(ends)}) THEN e.at END) AS pe_{k}"]
    codes = ", ".join(f"('{_checked(action)}', {n})" for action, n in code.items())
    runs, flags = [], []
    for i, item in enumerate(stages):
        runs.append(f"CASE WHEN g.hi_{i} IS NULL OR g.hi_{i} < g.end_{i} THEN NULL"
                    f" WHEN g.end_{i} IS NULL OR g.lo_{i} > g.end_{i} THEN g.lo_{i} ELSE g.end_{i} END AS start_{i}")
        numbers = [kinds[kind] for kind in item.pauses]
        paused = " OR ".join(f"(g.pb_{k} IS NOT NULL AND (g.pe_{k} IS NULL OR g.pb_{k} > g.pe_{k}))" for k in numbers)
        held = " OR ".join(f"g.pb_{k} IS NOT NULL" for k in numbers)
        flags += [f"CASE WHEN {paused or '1 = 0'} THEN 1 ELSE 0 END AS paused_{i}",
                  f"CASE WHEN {held or '1 = 0'} THEN 1 ELSE 0 END AS held_{i}"]
    next_steps = []
    for i, item in enumerate(stages):
        next_steps.append(
            f"r.start_{i} AS start_{i}, CASE WHEN r.paused_{i} = 0 AND r.start_{i} <= {{}}"
            " THEN (SELECT COALESCE(MAX(a.step), -1) + 1 FROM clock_alert a WHERE a.case_number = r.number"
            f" AND a.stage = '{_checked(item.stage)}' AND a.due >= r.start_{i}) END AS next_{i}, r.held_{i} AS held_{i}")
        args.append(item.thresholds[0])
    near = []
    for i, item in enumerate(stages):
        due = []
        for k, threshold in enumerate(item.thresholds):
            test = f"(x.next_{i} = {k} AND x.start_{i} <= {{}}"
            args.append(threshold)
            if k == 0 and item.past_due is not None:
                # The reminder is never sent once the stage is past due: only the first escalation is awaited.
                test += f" AND (x.held_{i} = 1 OR x.start_{i} > {{}} OR x.start_{i} <= {{}})"
                args += [item.past_due, item.thresholds[1]]
            due.append(test + ")")
        near.append(f"CASE WHEN {' OR '.join(due)} THEN {1 << i} ELSE 0 END")
    statement = (
        f"WITH c AS (SELECT id, number, department FROM review_case WHERE status NOT IN ({marks})"
        " AND (status <> 'closed' OR updated_at >= {})),"
        f" m(action, code) AS (VALUES {codes}),"
        # CROSS JOIN: SQLite then reads the events once, looking each action up in the list (PostgreSQL hashes).
        f" g AS (SELECT e.\"case\" AS cid, {', '.join(grouped)} FROM audit_event e CROSS JOIN m"
        ' JOIN c ON c.id = e."case" WHERE m.action = e.action GROUP BY e."case"),'
        f" r AS (SELECT c.id AS id, c.number AS number, c.department AS department, {', '.join(runs)},"
        f" {', '.join(flags)} FROM g JOIN c ON c.id = g.cid),"
        # Materialized, so that each stage's look-up of the steps recorded runs once per case, not once per test.
        f" x AS MATERIALIZED (SELECT r.id AS id, r.number AS number, r.department AS department,"
        f" {', '.join(next_steps)} FROM r)"
        " SELECT y.case_id, y.number, y.department_id, y.near FROM (SELECT x.id AS case_id, x.number AS number,"
        f" x.department AS department_id, {' + '.join(near)} AS near FROM x) y WHERE y.near > 0 ORDER BY y.case_id"
    )
    return statement, args


# Planner settings for the one large read (SET LOCAL: inside its transaction only; PostgreSQL's).
ONE_LARGE_READ = ("SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'")


def _checked(name: str) -> str:
    assert name.replace("_", "").isalnum() and name.isascii(), name  # stage codes only, never input
    return name


def events_of_cases(actions: list[str], *, as_arrays: bool) -> str:
    """The events of many cases (`db.fetch_among` over their ids) that the clocks read, case by case in the order
    written; only the columns the clocks read. `as_arrays` (where the engine aggregates into arrays): one row
    per case, its actions and times as two arrays in that order, rather than one row per event."""
    where = f'WHERE "case" {{among}} AND action IN ({_listed(actions)})'
    if as_arrays:
        return ('SELECT "case" AS case_id, array_agg(action ORDER BY id) AS actions, array_agg(at ORDER BY id) AS ats'
                f' FROM audit_event {where} GROUP BY "case"')
    return f'SELECT "case" AS case_id, action, at FROM audit_event {where} ORDER BY "case", id'


# The alert keys already recorded for many case numbers (`db.fetch_among`).
RECORDED_ALERT_KEYS_OF = "SELECT key FROM clock_alert WHERE case_number {among}"

# Alerts recorded once each (`db.insert_many`: 10 values each, in the column order); RETURNING the keys this
# statement recorded, none of those another sweep recorded first.
ALERTS = Insert("clock_alert",
                "key, case_number, stage, occurrence, kind, step, recipient, due, fired_at, context",
                ", ".join(["{}"] * 10),
                ("text", "text", "text", "int", "text", "int", "text", "timestamptz", "timestamptz", "json"),
                "ON CONFLICT (key) DO NOTHING RETURNING key")

# The steps recorded and not yet told, oldest first, with the case's department (who some recipients are);
# locked, so that a second teller waits and then finds them told.
ALERTS_TO_TELL = (
    "SELECT a.id, a.key, a.recipient, a.context, a.case_number, c.department AS department_id"
    " FROM clock_alert a JOIN review_case c ON c.number = a.case_number"
    " WHERE a.notified_at IS NULL ORDER BY a.id LIMIT {}"
)

# The invitations left unanswered (still waiting, or expired without an answer) whose reply deadline lies
# between the two times, with the case and the invited member's account.
UNANSWERED_INVITATIONS = (
    "SELECT s.id AS seat_id, s.status AS status, s.invited_at AS invited_at, s.reply_by AS reply_by,"
    " s.reply_by_provisional AS reply_by_provisional, m.\"user\" AS account_id, c.id AS case_id,"
    " c.number AS number, c.department AS department_id"
    " FROM seat s JOIN panel p ON p.id = s.panel JOIN review_case c ON c.id = p.\"case\""
    " JOIN roster_member m ON m.id = s.member"
    " WHERE s.status IN ('invited', 'expired') AND s.reply_by BETWEEN {} AND {} ORDER BY c.id, s.id"
)

# The numbers of many cases by id (`db.fetch_among`).
CASE_NUMBERS_OF = "SELECT id, number FROM review_case WHERE id {among}"
