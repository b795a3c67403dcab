"""The league kept per process moves as soon as anything it is computed from changes: an outcome recorded, a
department's figures imported again, a new department."""

from __future__ import annotations

import pytest

from review.assessments import services as assessments
from review.assessments.services import figures as reading
from tests import factories
from tests.integration.review.assessments.test_assessment_pages import _base, _setup

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _points(table, code: str) -> int:
    return next(f.points for f in table.departments if f.code == code)


async def test_a_recorded_outcome_moves_the_kept_league_and_its_page() -> None:
    ids = await _setup()
    first = await reading.period_league("2026-10")
    assert await reading.period_league("2026-10") is first  # kept while nothing changed
    async with factories.client() as http:
        before = (await http.get("/public/assessments", params={"period": "2026-10"})).text

    await assessments.record_outcome(department_id=ids["AAA"], grade="improper", period="2026-10")

    moved = await reading.period_league("2026-10")
    assert moved is not first
    assert _points(moved, "AAA") == _points(first, "AAA") + 2
    async with factories.client() as http:
        after = (await http.get("/public/assessments", params={"period": "2026-10"})).text
    assert after != before


async def test_figures_imported_again_and_a_new_department_move_it() -> None:
    ids = await _setup()
    first = await reading.period_league("2026-10")
    await _base(ids["CCC"], "2026-10", (500, 500, 500, 500, 500, 0, 0))
    again = await reading.period_league("2026-10")
    assert again is not first
    await factories.department("EEE", "EEE局")
    assert any(f.code == "EEE" for f in (await reading.period_league("2026-10")).departments)


async def test_first_time_visitors_share_one_kept_page_and_get_no_cookie() -> None:
    """The public league has no form: a first-time visitor is handed no CSRF cookie, the page may be stored by
    a cache, and every such visitor is served the one page kept (the login page still hands out its cookie)."""
    from review.assessments.web import league

    await _setup()
    league.forget_pages()
    for _ in range(3):
        async with factories.client() as http:  # a new browser each time: no cookies
            response = await http.get("/public/assessments", params={"period": "2026-10"})
        assert response.status_code == 200
        assert "set-cookie" not in response.headers
        assert "no-store" not in response.headers.get("cache-control", "")
    assert len(league._pages) == 1
    async with factories.client() as http:
        login = await http.get("/login")
    assert "rv_csrf=" in login.headers.get("set-cookie", "")
