"""The clocks' JSON endpoints, mounted under /api/v1: a case's clocks (api.clocks), the policy's versions
(api.policy) and the office's overdue list (api.overdue)."""

from __future__ import annotations

from review.deadlines.api import clocks, overdue, policy

routes = [*clocks.routes, *policy.routes, *overdue.routes]
