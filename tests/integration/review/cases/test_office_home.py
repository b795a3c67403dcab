"""The office's home: today's intake, the cases waiting at each step, what is overdue, and the weeks' charts
drawn on the server (SVG with no inline style) with a table beside them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from review.cases import services as cases
from review.core import clock
from review.core.tables import AuditEvent
from tests import factories
from tests.integration.panel_helpers import web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _badge(text: str, anchor: str) -> int:
    found = re.search(anchor + r".*?<strong class=\"badge\">(\d+)</strong>", re.sub(r"\s+", " ", text))
    assert found, anchor
    return int(found.group(1))


async def test_office_home_shows_the_day_and_the_work() -> None:
    office = await factories.account("office")
    now = clock.now()
    today = now.astimezone(clock.CHINA).replace(microsecond=0)
    fresh, _ = await factories.case(received_at=(today - timedelta(minutes=5)).isoformat(),
                                    replied_at=(today - timedelta(minutes=3)).isoformat(),
                                    rated_at=(today - timedelta(minutes=1)).isoformat())
    old, _ = await factories.case(received_at="2026-01-05T09:30:00+08:00", replied_at="2026-01-06T09:30:00+08:00",
                                  rated_at="2026-01-07T09:30:00+08:00")
    await AuditEvent.update({AuditEvent.at: datetime(2026, 1, 7, 1, 30, tzinfo=UTC)}).where(
        AuditEvent.case.number == old).run()
    accepted, _ = await factories.case()
    await cases.screen_case(number=accepted, actor=office, accept=True)
    async with await web(office) as http:
        page = await http.get("/office")
    assert page.status_code == 200
    assert _badge(page.text, "今日受理") == 1
    assert _badge(page.text, "待审查") == 2
    assert _badge(page.text, "待组成评议组") == 1
    assert _badge(page.text, "已逾期") >= 1 and old in page.text
    assert "<svg" in page.text and "style=" not in page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "按周" in page.text and fresh not in page.text.split('id="charts"')[1]


async def test_office_home_only_for_the_office() -> None:
    member = await factories.account("member")
    async with await web(member) as http:
        page = await http.get("/office")
    assert page.status_code in (403, 404)
