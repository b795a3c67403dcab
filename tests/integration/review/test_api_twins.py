"""DESIGN §10: every action of the web UI is also an API call with the same checks.

The twin table maps each web form action to its API call; a web POST route with neither a twin nor a listed
exception fails the test, and so does a form in a template that posts to no route.
"""

from __future__ import annotations

import re

import pytest
from starlette.routing import BaseRoute, Mount, Route

from review.accounts.services import auth
from review.app import app
from review.cases import services as cases
from review.cases import web as pages
from review.convening.services import convene_panel
from review.core import settings
from review.core.actors import Policy
from review.core.tables import ApiToken, Case
from review.rulings import web as scoring_pages
from tests import factories
from tests.integration.review.verdicts.test_services import issued_verdict

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

# Web action (its route's path, with a dispatched last segment filled in) → its API twin.
TWINS = {
    "/login": "POST /api/v1/auth/token",
    "/logout": "POST /api/v1/auth/logout",
    "/account/tokens/{token_id:int}/revoke": "DELETE /api/v1/auth/tokens/{token_id:int}",
    "/login/code": "POST /api/v1/auth/token",  # the API takes the code with the password (`totp`)
    "/account/security/totp": "POST /api/v1/me/totp",
    "/account/security/totp/confirm": "POST /api/v1/me/totp/confirm",
    "/account/security/totp/disable": "POST /api/v1/me/totp/disable",
    "/account/setup/{token}": "POST /api/v1/accounts/setup",  # the link's token in the body
    "/office/accounts": "POST /api/v1/accounts",
    "/office/webhooks": "POST /api/v1/webhooks",
    "/office/webhooks/{endpoint_id:int}": "POST /api/v1/webhooks/{endpoint_id:int}",
    "/office/webhooks/{endpoint_id:int}/rotate": "POST /api/v1/webhooks/{endpoint_id:int}/rotate",
    "/office/webhooks/{endpoint_id:int}/disable": "POST /api/v1/webhooks/{endpoint_id:int}/disable",
    "/office/webhooks/{endpoint_id:int}/enable": "POST /api/v1/webhooks/{endpoint_id:int}/enable",
    "/office/webhooks/{endpoint_id:int}/replay-failed": "POST /api/v1/webhooks/{endpoint_id:int}/replay-failed",
    "/office/webhooks/deliveries/{delivery_id:int}/replay": "POST /api/v1/webhooks/deliveries/{delivery_id:int}/replay",
    "/office/accounts/{account_id:int}/reset": "POST /api/v1/accounts/{account_id:int}/reset",
    "/office/accounts/{account_id:int}/deactivate": "POST /api/v1/accounts/{account_id:int}/deactivate",
    "/office/accounts/{account_id:int}/reactivate": "POST /api/v1/accounts/{account_id:int}/reactivate",
    "/track": "POST /api/v1/track",
    "/notifications/{notification_id:int}/read": "POST /api/v1/notifications/{notification_id:int}/read",
    "/notifications/read-all": "POST /api/v1/notifications/read-all",
    "/track/notifications/{notification_id:int}/read": "POST /api/v1/notifications/{notification_id:int}/read",
    "/track/notifications/read-all": "POST /api/v1/notifications/read-all",
    "/account/notifications": "POST /api/v1/notifications/preferences",
    "/verify/{code}": "POST /api/v1/verify/{code}",  # any document's code, as the page; verdicts also …/verdicts/…
    "/office/cases/{number}/accept": "POST /api/v1/cases/{number}/screen",
    "/office/cases/{number}/dismiss": "POST /api/v1/cases/{number}/screen",
    "/office/cases/{number}/convene": "POST /api/v1/cases/{number}/panel",
    "/office/cases/{number}/close": "POST /api/v1/cases/{number}/close",
    "/office/cases/{number}/withdraw": "POST /api/v1/cases/{number}/withdraw",
    "/office/cases/{number}/settle": "POST /api/v1/cases/{number}/settle",
    "/office/cases/{number}/access-code": "POST /api/v1/cases/{number}/access-code",
    "/office/cases/{number}/close-scoring": "POST /api/v1/cases/{number}/scoring/close",
    "/office/cases/{number}/ruling": "POST /api/v1/cases/{number}/ruling",
    "/office/cases/{number}/reconsideration": "POST /api/v1/cases/{number}/reconsideration/decision",
    "/office/cases/{number}/verdict/withdraw": "POST /api/v1/cases/{number}/verdict/withdraw",
    "/office/cases/{number}/verdict/correct": "POST /api/v1/cases/{number}/verdict/correct",
    "/office/verdicts/bulk": "POST /api/v1/verdicts/bulk",
    "/office/holidays": "POST /api/v1/holidays/import",
    "/office/holidays/import": "POST /api/v1/holidays/import",
    "/office/audit": "POST /api/v1/audit/heads",
    "/office/roster/import": "POST /api/v1/roster/import",
    "/office/roster/{member_id:int}": "POST /api/v1/roster/{member_id:int}",
    "/office/templates": "POST /api/v1/templates",
    "/office/challenges/{challenge_id:int}": "POST /api/v1/challenges/{challenge_id:int}/decision",
    "/office/rounds": "POST /api/v1/rounds",
    "/office/criteria": "POST /api/v1/criteria/drafts",
    "/office/criteria/{set_id:int}": "POST /api/v1/criteria/drafts/{draft_id}",
    "/office/criteria/{set_id:int}/publish": "POST /api/v1/criteria/drafts/{draft_id}/publish",
    "/office/assessments/scheme": "POST /api/v1/assessments/scheme/drafts",
    "/office/assessments/scheme/{draft_id:int}": "POST /api/v1/assessments/scheme/drafts/{draft_id}",
    "/office/assessments/scheme/{draft_id:int}/publish": "POST /api/v1/assessments/scheme/drafts/{draft_id}/publish",
    "/office/assessments/figures": "POST /api/v1/assessments/figures",
    "/office/clocks/draft": "PUT /api/v1/clocks/policy/draft",
    "/office/clocks/publish": "POST /api/v1/clocks/policy/draft/publish",
    "/office/assessments/exports": "POST /api/v1/assessments/exports",
    "/office/selection": "POST /api/v1/selection/proposals",
    "/office/selection/policy": "POST /api/v1/selection/policy/drafts",
    "/office/selection/policy/{draft_id:int}": "POST /api/v1/selection/policy/drafts/{draft_id}",
    "/office/selection/policy/{draft_id:int}/publish": "POST /api/v1/selection/policy/drafts/{draft_id}/publish",
    "/office/selection/{selection_id:int}/adjust": "POST /api/v1/selection/proposals/{selection_id}/adjustments",
    "/office/selection/{selection_id:int}/apply": "POST /api/v1/selection/proposals/{selection_id}/apply",
    "/office/selection/{selection_id:int}/discard": "POST /api/v1/selection/proposals/{selection_id}/discard",
    "/office/selection/cases/{number}/review-request": "POST /api/v1/cases/{number}/review-request",
    "/track/case/review-request": "POST /api/v1/cases/{number}/review-request",
    "/panel/invitations/{seat_id:int}": "POST /api/v1/invitations/{seat_id:int}",
    "/panel/declarations": "POST /api/v1/me/declarations",
    "/panel/cases/{number}/scores": "POST /api/v1/cases/{number}/scores",
    "/panel/cases/{number}/deliberation/message": "POST /api/v1/cases/{number}/deliberation/messages",
    "/panel/cases/{number}/deliberation/reasoning": "POST /api/v1/cases/{number}/deliberation/reasoning",
    "/panel/cases/{number}/deliberation/dissent": "POST /api/v1/cases/{number}/deliberation/dissent",
    "/panel/cases/{number}/deliberation/sign": "POST /api/v1/cases/{number}/deliberation/sign",
    "/cases/{number}/challenges": "POST /api/v1/seats/{seat_id:int}/challenges",
    "/liaison/cases/{number}/reconsideration": "POST /api/v1/cases/{number}/reconsideration",
    "/track/case/reconsideration": "POST /api/v1/cases/{number}/reconsideration",
    # multipart on both: the statement and up to 5 files (the API also takes a JSON statement alone)
    "/liaison/cases/{number}/redo-order/report": "POST /api/v1/cases/{number}/redo-order/report",
    "/office/cases/{number}/redo-order/accept": "POST /api/v1/cases/{number}/redo-order/accept",
    "/office/cases/{number}/redo-order/return": "POST /api/v1/cases/{number}/redo-order/return",
    "/panel/cases/{number}/redo-order/accept": "POST /api/v1/cases/{number}/redo-order/accept",
    "/panel/cases/{number}/redo-order/return": "POST /api/v1/cases/{number}/redo-order/return",
    "/track/case/redo-order/feedback": "POST /api/v1/cases/{number}/redo-order/feedback",
    "/track/case/file/additions": "POST /api/v1/cases/{number}/file/statements",
    "/liaison/cases/{number}/file/additions": "POST /api/v1/cases/{number}/file/statements",
    "/office/cases/{number}/file/additions": "POST /api/v1/cases/{number}/file/statements",
    "/office/cases/{number}/mediation/open": "POST /api/v1/cases/{number}/mediation",
    "/office/cases/{number}/mediation/sessions": "POST /api/v1/cases/{number}/mediation/sessions",
    "/office/cases/{number}/mediation/extend": "POST /api/v1/cases/{number}/mediation/extend",
    "/office/cases/{number}/mediation/end": "POST /api/v1/cases/{number}/mediation/end",
    "/office/cases/{number}/mediation/settle": "POST /api/v1/cases/{number}/mediation/settle",
    "/office/cases/{number}/mediation/withdraw": "POST /api/v1/cases/{number}/mediation/withdraw",
    "/panel/cases/{number}/mediation/open": "POST /api/v1/cases/{number}/mediation",
    "/mediation/participants/{id:int}/answer": "POST /api/v1/mediation/participants/{id:int}/answer",
    "/mediation/{id:int}/messages": "POST /api/v1/mediation/{id:int}/messages",
    "/mediation/{id:int}/agreement/versions": "POST /api/v1/mediation/{id:int}/agreement/versions",
    "/mediation/{id:int}/agreement/confirmations": "POST /api/v1/mediation/{id:int}/agreement/confirmations",
    "/mediation/{id:int}/minutes": "PUT /api/v1/mediation/{id:int}/minutes",
    "/mediation/{id:int}/minutes/comments": "POST /api/v1/mediation/{id:int}/minutes/comments",
    "/mediation/{id:int}/consents": "POST /api/v1/mediation/{id:int}/consents",
    "/mediation/{id:int}/consents/move": "POST /api/v1/mediation/{id:int}/consents/move",
    "/track/case/publication": "POST /api/v1/cases/{number}/publication/consent",
    "/office/cases/{number}/publication/hold": "POST /api/v1/cases/{number}/publication/hold",
    "/office/cases/{number}/publication/release": "POST /api/v1/cases/{number}/publication/release",
    "/office/cases/{number}/publication/recheck": "POST /api/v1/cases/{number}/publication/recheck",
}

