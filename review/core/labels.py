"""Labels shared by packages that may not import each other (pure).

ROLE_LABELS names the roles a roster member serves in (not an account's Role): panels check and show them,
scoring, rulings and verdicts show them beside a member's name.
"""

from __future__ import annotations

from review.core.i18n import lazy_labels

ROLE_LABELS = lazy_labels({
    "lawyer": "律师",
    "deputy": "人大代表/政协委员",
    "resident": "群众代表",
    "expert": "专家",
    "township": "镇街代表",
})
