"""(to be written)"""

from __future__ import annotations

from review.core.web.guard import PolicyRoute

routes: list[PolicyRoute] = []
