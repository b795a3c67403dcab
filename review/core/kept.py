"""What a process keeps in memory of things that do not change under their key: at most so many entries, the
least recently used leaving first."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

_forgetters: list[Callable[[], None]] = []


def forgettable(forget: Callable[[], None]) -> Callable[[], None]:
    """Register a function that drops what a module keeps in memory, for `forget_all` (a decorator)."""
    _forgetters.append(forget)
    return forget


def forget_all() -> None:
    """Drop everything every module keeps in memory (a database emptied under the process, as between tests)."""
    for forget in _forgetters:
        forget()


class Kept(Generic[V]):
    def __init__(self, most: int) -> None:
        self.most = most
        self._entries: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        if self.most <= 0:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self.most:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
