"""`db.on_commit`: work that waits for COMMIT runs once the outermost transaction has committed, in order, and
never when it rolls back; outside a transaction it runs at once; a failing callback does not undo the commit."""

from __future__ import annotations

import asyncio

import pytest

from review.core import db
from review.core.tables import Department

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _recorder(done: list[str], name: str):  # type: ignore[no-untyped-def]
    async def callback() -> None:
        # What the callback reads is what the transaction committed.
        done.append(f"{name}:{await Department.count().where(Department.code == 'AC1').run()}")

    return callback


async def test_callbacks_run_after_the_outermost_commit_in_order() -> None:
    done: list[str] = []
    async with db.transaction():
        await Department.insert(Department(code="AC1", name="一", level="市级")).run()
        db.on_commit(_recorder(done, "first"))
        async with db.transaction():  # nested: part of the outer one
            db.on_commit(_recorder(done, "second"))
        assert done == []
    assert done == ["first:1", "second:1"]


async def test_a_rollback_drops_them() -> None:
    done: list[str] = []
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await Department.insert(Department(code="AC1", name="一", level="市级")).run()
            db.on_commit(_recorder(done, "never"))
            raise RuntimeError("the change fails")
    await asyncio.sleep(0.01)
    assert done == [] and await Department.count().where(Department.code == "AC1").run() == 0


async def test_outside_a_transaction_it_runs_at_once_and_a_failure_is_only_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []
    db.on_commit(_recorder(done, "now"))
    await asyncio.sleep(0.01)
    assert done == ["now:0"]

    async def fails() -> None:
        raise ValueError("boom")

    async with db.transaction():
        await Department.insert(Department(code="AC1", name="一", level="市级")).run()
        db.on_commit(fails)
        db.on_commit(_recorder(done, "after"))
    assert done == ["now:0", "after:1"]
    assert "callback after commit failed" in caplog.text
