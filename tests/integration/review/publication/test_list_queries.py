"""The public list runs the same statements for a few published rulings as for three times as many, on the page
and in the API."""

from __future__ import annotations

import pytest

from review.core import db
from review.core.clock import now
from review.core.tables import Case
from review.publication.tables import PublishedRuling
from tests import factories
from tests.integration.review.verdicts.test_services import issued_verdict

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _publish_copies(verdict: dict, count: int) -> None:
    """`count` published rulings on cases of their own, all standing on one valid verdict."""
    department = await factories.department()
    for index in range(count):
        number, _ = await factories.case(content=f"第{index}件：井盖缺失。")
        case = await Case.select(Case.id).where(Case.number == number).first().run()
        await PublishedRuling.insert(PublishedRuling(
            case=case["id"], verdict_id=verdict["id"], verdict_number=f"{verdict['number']}-{index}",
            verdict_code=verdict["code"], department=department, department_name="成都市交通运输局",
            category="城市管理", district="武侯区", grade="basic", total=72.0, summary=f"第{index}件：井盖缺失。",
            reply="已修复。", reasoning="评议组经合议认为答复基本清楚。",
            scores='[{"code": "C1", "name": "响应及时性", "weight": 0.2, "mean": 3.6, "scale_max": 5}]',
            criteria_name="评议标准", criteria_version=1, criteria_hash="0" * 64, issued_on=now().date(),
            published_at=now())).run()


async def _counted(path: str) -> tuple[int, str]:
    async with factories.client() as http:
        assert (await http.get(path)).status_code == 200
        with db.count_queries() as counted:
            answer = await http.get(path)
    assert answer.status_code == 200
    return counted.count, answer.text


@pytest.mark.parametrize("path", ["/public/rulings", "/api/v1/public/rulings"])
async def test_the_list_counts_the_same_statements_for_more_rulings(path: str) -> None:
    office = await factories.account("office")
    await factories.roster()
    _, verdict = await issued_verdict(office)
    await _publish_copies(verdict, 2)
    few, _ = await _counted(path)
    await _publish_copies(verdict, 4)
    more, text = await _counted(path)
    assert all(f"第{i}件" in text for i in range(4)) and text.count("井盖缺失") >= 6
    assert more == few
