"""Redo orders (整改) as rules: the states, the moves between them, and when an order is overdue.

Pure: no database, no framework. An order opens when a 办理不到位 ruling is issued; the department's liaison
reports it done; the office (or the panel's chair) accepts the report or returns it with a reason (back to
open, the deadline unchanged); a reconsideration that supersedes the ruling, or a withdrawn verdict, voids it.
The complainant says once, after the report, whether the problem was solved. The liaison's report may carry
files (photos, the department's documents): a few, of a few kinds, each of bounded size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from review.core import file_kinds
from review.core.clock import CHINA
from review.core.errors import Conflict, Invalid
from review.core.file_kinds import CheckedFile, Upload

OPEN, REPORTED, ACCEPTED, VOID = "open", "reported", "accepted", "void"
STATES = (OPEN, REPORTED, ACCEPTED, VOID)
STATE_LABELS = {OPEN: "待整改", REPORTED: "已报告整改完成，待验收", ACCEPTED: "整改已验收", VOID: "已作废"}
# Still owed by the department: only these can be overdue.
PENDING = (OPEN, REPORTED)

# move → (the states it may start from, the state it leads to)
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "report": ((OPEN,), REPORTED),
    "accept": ((REPORTED,), ACCEPTED),
    "return": ((REPORTED,), OPEN),
    "void": ((OPEN, REPORTED), VOID),
}
REFUSALS = {
    "report": "该整改单当前不能报告完成",
    "accept": "只有已报告完成的整改才能验收",
    "return": "只有已报告完成的整改才能退回",
    "void": "该整改单已结束，不能作废",
}
FEEDBACK = {"solved": "问题已解决", "unsolved": "问题未解决"}
VOID_LABELS = {"superseded": "原评议结论被复议结论取代", "withdrawn": "评议意见书已撤销"}


# The files a report may carry (整改附件).
FILES_MOST = 5
FILE_MAX_BYTES = 10 * 1024 * 1024
FILE_KINDS = (file_kinds.PDF, file_kinds.JPEG, file_kinds.PNG, file_kinds.DOCX, file_kinds.XLSX)
FILE_MEDIA_TYPES = tuple(kind.media_type for kind in FILE_KINDS)
# The report's request body: every file at its largest, and a megabyte for the statement and the framing.
REPORT_BODY_LIMIT = FILES_MOST * FILE_MAX_BYTES + 1024 * 1024


def check_files(uploads: Sequence[Upload]) -> list[CheckedFile]:
    """The report's files, each of an accepted kind by name, declared type and content and within the size;
    Invalid naming the first file refused (then none is kept)."""
    if len(uploads) > FILES_MOST:
        raise Invalid("too_many_files", f"每次报告至多附 {FILES_MOST} 个文件，收到 {len(uploads)} 个", field="files")
    return [file_kinds.check(upload, allowed=FILE_KINDS, max_bytes=FILE_MAX_BYTES) for upload in uploads]


def next_state(state: str, move: str) -> str:
    """The state `move` leads to from `state`; Conflict if it may not be made there."""
    starts, target = MOVES[move]
    if state not in starts:
        raise Conflict("invalid_redo_move", REFUSALS[move])
    return target


def check_feedback(state: str, given: str, answer: str) -> None:
    """The complainant's word: once, after the department reported the redo done."""
    if answer not in FEEDBACK:
        raise Invalid("invalid_feedback", "请选择问题是否已解决", field="answer")
    if given:
        raise Conflict("feedback_given", "您已就本次整改作出过评价")
    if state not in (REPORTED, ACCEPTED):
        raise Conflict("not_reported", "承办部门尚未报告整改完成，暂不能评价")


def deadline_end(deadline: date) -> datetime:
    """The instant the deadline passes: the end of its day in China."""
    return datetime.combine(deadline + timedelta(days=1), time(0), tzinfo=CHINA)


def is_overdue(state: str, deadline: date, now: datetime) -> bool:
    """Past the deadline day's end (China time) and not accepted (a void order is owed no more)."""
    return state in PENDING and now >= deadline_end(deadline)


def counts_late(state: str, deadline: date, reported_at: datetime | None, now: datetime) -> bool:
    """Whether the order deducts the scheme's points for a redo not done by its deadline: still owed past the
    deadline, or accepted on a report made after it. A void order deducts nothing."""
    if state == ACCEPTED:
        return reported_at is not None and reported_at >= deadline_end(deadline)
    return is_overdue(state, deadline, now)


def days_over(deadline: date, today: date, is_workday: Callable[[date], bool]) -> int:
    """The working days after the deadline up to and including `today` (0 on or before the deadline)."""
    count, day = 0, deadline + timedelta(days=1)
    while day <= today:
        count += is_workday(day)
        day += timedelta(days=1)
    return count


@dataclass(frozen=True)
class Lateness:
    overdue: bool
    days_over: int


def lateness(state: str, deadline: date, now: datetime, is_workday: Callable[[date], bool]) -> Lateness:
    if not is_overdue(state, deadline, now):
        return Lateness(False, 0)
    return Lateness(True, days_over(deadline, now.astimezone(CHINA).date(), is_workday))
