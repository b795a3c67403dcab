"""The clocks' pages: the published policy (web.clocks), the office's drafts and publishing (web.policy) and the
overdue list with the time spent per stage (web.overdue)."""

from __future__ import annotations

from review.deadlines.web import clocks, overdue, policy

routes = [*clocks.routes, *policy.routes, *overdue.routes]
