"""One case through the whole path on the services: intake to verdict and assessment."""

from __future__ import annotations

import pytest

from review.assessments.services import assessments
from review.cases import services as cases
from review.convening.services import convene_panel
from review.core.audit import store as audit
from review.core.tables import Case
from review.rulings.services.sheets import submit_sheet
from review.verdicts.services import stored_path
from review.verdicts.tables import Verdict
from tests import factories
from tests.conftest import run_jobs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_case_path_from_intake_to_verdict_and_assessment() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await factories.case()

    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    members = await factories.seated_members(number)
    assert len(members) == 5
    for member in members:
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(2))
    await factories.rule_case(number, office)
    await run_jobs()

    case = await Case.select().where(Case.number == number).first().run()
    verdict = await Verdict.select().where(Verdict.case == case["id"]).first().run()
    assert case["status"] == "ruled"
    assert verdict["status"] == "valid"
    assert verdict["number"] == f"评〔{verdict['year']}〕1号"
    assert stored_path(verdict["full_sha256"]).read_bytes().startswith(b"%PDF")
    rows = await assessments()
    assert [(r["department_code"], r["ruled_improper"], r["points_deducted"]) for r in rows] == [("CDJT", 1, 2)]
    checked, problem = await audit.verify()
    assert problem is None
    # intake, accept, seed committed, convene, 5 invitations accepted, start, 5 sheets, close scoring,
    # reasoning drafted and signed, ruling, the redo order it opens (办理不到位), rendered
    assert checked == 1 + 1 + 1 + 1 + 5 + 1 + 5 + 1 + 2 + 1 + 1 + 1
