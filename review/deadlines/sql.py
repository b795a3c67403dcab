"""The clocks' hand-written SQL.

The policy's part: every open case's audit events in one query, for counting its open clocks again when the
policy or the holiday table changes. (The reminder sweep's constants follow at the end of the file.)
"""

from __future__ import annotations

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

from review.core.audit.sql import EVENT_COLUMNS  # the sweep section's own import

RECORDED_ALERT_KEYS_OF = "SELECT key FROM clock_alert WHERE case_number IN ({marks})"


def _listed(names: tuple[str, ...] | list[str]) -> str:
    for name in names:
        assert name.replace("_", "").isalnum() and name.isascii(), name  # action codes only, never input
    return ", ".join(f"'{name}'" for name in names)


def sweep_candidates(stages: list[tuple[str, tuple[str, ...], tuple[str, ...], int]], *, ended: int) -> str:
    """The open cases (id, number, department, and per stage i its open run's start_i and the step next_i after
    the last one recorded) whose clocks may have a step due and not yet fired.

    `stages`: (stage, actions starting it, actions ending it (final actions included), its number of
    escalation steps n). Its arguments, in order: the `ended` statuses; for each stage its loosest threshold T0;
    then for each stage T0 … Tn, where Tk is the latest start at which the step after the last one fired (k)
    could be due now (T0 also stands for the first escalation when the stage has no reminder)."""
    relevant = sorted({a for _, starts, ends, _ in stages for a in (*starts, *ends)})
    last_ends = ", ".join(f"MAX(CASE WHEN action IN ({_listed(ends)}) THEN at END) AS end_{i}"
                          for i, (_, _, ends, _) in enumerate(stages))
    run_starts = ", ".join(
        f"MIN(CASE WHEN e.action IN ({_listed(starts)}) AND (n.end_{i} IS NULL OR e.at >= n.end_{i})"
        f" THEN e.at END) AS start_{i}" for i, (_, starts, _, _) in enumerate(stages))
    # The step after the last one fired for the run open now (alerts of earlier runs fell due before it began).
    next_steps = ", ".join(
        f"r.start_{i} AS start_{i}, CASE WHEN r.start_{i} <= {{}} THEN (SELECT COALESCE(MAX(a.step), -1) + 1"
        f" FROM clock_alert a WHERE a.case_number = c.number AND a.stage = '{stage}' AND a.due >= r.start_{i})"
        f" END AS next_{i}" for i, (stage, _, _, _) in enumerate(stages))
    due = " OR ".join(f"(x.next_{i} = {k} AND x.start_{i} <= {{}})"
                      for i, (_, _, _, steps) in enumerate(stages) for k in range(steps + 1))
    marks = ", ".join(["{}"] * ended)
    return (
        f"WITH c AS (SELECT id, number, department FROM review_case WHERE status NOT IN ({marks})),"
        ' e AS (SELECT ev."case" AS cid, ev.action AS action, ev.at AS at FROM audit_event ev'
        f' JOIN c ON c.id = ev."case" WHERE ev.action IN ({_listed(relevant)})),'
        f" ends AS (SELECT cid, {last_ends} FROM e GROUP BY cid),"
        f" runs AS (SELECT e.cid AS cid, {run_starts} FROM e JOIN ends n ON n.cid = e.cid GROUP BY e.cid),"
        # Materialized, so that each stage's look-up of the steps recorded runs once per case, not once per test.
        f" x AS MATERIALIZED (SELECT c.id AS id, c.number AS number, c.department AS department, {next_steps}"
        "  FROM runs r JOIN c ON c.id = r.cid)"
        " SELECT x.id AS case_id, x.number AS number, x.department AS department_id,"
        f" {', '.join(f'x.start_{i} AS start_{i}, x.next_{i} AS next_{i}' for i in range(len(stages)))} FROM x"
        f" WHERE {due} ORDER BY x.id"
    )


def events_of_cases(count: int, actions: list[str]) -> str:
    """The events of `count` cases (ids) that the clocks read, case by case in the order written."""
    marks = ", ".join(["{}"] * count)
    return ('SELECT "case" AS case_id, action, at FROM audit_event'
            f' WHERE "case" IN ({marks}) AND action IN ({_listed(actions)}) ORDER BY "case", id')


def recorded_alert_keys(count: int) -> str:
    """The alert keys already recorded for `count` case numbers."""
    return RECORDED_ALERT_KEYS_OF.replace("{marks}", ", ".join(["{}"] * count))


def insert_alerts(count: int) -> str:
    """`count` alerts recorded once each (9 arguments per alert, in the column order); RETURNING the keys this
    statement recorded, none of those another sweep recorded first."""
    row = "(" + ", ".join(["{}"] * 9) + ")"
    return ("INSERT INTO clock_alert (key, case_number, stage, occurrence, kind, step, recipient, due, fired_at)"
            f" VALUES {', '.join([row] * count)} ON CONFLICT (key) DO NOTHING RETURNING key")


def insert_events(count: int) -> str:
    """`count` audit events in one statement (the audit store's 8 values per event)."""
    row = "(" + ", ".join(["{}"] * 8) + ")"
    return f"INSERT INTO audit_event ({EVENT_COLUMNS}) VALUES {', '.join([row] * count)}"
