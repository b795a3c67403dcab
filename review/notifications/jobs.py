"""The notifications' jobs."""

from __future__ import annotations

from review.core.jobs import Job

JOBS: list[Job] = []
