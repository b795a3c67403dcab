"""The demo's rulings answered on publication as complainants would: most consent and are published once their
verdicts are rendered, some refuse, a few never answer."""

from __future__ import annotations

import pytest

from review.demo.seeding import seed_demo
from review.publication.tables import PublicationConsent, PublishedRuling
from scoring.tables import Ruling
from tests.conftest import run_jobs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_the_demo_publishes_the_rulings_whose_complainants_consent() -> None:
    await seed_demo(cases_count=24, progress=lambda _: None)
    await run_jobs()
    await run_jobs()
    rulings = await Ruling.count()
    granted = await PublicationConsent.count().where(PublicationConsent.answer == "granted")
    refused = await PublicationConsent.count().where(PublicationConsent.answer == "refused")
    assert rulings and granted and granted + refused <= rulings
    assert await PublishedRuling.count().where(PublishedRuling.status == "published") == granted
