"""调解会通知单: the printable notice of a session for the complainant — its time (Beijing), mode, place, the
room's join link and a QR code of it — as an HTML page and as a PDF (WeasyPrint, A4, like the access-code notice).

The link is the room's address only (`/mediation/{id}`): it carries no access code and nothing personal. Opened
without signing in, it leads to the tracking page, where the complainant enters the case number and access code,
and then back to the room."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import date

import segno
from starlette.responses import Response
from weasyprint import HTML
from weasyprint.urls import path2url

from review.core import clock, db, settings
from review.core.actors import OFFICE, Actor
from review.core.document_format import document_date
from review.core.errors import NotFound
from review.core.printing import TEMPLATE_DIR, VerdictURLFetcher, font_config, pdf_environment
from review.mediation import sql
from review.mediation.domain.reminders import offset_label
from review.mediation.services.stage import MODES

NOTICE_DIR = TEMPLATE_DIR / "notices"
TEMPLATE_NAME = "notices/mediation_session.html"
STYLESHEET = "mediation_session.css"


@dataclass(frozen=True)
class SessionNotice:
    case_number: str
    session_id: int
    mediation_id: int
    starts_at: str  # Beijing time, as printed
    mode: str
    location: str
    join_url: str
    qr_uri: str
    issued_on: str
    cancelled: bool
    reminders: str  # 「2 天、2 小时」: when the platform reminds the invitees (MEDIATION_REMINDERS)


def join_url(mediation_id: int) -> str:
    """The room's public address, as printed for the parties (never with a code in it)."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/mediation/{mediation_id}"


async def session_notice(*, number: str, session_id: int, actor: Actor, today: date | None = None) -> SessionNotice:
    """The notice of one session of a case, for the office to print and hand to the complainant."""
    OFFICE.check(actor)
    rows = await db.fetch(sql.SESSION_OF_CASE, session_id, number)
    if not rows:
        raise NotFound("session_not_found", "未找到该调解会")
    s = rows[0]
    url = join_url(s["mediation_id"])
    return SessionNotice(
        case_number=s["number"], session_id=s["id"], mediation_id=s["mediation_id"],
        starts_at=f"{clock.local_time(s['starts_at'])}（北京时间）", mode=MODES.get(s["mode"], s["mode"]),
        location=s["location"], join_url=url,
        qr_uri=segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=0),
        issued_on=document_date(today or clock.today_in_china()), cancelled=s["status"] == "cancelled",
        reminders="、".join(offset_label(m) for m in settings.MEDIATION_REMINDERS))


def notice_html(notice: SessionNotice) -> str:
    """The notice as a printable document (every field is text: autoescaped)."""
    return pdf_environment().get_template(TEMPLATE_NAME).render(stylesheet=STYLESHEET, **asdict(notice))


def _pdf(notice: SessionNotice) -> bytes:
    html = HTML(string=notice_html(notice), base_url=path2url(str(NOTICE_DIR) + "/"),
                url_fetcher=VerdictURLFetcher(root=NOTICE_DIR))
    return html.write_pdf(font_config=font_config(), custom_metadata=False)


async def render_pdf(notice: SessionNotice) -> bytes:
    """The notice as PDF bytes, rendered off the event loop; it loads only its stylesheet and the QR data: URI."""
    return await asyncio.to_thread(_pdf, notice)


def download(pdf: bytes, notice: SessionNotice) -> Response:
    """The notice as a download (it names the case: kept by no cache on the way)."""
    return Response(pdf, media_type="application/pdf", headers={
        "content-disposition": f'attachment; filename="mediation-notice-{notice.case_number}-{notice.session_id}.pdf"',
        "cache-control": "no-store"})