# Web actions without an API twin, each with its reason.
EXCEPTIONS: dict[str, str] = {
    "/login/setup": "首次登录时设置必需的两步验证只在网页上进行：API 不向未设置两步验证的办公室账号签发令牌",
    "/locale": "语言切换只记在浏览器的 Cookie 里；API 的客户端以每个请求的 Accept-Language 选择语言",
}


# Routes whose last path segment picks one of several actions: the values it takes.
DISPATCHED = {
    "/office/cases/{number}/{action}": pages.OFFICE_ACTIONS,
    "/panel/cases/{number}/deliberation/{what}": scoring_pages.DELIBERATION_STEPS,
}


def _leaves(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, Route]]:
    found = []
    for r in routes:
        path = prefix + getattr(r, "path", "")
        if isinstance(r, Mount):
            found.extend(_leaves(list(r.routes or []), path))
        elif isinstance(r, Route):
            found.append((path, r))
    return found


def _web_actions() -> dict[str, Policy]:
    """Every action a web form can post: path → the route's policy."""
    actions = {}
    for path, r in _leaves(list(app.routes)):
        if path.startswith("/api/") or "POST" not in (r.methods or set()):
            continue
        if path in DISPATCHED:
            head = path.rsplit("/", 1)[0]
            actions.update({f"{head}/{value}": r.policy for value in DISPATCHED[path]})  # type: ignore[attr-defined]
        else:
            actions[path] = r.policy  # type: ignore[attr-defined]
    return actions


