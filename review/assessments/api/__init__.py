"""The assessments' JSON endpoints, mounted under /api/v1: the scheme's (api.scheme), the redo orders'
(api.redo), the base figures' import (api.figures) and the figures read back (api.figures_read)."""

from __future__ import annotations

from review.assessments.api import exports, figures, figures_read, redo, scheme
from review.core.web.guard import PolicyRoute

routes: list[PolicyRoute] = [*figures_read.routes, *scheme.routes, *redo.routes, *figures.routes, *exports.routes]
