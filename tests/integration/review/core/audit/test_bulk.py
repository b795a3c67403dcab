"""全程留痕: events appended in bulk (`record_many`) are sealed into the one chain like any others, in the order
given, and the verifier finds the chain whole; a bulk append rolled back leaves nothing."""

from __future__ import annotations

import pytest

from review.core import db
from review.core.audit import store as audit
from review.core.db import bulk
from review.core.tables import AuditEvent

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _values(n: int) -> list[object]:
    return audit.event_values(case_id=None, actor="system:test", action="note", reason=f"第 {n} 条",
                              data={"n": n, "词": "催办"})


async def test_record_many_appends_in_order_and_the_chain_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "SQLITE_ROWS", 7)  # several statements in one call on SQLite
    async with db.transaction():
        await audit.record(case_id=None, actor="system:test", action="note", reason="单条")
    async with db.transaction():
        assert await audit.record_many([_values(n) for n in range(25)]) == 25
    async with db.transaction():
        await audit.record(case_id=None, actor="system:test", action="note", reason="又一条")
        assert await audit.record_many([]) == 0

    assert await audit.verify() == (27, None)
    rows = await AuditEvent.select(AuditEvent.reason, AuditEvent.seq, AuditEvent.data).order_by(AuditEvent.seq).run()
    assert [r["reason"] for r in rows] == ["单条", *[f"第 {n} 条" for n in range(25)], "又一条"]
    assert db.json_value(rows[5]["data"]) == {"n": 4, "词": "催办"}


async def test_record_many_rolled_back_leaves_the_chain_as_it_was() -> None:
    await audit.record_many([_values(0)])  # outside a transaction: written on its own
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await audit.record_many([_values(n) for n in range(1, 5)])
            raise RuntimeError("stopped")

    assert await audit.verify() == (1, None)
    assert await AuditEvent.count().run() == 1
