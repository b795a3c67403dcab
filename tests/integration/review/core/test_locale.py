"""The locale of a request: the switch's cookie, then Accept-Language, else Chinese. API refusals read in the
locale from Accept-Language with the same code; the switch redirects only to this site."""

from __future__ import annotations

import pytest

from review.core import i18n
from tests import factories
from tests.integration.panel_helpers import api, csrf_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _refused(language: str | None, path: str = "/api/v1/cases?limit=100000") -> dict:
    office = await factories.account("office")
    async with await api(office) as http:
        headers = {"Accept-Language": language} if language else {}
        answer = await http.get(path, headers=headers)
    assert answer.status_code == 422, answer.text
    assert "Accept-Language" in answer.headers["vary"]
    return answer.json()["error"]


async def test_an_api_refusal_reads_in_english_with_the_same_code() -> None:
    english = await _refused("en-GB,en;q=0.9,zh;q=0.5")
    chinese = await _refused(None)
    assert chinese["code"] == english["code"] == "invalid_field"
    assert chinese["field"] == english["field"] == "limit"
    assert chinese["message"].startswith("limit 应为 1 至 ")
    maximum = chinese["message"].removeprefix("limit 应为 1 至 ")
    assert english["message"] == f"limit should be 1 to {maximum}"


async def test_an_api_refusal_stays_chinese_for_chinese_or_unknown_languages() -> None:
    for language in ("zh-CN,zh;q=0.9,en;q=0.8", "fr-FR", "en;q=0"):
        assert (await _refused(language))["message"].startswith("limit 应为"), language


async def test_an_unauthenticated_api_call_is_refused_in_english_too() -> None:
    async with factories.client(**{"Accept-Language": "en"}) as http:
        answer = await http.get("/api/v1/cases")
    error = answer.json()["error"]
    assert answer.status_code == 401
    assert error["message"] == "Sign-in or a valid token is required", error


async def test_the_switch_sets_the_cookie_and_goes_back_to_the_page() -> None:
    async with factories.client() as http:
        answer = await http.get("/locale", params={"to": "en", "next": "/public/criteria?x=1"})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/public/criteria?x=1"
        assert http.cookies.get(i18n.LOCALE_COOKIE) == "en"
        page = await http.get("/no-such-page")  # the cookie now chooses, whatever the browser prefers
        assert page.status_code == 404
        assert "Page not found" in page.text and "页面不存在" not in page.text
        await http.get("/locale", params={"to": "zh_Hans", "next": "/"})
        page = await http.get("/no-such-page", headers={"Accept-Language": "en"})
        assert "页面不存在" in page.text


async def test_the_cookie_comes_before_accept_language_and_accept_language_before_the_default() -> None:
    async with factories.client(**{"Accept-Language": "en-US"}) as http:
        assert "Page not found" in (await http.get("/no-such-page")).text
        http.cookies.set(i18n.LOCALE_COOKIE, "zh_Hans")
        assert "页面不存在" in (await http.get("/no-such-page")).text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                                    "http:/evil.example", " /x", ""])
async def test_the_switch_never_redirects_off_site(target: str) -> None:
    async with factories.client() as http:
        answer = await http.get("/locale", params={"to": "en", "next": target})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


async def test_the_switch_refuses_an_unknown_locale_in_the_documented_form() -> None:
    async with factories.client() as http:
        answer = await http.get("/locale", params={"to": "fr", "next": "/"})
        assert answer.status_code == 422
        assert i18n.LOCALE_COOKIE not in http.cookies
    async with factories.client(**{"Accept-Language": "en"}) as http:
        answer = await http.get("/api/v1/cases?limit=0", headers={"Authorization": "Bearer nope"})
    assert answer.json()["error"]["code"]


async def test_the_switch_by_form_post_checks_the_csrf_token() -> None:
    async with factories.client() as http:
        page = await http.get("/login")
        refused = await http.post("/locale", data={"to": "en", "next": "/login"})
        assert refused.status_code == 403
        answer = await http.post("/locale", data={"to": "en", "next": "/login", "csrf_token": csrf_of(page)})
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
        assert http.cookies.get(i18n.LOCALE_COOKIE) == "en"


async def test_the_switch_partial_links_to_the_other_language_and_back_to_this_page() -> None:
    from starlette.requests import Request

    from review.core.web.templating import templates

    request = Request({"type": "http", "method": "GET", "path": "/public/criteria", "query_string": b"v=2",
                       "headers": [], "root_path": "", "server": ("testserver", 80), "scheme": "http"})
    partial = templates.get_template("partials/locale_switch.html")
    chinese = partial.render(request=request)
    assert 'href="/locale?to=en&amp;next=/public/criteria%3Fv%3D2"' in chinese
    assert 'aria-label="语言"' in chinese and '<span aria-current="true" lang="zh-Hans">中文</span>' in chinese
    with i18n.use_locale("en"):
        english = partial.render(request=request)
    assert 'aria-label="Language"' in english and 'href="/locale?to=zh_Hans&amp;next=' in english
    async with factories.client() as http:
        back = await http.get("/locale", params={"to": "en", "next": "/public/criteria?v=2"})
    assert back.headers["location"] == "/public/criteria?v=2"
