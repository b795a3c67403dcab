"""The assessments' JSON endpoints, mounted under /api/v1: the scheme's (api.scheme), the redo orders'
(api.redo) and the base figures' import (api.figures)."""

from __future__ import annotations

from review.assessments.api import figures, redo, scheme
from review.core.web.guard import PolicyRoute

routes: list[PolicyRoute] = [*scheme.routes, *redo.routes, *figures.routes]
