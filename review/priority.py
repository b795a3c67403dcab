"""Background work (workers, verdict renders, imports from the command line) yields the CPU to serving pages."""

from __future__ import annotations

import os

from review import settings


def lower() -> None:
    """Make this process nicer by BACKGROUND_NICE (nothing on a system that refuses)."""
    if settings.BACKGROUND_NICE > 0:
        try:
            os.nice(settings.BACKGROUND_NICE)
        except OSError:
            pass
