"""Publication's actions, as other slices and the endpoints call them."""

from __future__ import annotations

from review.publication.services.consent import record_consent
from review.publication.services.leaks import (
           check_public_pdf,
           passing_gate,
           record_stop,
           report_public_leak,
           stopped,
)
from review.publication.services.publishing import (
    case_of_verdict,
    hold_back,
    recheck,
    release_hold,
    sync,
    sync_due,
)

__all__ = ["case_of_verdict", "check_public_pdf", "hold_back", "passing_gate", "recheck", "record_consent", "record_stop", "release_hold",
           "report_public_leak", "stopped", "sync", "sync_due"]