def _api_calls() -> dict[str, Policy]:
    return {
        f"{m} {path}": r.policy
        for path, r in _leaves(list(app.routes))
        if path.startswith("/api/")  # type: ignore[attr-defined]
        for m in (r.methods or set())
        if m != "HEAD"
    }


_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*\baction=\"([^\"]+)\"", re.IGNORECASE)


def _form_actions() -> list[tuple[str, str]]:
    """(template, action) of every POST form in the templates, Jinja expressions read as path segments."""
    found = []
    for template in sorted(settings.TEMPLATES_DIR.rglob("*.html")):
        for action in _FORM.findall(template.read_text(encoding="utf-8")):
            whole = re.fullmatch(r"\{\{(.*)\}\}", action.strip())
            # action="{{ 'a' if x else 'b' ~ y ~ 'c' }}": each branch of the expression is one action.
            branches = re.split(r"\s+if\s+.+?\s+else\s+", whole.group(1).strip()) if whole else [action]
            for branch in branches:
                if whole:
                    branch = re.sub(r"'\s*~\s*[\w.]+\s*~\s*'", "{x}", branch).replace("'", "").strip()
                found.append(
                    (
                        str(template.relative_to(settings.TEMPLATES_DIR)),
                        re.sub(r"\{\{[^}]*\}\}", "{x}", branch),
                    )
                )
    return found


