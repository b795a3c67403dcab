"""提取码通知单: the printable notice that gives a complainant a new access code (WeasyPrint, A4, Chinese).

The notice is rendered on request and handed over once; the code is nowhere else in plain text. Its QR code
points at the tracking page only: an address never carries an access code.
"""

from __future__ import annotations

import datetime

import segno
from starlette.responses import Response
from weasyprint import HTML
from weasyprint.urls import path2url

from review.core.printing import TEMPLATE_DIR, VerdictURLFetcher, font_config, pdf_environment

NOTICE_DIR = TEMPLATE_DIR / "notices"
TEMPLATE_NAME = "notices/access_code.html"


def notice_html(*, case_number: str, access_code: str, track_url: str, issued_on: datetime.date) -> str:
    """The notice's HTML (every field is text: autoescaped)."""
    qr = segno.make(track_url, error="m", micro=False).png_data_uri(scale=1, border=0)
    return (
        pdf_environment()
        .get_template(TEMPLATE_NAME)
        .render(
            case_number=case_number,
            access_code=access_code,
            track_url=track_url,
            qr_uri=qr,
            issued_on=issued_on,
        )
    )


def render_notice(*, case_number: str, access_code: str, track_url: str, issued_on: datetime.date) -> bytes:
    """The notice as PDF bytes; it loads nothing but its stylesheet and the QR code's data: URI."""
    html = HTML(
        string=notice_html(
            case_number=case_number, access_code=access_code, track_url=track_url, issued_on=issued_on
        ),
        base_url=path2url(str(NOTICE_DIR) + "/"),
        url_fetcher=VerdictURLFetcher(root=NOTICE_DIR),
    )
    return html.write_pdf(font_config=font_config(), custom_metadata=False)


def download(pdf: bytes, case_number: str) -> Response:
    """The notice as a one-time download that no cache on the way keeps (it carries the code)."""
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="access-code-{case_number}.pdf"',
            "cache-control": "no-store",
        },
    )
