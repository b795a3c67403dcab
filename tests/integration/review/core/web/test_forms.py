"""One error form, always: hostile or careless input is a 4xx naming the field, on both databases alike, and a
failure nobody foresaw is a 500 in the same form with an error id that the log holds without request data."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest

from review.accounts.services import auth
from review.assessments.services import figures as figure_reading
from review.cases import services as cases
from review.core.actors import Actor
from review.core.tables import AuditEvent, Case
from scoring.services import criteria as criteria_admin
from tests import factories
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

KEY = "hotline-key"
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


def _error(response: httpx.Response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text[:400]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code and body["error"]["message"]
    assert body["error"].get("field") == field
    return body["error"]


def _page(response: httpx.Response, status: int, *texts: str) -> None:
    assert response.status_code == status, response.text[:400]
    assert response.headers["content-type"].startswith("text/html")
    for text in texts:
        assert text in response.text


async def _hotline() -> dict[str, str]:
    await factories.department()
    await auth.create_api_key(name="hotline", key=KEY)
    return {"X-API-Key": KEY}


async def _bearer(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {await auth.issue_token(actor)}"}


async def _signed_in(actor: Actor, http: httpx.AsyncClient, page: str) -> str:
    """The browser of a logged-in actor on `page`: the form's CSRF token."""
    token, _ = await auth.start_session(actor)
    http.cookies.set("rv_session", token)
    found = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get(page)).text)
    assert found, page
    return found[1]


# --- JSON bodies -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"[" * 1000 + b"]" * 1000,
                                  b'{"case_number": ' + b"[" * 1000 + b"]" * 1000 + b"}",
                                  b'{"case_number": ' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"}"])
async def test_json_nested_too_deep_is_422_invalid_json_for_anyone(body: bytes) -> None:
    async with factories.client() as http:
        response = await http.post("/api/v1/track", content=body, headers=JSON)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_json"


async def test_json_lone_surrogate_is_422_naming_the_field_for_anyone() -> None:
    async with factories.client() as http:
        value = await http.post("/api/v1/track", content=b'{"case_number": "PY\\ud800", "access_code": "x"}',
                                headers=JSON)
        key = await http.post("/api/v1/track", content=b'{"\\udfff": "x"}', headers=JSON)

    _error(value, 422, "invalid_text", "case_number")
    _error(key, 422, "invalid_text", "body")


@pytest.mark.parametrize(("override", "field"), [({"content": "井盖\x00缺失"}, "content"),
                                                 ({"complainant": {"name": "王\x00小明", "phone": "13800001234"}},
                                                  "complainant.name")])
async def test_json_nul_is_refused_on_both_databases_and_nothing_is_stored(override: dict, field: str) -> None:
    headers = await _hotline()
    async with factories.client(**headers) as http:
        response = await http.post("/api/v1/cases", json=factories.payload(**override))

    _error(response, 422, "invalid_text", field)
    assert await Case.count().run() == 0 and await AuditEvent.count().run() == 0


# --- web forms --------------------------------------------------------------------------------------------


async def test_form_nul_is_refused_on_both_databases_and_nothing_is_stored() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    async with factories.client() as http:
        csrf = await _signed_in(office, http, f"/office/cases/{number}")
        response = await http.post(f"/office/cases/{number}/dismiss",
                                   data={"csrf_token": csrf, "reason": "不属于\x00受理范围"})

    _page(response, 422, "reason", "invalid_text")
    row = await Case.select(Case.status).where(Case.number == number).first().run()
    assert row["status"] == "received"


async def test_form_lone_surrogate_is_refused_not_stored_as_replacement_characters() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    async with factories.client() as http:
        csrf = await _signed_in(office, http, f"/office/cases/{number}")
        encoded = await http.post(f"/office/cases/{number}/dismiss", headers=FORM,
                                  content=f"csrf_token={csrf}&reason=%ED%A0%80".encode())
        # a multipart body may name a charset that decodes to a lone surrogate
        smuggled = await http.post(
            f"/office/cases/{number}/dismiss", headers={"content-type": "multipart/form-data; boundary=xx; "
                                                        "charset=unicode_escape"},
            content=(f'--xx\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
                     '--xx\r\nContent-Disposition: form-data; name="reason"\r\n\r\n\\ud800\r\n--xx--\r\n').encode())

    _page(encoded, 422, "reason", "invalid_text")
    _page(smuggled, 422, "reason", "invalid_text")
    row = await Case.select(Case.status).where(Case.number == number).first().run()
    assert row["status"] == "received"


async def test_anonymous_form_with_nul_is_422_not_a_server_error() -> None:
    async with factories.client() as http:
        page = await http.get("/track")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]  # type: ignore[index]
        response = await http.post("/track", data={"csrf_token": csrf, "case_number": "PY\x00", "access_code": "x"})

    _page(response, 422, "case_number")


# --- query and path parameters -------------------------------------------------------------------------------


