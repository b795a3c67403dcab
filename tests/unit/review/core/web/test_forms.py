"""Where a `next` parameter may send a browser: only to a path of this site."""

from __future__ import annotations

import pytest

from review.core.web.forms import local_path

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("target", ["/mediation/12", "/track/case", "/office/cases/PY2026000001#mediation",
                                    "/panel?x=1"])
def test_a_local_path_is_kept(target: str) -> None:
    assert local_path(target, "/fallback") == target


@pytest.mark.parametrize("target", ["", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
                                    "https://evil.example/", "javascript:alert(1)", "mediation/12", "/a b",
                                    "/a\nb", "/\x00", "/中文"])
def test_anything_else_falls_back(target: str) -> None:
    assert local_path(target, "/fallback") == "/fallback"
