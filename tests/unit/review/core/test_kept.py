"""A process's kept entries: bounded, the least recently used leaving first."""

import pytest

from review.core import kept as kept_module
from review.core.kept import Kept


def test_the_least_recently_used_entry_leaves_first() -> None:
    kept: Kept[str] = Kept(2)
    kept.put("a", "A")
    kept.put("b", "B")
    assert kept.get("a") == "A"  # now "b" is the least recently used
    kept.put("c", "C")
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")
    assert len(kept) == 2


def test_keeping_none_keeps_nothing() -> None:
    kept: Kept[str] = Kept(0)
    kept.put("a", "A")
    assert kept.get("a") is None and len(kept) == 0


def test_forget_all_calls_every_registered_forget_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kept_module, "_forgetters", [])
    held = {"a": [1], "b": [2]}
    forget_a = kept_module.forgettable(lambda: held["a"].clear())
    kept_module.forgettable(lambda: held["b"].clear())

    kept_module.forget_all()

    assert held == {"a": [], "b": []}
    assert callable(forget_a)  # the decorator hands the function back unchanged