def _matches(form_action: str, web_action: str) -> bool:
    pattern = "".join(
        "[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}]+\})", form_action)
    )
    return re.fullmatch(pattern, web_action) is not None


def test_every_web_action_has_an_api_twin_or_a_stated_exception() -> None:
    web, api = _web_actions(), _api_calls()

    unmapped = sorted(set(web) - set(TWINS) - set(EXCEPTIONS))
    missing = sorted({twin for twin in TWINS.values() if twin not in api})

    assert len(web) >= 30
    assert unmapped == [], (
        "web actions without an API twin: add one, or list it in EXCEPTIONS with its reason"
    )
    assert missing == [], "twins named in TWINS that the API does not have"
    assert all(reason.strip() for reason in EXCEPTIONS.values())


def test_api_twins_admit_everyone_their_web_action_admits() -> None:
    web, api = _web_actions(), _api_calls()

    narrower = {
        path: (sorted(web[path].kinds), sorted(api[twin].kinds))
        for path, twin in TWINS.items()
        if path in web and twin in api and web[path].kinds and not web[path].kinds <= api[twin].kinds
    }

    assert narrower == {}


def test_every_template_form_posts_to_a_web_action() -> None:
    forms = _form_actions()
    web = _web_actions()

    stray = [(template, action) for template, action in forms if not any(_matches(action, w) for w in web)]

    assert len(forms) >= 30
    assert stray == []
    assert ("case.html", "/office/cases/{x}/{x}") in forms  # the withdraw/settle loop was read


async def _convened() -> tuple[str, str, object]:
    office = await factories.account("office")
    await factories.roster()
    number, code = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    return number, code, office


