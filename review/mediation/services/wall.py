"""调解信息隔离 (the wall): each party's consent, item by item, and the one service that moves an item both
parties consented to into the case file.

Nothing of mediation reaches the case file — and so the panel's pages, scoring and the verdict, which read the
file through review.cases.queries.file and never import mediation — except through `move_to_case_file`. A party
consents or withdraws (`set_consent`) while the item is still outside the file; the office then moves it (an
explicit step, so a party may still withdraw after the other has agreed, and the office sees what goes in).
The file keeps its own copy of the text with its SHA-256, the source「调解中经双方同意入卷的内容」and both
consents; the audit chain records hashes only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from review.cases import services as cases
from review.cases.queries.file import file_refs
from review.core import clock, db
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, NotFound
from review.mediation import sql
from review.mediation.domain import wall
from review.mediation.domain.room import AUTHOR_LABELS
from review.mediation.services.minutes import locked
from review.mediation.services.room import room_admits
from review.mediation.tables import MediationConsent


async def _message(mediation_id: int, item_id: int) -> dict[str, Any] | None:
    rows = await db.fetch(sql.MESSAGE_ITEM, item_id, mediation_id)
    if not rows:
        return None
    r = rows[0]
    return {**r, "title": wall.item_title("message", author=AUTHOR_LABELS.get(r["author_kind"], r["author_kind"]),
                                          when=clock.local_label(r["at"]))}


async def _minutes(mediation_id: int, item_id: int) -> dict[str, Any] | None:
    rows = await db.fetch(sql.MINUTES_ITEM, item_id, mediation_id)
    if not rows:
        return None
    r = rows[0]
    return {**r, "title": wall.item_title("minutes", author="", when=clock.local_label(r["starts_at"]), version=r["version"])}


async def _draft(mediation_id: int, item_id: int) -> dict[str, Any] | None:
    rows = await db.fetch(sql.DRAFT_ITEM, item_id, mediation_id)
    if not rows:
        return None
    r = rows[0]
    return {**r, "title": wall.item_title("draft", author=AUTHOR_LABELS.get(r["author_kind"], r["author_kind"]),
                                          when=clock.local_label(r["at"]), version=r["version"])}


# One loader per kind of item (domain.wall.ITEM_KINDS): the item of this mediation with its text, or None.
LOADERS: dict[str, Callable[[int, int], Awaitable[dict[str, Any] | None]]] = {
    "message": _message,
    "minutes": _minutes,
    "draft": _draft,
}


async def load_item(mediation_id: int, kind: str, item_id: Any) -> dict[str, Any]:
    """The item of this mediation: {id, body, sha256, author_kind, at, in_force, title}; not found otherwise."""
    try:
        number = int(item_id)
    except (TypeError, ValueError):
        number = 0
    item = await LOADERS[kind](mediation_id, number) if number > 0 else None
    if item is None:
        raise NotFound("item_not_found", wall.not_found_message(kind))
    return item


async def _consents(mediation_id: int, kind: str, item_id: int) -> list[wall.Consent]:
    return [wall.Consent(party=r["party"], consent=bool(r["consent"]), by=r["given_by"], at=r["at"])
            for r in await db.fetch(sql.CONSENTS_OF_ITEM, mediation_id, kind, item_id)]


async def _moved(case_id: int, ref: str) -> bool:
    return ref in await file_refs(case_id, ref)


async def set_consent(*, mediation_id: int, item_kind: Any, item_id: Any, consent: Any,
                      actor: Actor) -> dict[str, Any]:
    """同意入卷 / 撤回同意: a party (the complainant, or the department through any of its liaisons) answers
    whether one item may go into the case file, while it is still outside. The item's consents after the change:
    {item_kind, item_id, party, consent, both}."""
    party = wall.check_party(actor.kind)
    kind = wall.item_kind(item_kind)
    given = wall.consent_value(consent)
    await room_admits(mediation_id=mediation_id, actor=actor)
    async with db.transaction():
        mediation = await locked(mediation_id)
        item = await load_item(mediation_id, kind, item_id)
        wall.check_may_change(moved=await _moved(mediation["case_id"], wall.source_ref(mediation_id, kind, item["id"])))
        if given and not item["in_force"]:
            raise Conflict("item_superseded", f"该{wall.ITEM_KINDS[kind]}已有新版本，请对最新版本表示是否同意入卷")
        now = clock.now()
        existing = await MediationConsent.select(MediationConsent.id).where(
            (MediationConsent.mediation == mediation_id) & (MediationConsent.item_kind == kind)
            & (MediationConsent.item_id == item["id"]) & (MediationConsent.party == party)).first().run()
        if existing:
            await MediationConsent.update({MediationConsent.consent: given, MediationConsent.given_by: actor.label,
                                           MediationConsent.at: now}).where(MediationConsent.id == existing["id"]).run()
        else:
            await MediationConsent.insert(MediationConsent(
                mediation=mediation_id, item_kind=kind, item_id=item["id"], party=party, consent=given,
                given_by=actor.label, at=now)).run()
        await audit.record(case_id=mediation["case_id"], actor=actor.label,
                           action="mediation_consent_given" if given else "mediation_consent_withdrawn",
                           data={"mediation_id": mediation_id, "item_kind": kind, "item_id": item["id"],
                                 "party": party, "sha256": item["sha256"]})
        both = wall.both_consented(await _consents(mediation_id, kind, item["id"]))
    return {"item_kind": kind, "item_id": item["id"], "party": party, "consent": given, "both": both}


async def move_to_case_file(*, mediation_id: int, item_kind: Any, item_id: Any, actor: Actor) -> int:
    """移入案卷: the office moves one item both parties consented to into the case file — the only way anything
    said or drafted in mediation reaches the panel. The case file entry's id."""
    OFFICE.check(actor)
    kind = wall.item_kind(item_kind)
    async with db.transaction():
        mediation = await locked(mediation_id)
        item = await load_item(mediation_id, kind, item_id)
        ref = wall.source_ref(mediation_id, kind, item["id"])
        consents = wall.check_may_move(await _consents(mediation_id, kind, item["id"]),
                                       moved=await _moved(mediation["case_id"], ref))
        entry_id = await cases.add_file_entry(case_id=mediation["case_id"], actor=actor, item=cases.FileItem(
            source=wall.FILE_SOURCE, source_label=wall.FILE_SOURCE_LABEL, source_ref=ref, title=item["title"],
            body=item["body"], sha256=item["sha256"], consents=wall.consents_json(consents)))
        await audit.record(case_id=mediation["case_id"], actor=actor.label, action="mediation_item_filed", data={
            "mediation_id": mediation_id, "item_kind": kind, "item_id": item["id"], "entry_id": entry_id,
            "sha256": item["sha256"]})
    return entry_id
