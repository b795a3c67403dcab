"""Background work (workers, verdict renders, imports from the command line) yields the CPU to serving pages."""

from __future__ import annotations

import os

from review.core import settings


def lower() -> None:
    """Make the calling process nicer by BACKGROUND_NICE (on Linux, the calling thread only: a thread pool's
    initializer lowers just its threads); nothing on a system that refuses."""
    if settings.BACKGROUND_NICE > 0:
        try:
            os.nice(settings.BACKGROUND_NICE)
        except OSError:
            pass
