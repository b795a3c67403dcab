"""The demo carried through the real services: every stage, mediation included, is there to be looked at."""

from __future__ import annotations

import pytest

from review.assessments.services.figures import period_league
from review.assessments.tables import BaseFigures
from review.core.clock import today_in_china
from review.core.tables import Case
from review.demo.data import DEPARTMENTS
from review.demo.seeding import seed_demo
from review.mediation.tables import (
    Mediation,
    MediationAgreement,
    MediationAgreementVersion,
    MediationEvent,
    MediationParticipant,
    MediationSession,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_a_small_demo_holds_every_stage_and_a_mediation_in_progress_and_one_settled() -> None:
    counts = await seed_demo(cases_count=12, progress=lambda _: None)
    assert set(counts) == {"received", "dismissed", "accepted", "panel_ready", "under_review", "mediation",
                           "settled", "ruled", "closed"}
    statuses = {row["status"] for row in await Case.select(Case.status).run()}
    assert {"mediation", "settled"} <= statuses, statuses

    mediations = await Mediation.select(Mediation.id, Mediation.status).order_by(Mediation.id).run()
    assert len(mediations) == counts["mediation"] + counts["settled"]
    open_one = next(m for m in mediations if m["status"] == "open")
    sessions = await MediationSession.select().where(MediationSession.mediation == open_one["id"]).run()
    assert len(sessions) == 1 and sessions[0]["location"]
    invited = await MediationParticipant.select(MediationParticipant.kind).where(
        MediationParticipant.session == sessions[0]["id"]).run()
    assert {"complainant", "liaison"} <= {p["kind"] for p in invited}
    said = await MediationEvent.select(MediationEvent.kind, MediationEvent.author_kind).where(
        MediationEvent.mediation == open_one["id"]).order_by(MediationEvent.id).run()
    assert {e["author_kind"] for e in said if e["kind"] == "message"} == {"office", "complainant", "liaison"}
    assert await MediationAgreementVersion.count().where(MediationAgreementVersion.mediation == open_one["id"]) == 1

    settled = [m for m in mediations if m["status"] != "open"]
    assert settled and await MediationAgreement.count().where(
        MediationAgreement.mediation.is_in([m["id"] for m in settled])) == len(settled)
    assert await seed_demo(cases_count=12, progress=lambda _: None) == {}  # idempotent


async def test_the_demo_holds_twelve_months_of_base_figures_and_leaves_this_month_to_import() -> None:
    await seed_demo(cases_count=3, progress=lambda _: None)
    periods = {row["period"] for row in await BaseFigures.select(BaseFigures.period).run()}
    today = today_in_china()
    assert len(periods) == 12 and f"{today.year}-{today.month:02d}" not in periods
    last = max(periods)
    table = await period_league(last)
    assert table.city.departments == len(DEPARTMENTS) and not table.not_imported
    assert all(f.ranked for f in table.departments)
    assert len({f.composite for f in table.departments}) > 1
