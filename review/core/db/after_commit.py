"""Work that must wait for COMMIT (queue a job, push an event) and must not happen on a rollback: a service
calls `db.on_commit(callback)` inside `async with db.transaction():`, as Django's `transaction.on_commit` and
Zulip's `send_event_on_commit` do. The callbacks of the outermost transaction run, in order, once it has
committed; a rollback drops them. What they announce is already stored, so a callback that fails (or a process
that dies before it runs) loses nothing: a periodic job finds what was committed and not yet acted on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

log = logging.getLogger("review.db")

Callback = Callable[[], Awaitable[None]]

_pending: dict[int, list[Callback]] = {}  # by id() of an outermost transaction that is open
_running: set[asyncio.Task[None]] = set()  # callbacks started outside any transaction, kept until they end


class Committing:
    """A transaction (Piccolo's, `inner`) that runs its on-commit callbacks after it has committed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.outermost = False

    async def __aenter__(self) -> Any:
        entered = await self.inner.__aenter__()
        self.outermost = entered is self.inner  # a nested one is handed its parent
        if self.outermost:
            _pending[id(self.inner)] = []
        return entered

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> bool:
        try:
            result: bool = await self.inner.__aexit__(kind, error, traceback)
        finally:
            callbacks = _pending.pop(id(self.inner), []) if self.outermost else []
        if self.outermost and error is None and not self.inner._rolled_back:
            for callback in callbacks:
                await _run(callback)
        return result


async def _run(callback: Callback) -> None:
    try:
        await callback()
    except Exception:
        log.exception("a callback after commit failed (what it was for is stored; a periodic job retries it)")


def on_commit(current: Any, callback: Callback) -> None:
    """Run `callback` once `current` (the open transaction, or None) has committed; at once when there is none."""
    if current is not None and id(current) in _pending:
        _pending[id(current)].append(callback)
        return
    task = asyncio.get_running_loop().create_task(_run(callback))
    _running.add(task)
    task.add_done_callback(_running.discard)
