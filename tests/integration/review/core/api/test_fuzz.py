"""Schemathesis against the live API, from its own OpenAPI document: no server error, no reply outside its
declared schema, no status the document does not name.

The app is served by uvicorn on the test's event loop (so it shares the database the fixtures built); the
generated requests are sent from a worker thread. Each operation is called with the credentials its policy
asks for, so the fuzzing reaches past the access check. REVIEW_FUZZ_EXAMPLES raises the examples per
operation (default 6); REVIEW_FUZZ_RANDOM=1 draws new examples instead of the fixed sequence.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from panels.tables import Seat
from review.accounts.services import auth
from tests import factories
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

EXAMPLES = int(os.environ.get("REVIEW_FUZZ_EXAMPLES", "6"))
KEY = "fuzz-hotline-key"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
_CREDENTIAL_HEADERS = {"authorization", "x-api-key"}
# The PDF to verify is the request body itself, as bytes.
schemathesis.serializer.alias("application/pdf", "application/octet-stream")


async def _world() -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Headers per policy name (the office, a seated member, the department's liaison, the hotline platform) and
    path parameters naming things that exist (a case being scored, its panel and a seat, a roster member, the
    criteria in force), so that requests get past the lookup to the checks behind it."""
    await factories.department()
    await auth.create_api_key(name="hotline", key=KEY)
    number, _, office, members = await convened_case()
    liaison = await factories.account("liaison")
    seat = await Seat.select(Seat.id, Seat.panel, Seat.member).where(Seat.panel.case.number == number).first().run()
    known = {"number": number, "seat_id": seat["id"], "panel_id": seat["panel"], "member_id": seat["member"],
             "version": 1}
    member = members[0]

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    office_headers = bearer(await auth.issue_token(office))
    return known, {
        "office": office_headers,
        "staff": office_headers,
        "case_party": office_headers,
        "member": bearer(await auth.issue_token(member)),
        "party": bearer(await auth.issue_token(liaison)),
        "hotline": {"X-API-Key": KEY},
        "staff_or_hotline": {"X-API-Key": KEY},
        "office_or_hotline": {"X-API-Key": KEY},
    }


@pytest.fixture
async def live_api() -> AsyncIterator[str]:
    """The app served over HTTP on this event loop (the database fixture runs its lifespan)."""
    from review.app import app

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _try_operation(api_operation: Any, base_url: str, headers: dict[str, str], known: dict[str, Any]) -> None:
    """Send one operation's generated cases and check each reply; raises the first failure Hypothesis keeps."""
    existing = {k: v for k, v in known.items() if k in re.findall(r"\{(\w+)\}", api_operation.path)}
    # Inputs the document allows and inputs it does not (wrong types, missing fields, values out of range).
    kinds = [api_operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    if existing:
        kinds += [api_operation.as_strategy(generation_mode=mode, path_parameters=existing) for mode in GenerationMode]
    cases = st.one_of(kinds)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              derandomize=not os.environ.get("REVIEW_FUZZ_RANDOM"),
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def check(case: Any) -> None:
        # Generated credentials would stand in for the real ones (a bearer token is read before an API key).
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in _CREDENTIAL_HEADERS}
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS)

    check()


def _fuzz(base_url: str, known: dict[str, Any], credentials: dict[str, dict[str, str]]) -> list[str]:
    """Every operation tried in turn; the failures found, one entry each."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        api_operation = result.ok()
        headers = credentials.get(api_operation.definition.raw.get("x-policy", ""), {})
        try:
            _try_operation(api_operation, base_url, headers, known)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every operation is tried, all reported
            failures.append(f"{api_operation.method.upper()} {api_operation.path}: {error}")
    return failures


async def test_api_fuzzing_finds_no_server_error_and_no_reply_outside_the_document(live_api: str) -> None:
    known, credentials = await _world()

    failures = await asyncio.to_thread(_fuzz, live_api, known, credentials)

    assert failures == [], "\n\n".join(failures)
