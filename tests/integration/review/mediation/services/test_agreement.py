"""The agreement's services: versions on a base, confirmations of one version by its hash, voiding, sealing that
settles the case, refusals that change nothing."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from review.assessments.tables import AssessmentEntry
from review.cases.lifecycle import ACTION_LABELS
from review.core import settings
from review.core.actors import Actor
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.tables import Case
from review.mediation.services import agreement
from review.mediation.services.stage import open_mediation
from review.mediation.tables import (
    Mediation,
    MediationAgreement,
    MediationAgreementConfirmation,
    MediationAgreementVersion,
    MediationEvent,
)
from tests import factories
from tests.integration.panel_helpers import accepted_case, events

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

TEXT = "一、承办部门于十五日内修复路灯。\n二、诉求人对处理结果无异议。"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def _mediation(**case: Any) -> tuple[str, int, Actor, Actor, Actor]:
    """(number, mediation id, office, the complainant, a liaison of the case's department)."""
    office = await factories.account("office")
    number, _ = await accepted_case(office, **case)
    mediation_id = await open_mediation(number=number, actor=office)
    row = await Case.select(Case.id).where(Case.number == number).first().run()
    complainant = Actor(kind="complainant", case_id=row["id"])
    return number, mediation_id, office, complainant, await factories.account("liaison")


async def _status(number: str) -> str:
    return (await Case.select(Case.status).where(Case.number == number).first().run())["status"]


async def test_versions_are_numbered_on_their_base_and_a_stale_base_is_refused() -> None:
    _, mediation_id, office, complainant, liaison = await _mediation()
    first = await agreement.save_version(mediation_id=mediation_id, actor=office, text=f"  {TEXT}\r\n", base_version=0)
    assert (first["version"], first["sha256"]) == (1, _sha(TEXT))
    second = await agreement.save_version(mediation_id=mediation_id, actor=liaison, text=TEXT + "\n三、另行回访。",
                                          base_version="1")
    assert second["version"] == 2

    with pytest.raises(Conflict) as stale:
        await agreement.save_version(mediation_id=mediation_id, actor=complainant, text="我改的是第一版", base_version=1)
    assert stale.value.code == "stale_draft" and stale.value.message == "草稿已更新为第2版，请在最新版本上修改"
    with pytest.raises(Invalid) as same:
        await agreement.save_version(mediation_id=mediation_id, actor=complainant, text=TEXT + "\n三、另行回访。",
                                     base_version=2)
    assert same.value.code == "draft_unchanged"
    with pytest.raises(Invalid) as long:
        await agreement.save_version(mediation_id=mediation_id, actor=complainant, base_version=2,
                                     text="长" * (settings.MEDIATION_AGREEMENT_MAX_CHARS + 1))
    assert long.value.code == "agreement_too_long"

    rows = await MediationAgreementVersion.select().order_by(MediationAgreementVersion.number).run()
    assert [(r["number"], r["base"], r["author_kind"], r["sha256"]) for r in rows] == [
        (1, 0, "office", _sha(TEXT)), (2, 1, "liaison", _sha(TEXT + "\n三、另行回访。"))]
    stored = await MediationEvent.select().order_by(MediationEvent.id).run()
    assert [e["kind"] for e in stored] == ["draft", "draft"]
    assert "第2版" in stored[1]["body"] and second["sha256"][:12] in stored[1]["body"]
    audited = await events("mediation_draft")
    assert [(e["data"]["version"], e["data"]["text_sha256"]) for e in audited] == [
        (1, first["sha256"]), (2, second["sha256"])]
    assert "路灯" not in json.dumps(audited, ensure_ascii=False, default=str)  # the audit keeps hashes only
    assert "mediation_draft" in ACTION_LABELS


async def test_confirming_a_stale_version_twice_or_for_another_party_is_refused_and_changes_nothing() -> None:
    _, mediation_id, office, complainant, liaison = await _mediation()
    await agreement.save_version(mediation_id=mediation_id, actor=liaison, text=TEXT, base_version=0)
    await agreement.save_version(mediation_id=mediation_id, actor=liaison, text=TEXT + "。", base_version=1)
    latest = _sha(TEXT + "。")
    member = await factories.account("member")

    refusals = [
        (complainant, {"version": 1, "sha256": _sha(TEXT)}, Conflict, "stale_version"),
        (complainant, {"version": 2, "sha256": _sha(TEXT)}, Conflict, "hash_mismatch"),
        (complainant, {"version": 3, "sha256": latest}, Conflict, "no_such_version"),
        (office, {"version": 2, "sha256": latest}, Forbidden, "not_a_party"),
        (liaison, {"version": 2, "sha256": latest, "party": "complainant"}, Forbidden, "not_your_party"),
    ]
    for actor, body, error, code in refusals:
        with pytest.raises(error) as refused:
            await agreement.confirm(mediation_id=mediation_id, actor=actor, **body)
        assert refused.value.code == code, (actor.kind, body)
    with pytest.raises(NotFound):  # a member not seated on the case is not in the room at all
        await agreement.confirm(mediation_id=mediation_id, actor=member, version=2, sha256=latest)
    assert await MediationAgreementConfirmation.count().run() == 0

    done = await agreement.confirm(mediation_id=mediation_id, actor=complainant, version=2, sha256=latest.upper())
    assert (done["party"], done["version"], done["sealed"]) == ("complainant", 2, False)
    with pytest.raises(Conflict) as twice:
        await agreement.confirm(mediation_id=mediation_id, actor=complainant, version=2, sha256=latest)
    assert twice.value.code == "already_confirmed" and "诉求人已确认第2版" in twice.value.message
    assert await MediationAgreementConfirmation.count().run() == 1
    assert await MediationAgreement.count().run() == 0


async def test_a_new_version_voids_earlier_confirmations_and_both_must_confirm_it_again() -> None:
    number, mediation_id, _, complainant, liaison = await _mediation()
    await agreement.save_version(mediation_id=mediation_id, actor=liaison, text=TEXT, base_version=0)
    await agreement.confirm(mediation_id=mediation_id, actor=complainant, version=1, sha256=_sha(TEXT))
    edited = await agreement.save_version(mediation_id=mediation_id, actor=liaison, text=TEXT + "\n三、书面回复。",
                                          base_version=1)
    assert "此前各方对第1版的确认随之作废" in edited["event"]["body"]
    done = await agreement.confirm(mediation_id=mediation_id, actor=liaison, version=2, sha256=edited["sha256"])
    assert done["sealed"] is False  # the complainant's confirmation was of version 1: void
    assert await _status(number) == "mediation"
    with pytest.raises(Conflict):
        await agreement.confirm(mediation_id=mediation_id, actor=complainant, version=1, sha256=_sha(TEXT))
    sealed = await agreement.confirm(mediation_id=mediation_id, actor=complainant, version=2, sha256=edited["sha256"])
    assert sealed["sealed"] is True


async def test_sealing_settles_the_case_counts_in_the_assessment_and_ends_editing() -> None:
    number, mediation_id, _, complainant, liaison = await _mediation()
    saved = await agreement.save_version(mediation_id=mediation_id, actor=complainant, text=TEXT, base_version=0)
    await agreement.confirm(mediation_id=mediation_id, actor=liaison, version=1, sha256=saved["sha256"])
    done = await agreement.confirm(mediation_id=mediation_id, actor=complainant, version=1, sha256=saved["sha256"])
    assert done["sealed"] is True and "协议签订封存" in done["event"]["body"]

    assert await _status(number) == "settled"
    mediation = await Mediation.select().where(Mediation.id == mediation_id).first().run()
    assert (mediation["status"], mediation["outcome"]) == ("settled", "agreement")
    sealed = await MediationAgreement.select().first().run()
    assert sealed["sha256"] == saved["sha256"] and len(sealed["code"]) == 12 and sealed["pdf_sha256"] == ""
    settled = await events("settle")
    assert [(e["actor"], e["to_status"], e["data"]["version"]) for e in settled] == [
        ("system:mediation_agreement", "settled", 1)]
    assert [e["data"]["sha256"] for e in await events("mediation_agreement_sealed")] == [saved["sha256"]]
    entry = await AssessmentEntry.select().first().run()
    assert (entry["settled_in_mediation"], entry["points_deducted"]) == (1, 0)

    for attempt in (agreement.save_version(mediation_id=mediation_id, actor=liaison, text=TEXT + "！", base_version=1),
                    agreement.confirm(mediation_id=mediation_id, actor=liaison, version=1, sha256=saved["sha256"])):
        with pytest.raises(Conflict) as refused:
            await attempt
        assert refused.value.code == "agreement_sealed" and "调解协议已签订封存" in refused.value.message
    assert await MediationAgreementVersion.count().run() == 1
    assert await MediationAgreementConfirmation.count().run() == 2


async def test_a_liaison_of_another_department_is_not_in_the_room() -> None:
    _, mediation_id, _, _, _ = await _mediation()
    elsewhere = await factories.account("liaison", department_id=await factories.department("QT", "另一部门"))
    with pytest.raises(NotFound):
        await agreement.save_version(mediation_id=mediation_id, actor=elsewhere, text=TEXT, base_version=0)
    assert await MediationAgreementVersion.count().run() == 0
