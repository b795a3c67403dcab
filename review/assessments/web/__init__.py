"""The assessments' pages (部门绩效考核): the figures' (web.league), the base figures' upload (web.figures), the
scheme's (web.scheme) and the redo orders' (web.redo)."""

from __future__ import annotations

from review.assessments.web import exports, figures, league, redo, scheme

routes = [
    *league.routes,
    *figures.routes,
    *scheme.routes,
    *redo.routes,
    *exports.routes,
]