async def _bearer(actor: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {await auth.issue_token(actor)}"}  # type: ignore[arg-type]


async def _status(number: str) -> str:
    return (await Case.select(Case.status).where(Case.number == number).first().run())["status"]


@pytest.mark.parametrize("action", ["withdraw", "settle"])
async def test_api_withdraw_and_settle_need_a_reason_and_the_office(action: str) -> None:
    number, _, office = await _convened()
    member = await factories.account("member")

    async with factories.client(**await _bearer(member)) as http:
        refused = await http.post(f"/api/v1/cases/{number}/{action}", json={"reason": "双方达成一致"})
    async with factories.client(**await _bearer(office)) as http:
        no_reason = await http.post(f"/api/v1/cases/{number}/{action}", json={})
        status_between = await _status(number)
        done = await http.post(f"/api/v1/cases/{number}/{action}", json={"reason": "双方达成一致"})
        again = await http.post(f"/api/v1/cases/{number}/{action}", json={"reason": "双方达成一致"})

    assert refused.status_code == 403
    assert (no_reason.status_code, no_reason.json()["error"]["field"]) == (422, "reason")
    assert status_between == "panel_ready"
    assert done.status_code == 200 and done.json() == {
        "status": {"withdraw": "withdrawn", "settle": "settled"}[action]
    }
    assert again.status_code == 409
    assert await _status(number) == done.json()["status"]


async def test_api_close_only_a_ruled_case() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await factories.case()

    async with factories.client(**await _bearer(office)) as http:
        early = await http.post(f"/api/v1/cases/{number}/close")

    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"
    assert await _status(number) == "received"


async def test_api_verdict_download_with_bearer_token_is_the_pdf_not_a_login_redirect() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, verdict = await issued_verdict(office)
    liaison_elsewhere = await factories.account(
        "liaison", department_id=await factories.department("CDSW", "水务局")
    )

    async with factories.client(**await _bearer(office)) as http:
        detail = (await http.get(f"/api/v1/cases/{number}")).json()
        api_pdf = await http.get(detail["verdict"]["download"])
        web_pdf = await http.get(f"/cases/{number}/verdict.pdf")
    async with factories.client(Authorization="Bearer made-up") as http:
        bad_token = await http.get(f"/cases/{number}/verdict.pdf")
    async with factories.client(**await _bearer(liaison_elsewhere)) as http:
        hidden = await http.get(f"/api/v1/cases/{number}/verdict.pdf")

    assert detail["verdict"]["download"] == f"/api/v1/cases/{number}/verdict.pdf"
    assert (api_pdf.status_code, api_pdf.headers["content-type"]) == (200, "application/pdf")
    assert api_pdf.content.startswith(b"%PDF") and api_pdf.content == web_pdf.content
    assert (bad_token.status_code, bad_token.json()["error"]["code"]) == (401, "unauthorized")
    assert "location" not in bad_token.headers
    assert hidden.status_code == 404
    assert verdict["full_sha256"]


async def test_hotline_pulls_the_ruling_of_a_case_it_pushed_and_of_no_other() -> None:
    office = await factories.account("office")
    await factories.roster()
    own_key = await auth.create_api_key(name="hotline")  # the factories push as hotline:hotline
    other_key = await auth.create_api_key(name="mailbox")
    body = factories.payload()
    number, _ = await factories.case(source_ref=body["source_ref"])
    await factories.department()

    async with factories.client(**{"X-API-Key": own_key}) as http:
        before = await http.get(f"/api/v1/cases/{body['source_ref']}/ruling")
    async with factories.client(**{"X-API-Key": other_key}) as http:
        foreign = await http.get(f"/api/v1/cases/{number}/ruling")
    async with factories.client(**await _bearer(office)) as http:
        staff = await http.get(f"/api/v1/cases/{number}/ruling")

    assert before.status_code == 200
    assert before.json()["ruling"] is None and before.json()["status"] == "received"
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (404, "case_not_found")
    assert staff.status_code == 403


async def test_hotline_pull_after_the_ruling_names_grade_and_verdict() -> None:
    office = await factories.account("office")
    await factories.roster()
    key = await auth.create_api_key(name="hotline")
    number, verdict = await issued_verdict(office)

    async with factories.client(**{"X-API-Key": key}) as http:
        pulled = (await http.get(f"/api/v1/cases/{number}/ruling")).json()

    assert pulled["status"] == "ruled" and pulled["case_number"] == number
    assert pulled["ruling"]["grade"] in ("proper", "basic", "improper") and pulled["ruling"]["grade_label"]
    assert pulled["verdict"]["code"] == verdict["code"]
    assert pulled["verdict"]["verify_url"] == f"http://testserver/verify/{verdict['code']}"
    # A redo deadline counted across a year without an official holiday table says so, as on the case API.
    assert pulled["ruling"]["redo_deadline_provisional"] is (
        pulled["ruling"]["redo_deadline"] is not None and pulled["ruling"]["redo_deadline"] >= "2027-01-01"
    )


async def test_api_logout_revokes_the_token_presented() -> None:
    office = await factories.account("office")
    headers = await _bearer(office)

    async with factories.client(**headers) as http:
        before = await http.get("/api/v1/cases")
        out = await http.post("/api/v1/auth/logout")
        after = await http.get("/api/v1/cases")

    assert (before.status_code, out.status_code, after.status_code) == (200, 200, 401)
    assert await ApiToken.count().run() == 0


def test_twin_table_paths_are_real_routes() -> None:
    # A renamed web route must not leave a stale entry that hides the new one.
    web = _web_actions()

    stale = sorted(set(TWINS) - set(web))

    assert stale == []
