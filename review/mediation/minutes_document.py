"""调解笔录 as a PDF (WeasyPrint, A4, Chinese fonts embedded), in the verdict's document style (GB/T 9704-2012:
templates/pdf/mediation_minutes.css builds on verdict.css): each session's minutes in force, with the version, its
SHA-256 and the parties' comments. Part of the mediation's record, for its participants; it carries the wall's
notice and is never part of the case file unless both parties consented (review.mediation.services.wall).

The same minutes render the same bytes (a fixed PDF identifier, the date of the latest version, no timestamps).
Rendered on request in a thread, like the access-code notice: a short document, for a handful of readers."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import date, datetime

from weasyprint import HTML
from weasyprint.urls import path2url

from review.core import clock, db
from review.core.actors import Actor
from review.core.errors import Forbidden, NotFound
from review.core.printing import PDF_TEMPLATE_DIR, VerdictURLFetcher, font_config, pdf_environment
from review.mediation import sql
from review.mediation.domain import minutes as rules
from review.mediation.queries import invited_as
from review.mediation.services.room import room_admits
from review.mediation.services.stage import MODES
from review.verdicts.services import ISSUING_OFFICE

TEMPLATE_NAME = "pdf/mediation_minutes.html"


@dataclass(frozen=True)
class CommentLine:
    party_label: str
    body: str
    at: str  # Beijing time
    version: int


@dataclass(frozen=True)
class SessionLine:
    starts_at: str  # Beijing time
    mode_label: str
    location: str
    version: int
    body: str
    sha256: str
    written_at: str
    comments: list[CommentLine] = field(default_factory=list)


@dataclass(frozen=True)
class MinutesDocument:
    issuing_office: str
    case_number: str
    category: str
    department_name: str
    printed_on: date  # the day of the latest version: the same minutes print the same date
    sessions: list[SessionLine] = field(default_factory=list)


def minutes_html(doc: MinutesDocument) -> str:
    """The HTML WeasyPrint lays out (autoescaped: every field is text)."""
    return pdf_environment().get_template(TEMPLATE_NAME).render(doc=doc)


def _identifier(doc: MinutesDocument) -> bytes:
    digest = hashlib.sha256("|".join([doc.case_number, *(s.sha256 for s in doc.sessions),
                                      *(c.body for s in doc.sessions for c in s.comments)]).encode())
    return digest.hexdigest()[:32].encode()


_lock = threading.Lock()  # one layout at a time per process: the font configuration is shared


def render_minutes_pdf(doc: MinutesDocument) -> bytes:
    """The minutes as PDF bytes; nothing is loaded but the stylesheets under templates/pdf/."""
    html = HTML(string=minutes_html(doc), base_url=path2url(str(PDF_TEMPLATE_DIR) + "/"),
                url_fetcher=VerdictURLFetcher())
    with _lock:
        return html.write_pdf(font_config=font_config(), pdf_identifier=_identifier(doc), custom_metadata=False)


def _local(value: datetime) -> str:
    return clock.local_time(value)


async def minutes_document(*, mediation_id: int, actor: Actor) -> MinutesDocument:
    """The minutes of a mediation as printed, for its participants: the office, the complainant, the department's
    liaisons and the members invited to its sessions."""
    await room_admits(mediation_id=mediation_id, actor=actor)
    if actor.kind == "member" and not await invited_as(mediation_id, actor):
        raise Forbidden("forbidden", "只有调解的参加人可以下载调解笔录")
    case = (await db.fetch(sql.MINUTES_DOCUMENT_CASE, mediation_id))[0]
    in_force = await db.fetch(sql.MINUTES_IN_FORCE, mediation_id)
    if not in_force:
        raise NotFound("minutes_not_found", "本次调解尚无笔录")
    comments: dict[int, list[CommentLine]] = {}
    for c in await db.fetch(sql.COMMENTS_OF_MEDIATION, mediation_id):
        comments.setdefault(c["session"], []).append(CommentLine(
            party_label=rules.COMMENT_PARTIES[c["party"]], body=c["body"], at=_local(c["at"]),
            version=int(c["version"])))
    sessions = [SessionLine(starts_at=_local(r["starts_at"]), mode_label=MODES.get(r["mode"], r["mode"]),
                            location=r["location"], version=int(r["version"]), body=r["body"], sha256=r["sha256"],
                            written_at=_local(r["at"]), comments=comments.get(r["session"], []))
                for r in in_force]
    latest = max(r["at"] for r in in_force).astimezone(clock.CHINA).date()
    return MinutesDocument(issuing_office=ISSUING_OFFICE, case_number=case["number"], category=case["category"] or "",
                           department_name=case["department_name"], printed_on=latest, sessions=sessions)


async def minutes_pdf(*, mediation_id: int, actor: Actor) -> tuple[bytes, str]:
    """(PDF bytes, file name) of a mediation's minutes, for one of its participants."""
    doc = await minutes_document(mediation_id=mediation_id, actor=actor)
    return await asyncio.to_thread(render_minutes_pdf, doc), f"mediation-minutes-{doc.case_number}.pdf"