async def test_page_not_a_number_is_422_naming_page_on_api_and_web() -> None:
    office = await factories.account("office")
    async with factories.client(**await _bearer(office)) as http:
        api = await http.get("/api/v1/roster", params={"page": "abc"})
        huge = await http.get("/api/v1/roster", params={"page": "99999999999999999999"})
    async with factories.client() as http:
        await _signed_in(office, http, "/office/roster")
        web = await http.get("/office/roster", params={"page": "abc"})

    _error(api, 422, "invalid_field", "page")
    _error(huge, 422, "invalid_field", "page")
    _page(web, 422, "page")


async def test_query_and_path_nul_is_422_on_both_databases() -> None:
    office = await factories.account("office")
    async with factories.client(**await _bearer(office)) as http:
        query = await http.get("/api/v1/roster", params={"q": "王\x00"})
        path = await http.get("/api/v1/verdicts/AB%00CD")

    _error(query, 422, "invalid_text", "q")
    _error(path, 422, "invalid_text", "code")


async def test_path_number_beyond_any_stored_id_is_404_on_both_databases() -> None:
    office = await factories.account("office")
    async with factories.client(**await _bearer(office)) as http:
        member = await http.get("/api/v1/roster/99999999999999999999")
        bulk = await http.get("/api/v1/verdicts/bulk/99999999999999999999")

    _error(member, 404, "not_found")
    _error(bulk, 404, "not_found")


async def test_revision_not_a_number_is_422_with_the_sheet_as_typed() -> None:
    number, _, _, members = await convened_case()
    async with factories.client() as http:
        csrf = await _signed_in(members[0], http, f"/panel/cases/{number}")
        response = await http.post(f"/panel/cases/{number}/scores",
                                   data={"csrf_token": csrf, "revision": "x", "value_C1": "3",
                                         "reason_C1": "现场核查记录齐全，答复及时"})

    _page(response, 422, "revision", "现场核查记录齐全，答复及时")


async def test_revision_not_a_number_is_422_on_the_api() -> None:
    number, _, _, members = await convened_case()
    async with factories.client(**await _bearer(members[0])) as http:
        response = await http.post(f"/api/v1/cases/{number}/scores",
                                   json={"revision": "x", "scores": factories.full_scores(3)})

    _error(response, 422, "invalid_field", "revision")


@pytest.mark.parametrize("rows", ["x", "1000000000"])
async def test_criteria_rows_not_a_count_is_422_on_the_draft_page(rows: str) -> None:
    office = await factories.account("office")
    versions = await criteria_admin.versions()
    content = await criteria_admin.load_content(versions[0]["id"])
    from scoring.domain.criteria import content_json

    set_id = await criteria_admin.create_draft(actor=office, content=content_json(content))
    async with factories.client() as http:
        csrf = await _signed_in(office, http, f"/office/criteria/{set_id}")
        response = await http.post(f"/office/criteria/{set_id}", data={"csrf_token": csrf, "rows": rows})

    _page(response, 422, "rows")


# --- a failure nobody foresaw --------------------------------------------------------------------------------


PERSONAL = "王小明 13800001234 成都市武侯区玉林南路 8 号"  # what an exception's message might quote


def _failing(*args: object, **kwargs: object) -> None:
    raise RuntimeError(PERSONAL)


async def test_unforeseen_failure_on_the_api_is_json_with_an_error_id_the_log_holds_without_request_data(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    headers = await _hotline()
    monkeypatch.setattr(cases, "intake_case", _failing)

    with caplog.at_level(logging.ERROR):
        async with factories.client(**headers) as http:
            response = await http.post("/api/v1/cases?phone=13900002222", json=factories.payload())

    error = _error(response, 500, "internal_error")
    error_id = error["error_id"]
    assert error_id in error["message"]
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(logged) == 1
    text = logged[0].getMessage()
    assert "POST /api/v1/cases" in text and "_failing" in text and "RuntimeError" in text
    for personal in ("王小明", "13800001234", "13900002222", "玉林南路", "CD12345", "phone="):
        assert personal not in caplog.text
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_unforeseen_failure_on_the_web_is_a_page_with_the_error_id(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(figure_reading, "period_league", _failing)

    with caplog.at_level(logging.ERROR):
        async with factories.client() as http:
            response = await http.get("/public/assessments", params={"period": "2026-10"})

    _page(response, 500, "服务器内部错误")
    error_id = re.search(r"错误编号：<strong>([0-9A-F]+)</strong>", response.text)[1]  # type: ignore[index]
    assert any(error_id in r.getMessage() and "GET /public/assessments" in r.getMessage() for r in caplog.records)
    assert "2026-10" not in caplog.text and "13800001234" not in caplog.text


async def test_unforeseen_failure_on_v1_json_route_keeps_the_form(monkeypatch: pytest.MonkeyPatch) -> None:
    office = await factories.account("office")
    monkeypatch.setattr(figure_reading, "period_league", _failing)
    async with factories.client(**await _bearer(office)) as http:
        response = await http.get("/api/v1/assessments")

    error = _error(response, 500, "internal_error")
    assert re.fullmatch(r"[0-9A-F]{12}", error["error_id"])
    assert json.dumps(response.json(), ensure_ascii=False).count("13800001234") == 0
