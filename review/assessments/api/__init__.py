"""The assessments' JSON endpoints, mounted under /api/v1: the scheme's (api.scheme) and the redo orders'
(api.redo)."""

from __future__ import annotations

from review.assessments.api import redo, scheme
from review.core.web.guard import PolicyRoute

routes: list[PolicyRoute] = [*scheme.routes, *redo.routes]
