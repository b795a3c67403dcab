"""Jobs of the audit trail."""

from __future__ import annotations

from review.core.audit import heads
from review.core.jobs import Job

JOBS = [
    # The day's audit chain head is published by the first hourly run of each day (China time); the others
    # find it published.
    Job(heads.publish_daily, every=3600, offset=7 * 60),
]
