"""The selection's pure modules load no framework or driver, not even through the modules they import (LAYOUT §1,
rule 4), so that the draw can be re-run outside the platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import layers
from tests.unit.test_layers import IMPURE_LIBRARIES, PACKAGES, SKIP_DIRS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[4]
PURE = ["review/selection/policy.py", "review/selection/draw.py", "review/selection/disputes.py",
        "review/selection/verify.py"]


def test_the_policy_the_draw_and_the_verifier_stay_pure() -> None:
    tree = layers.load(ROOT, PACKAGES, SKIP_DIRS)
    pure = [m for m in layers.pure_modules(tree, PURE) if m.path in PURE]

    assert len(pure) == len(PURE)
    assert layers.impure_imports(tree, pure, IMPURE_LIBRARIES) == []
