"""The selection's services, as other slices reach them (the demo's reference data seeds the default policy)."""

from __future__ import annotations

from review.selection.services.policies import seed_default

__all__ = ["seed_default"]
