"""The sealed mediation agreement as a PDF (调解协议书), in the verdict's document style.

Laid out by ``templates/pdf/mediation_agreement.html`` on the verdict's stylesheet (GB/T 9704-2012, the CJK fonts
embedded as subsets), with the sealed version's SHA-256, the verification code and a QR code resolving to
``/verify/{code}``. WeasyPrint reads only ``data:`` URIs and files under ``templates/pdf/`` (the kernel's
deny-by-default fetcher). The same document renders to the same bytes: a fixed PDF identifier, no timestamps.

Rendering is CPU work (about a second): the background job calls it, never a request."""

from __future__ import annotations

import datetime
import gc
import hashlib
import threading
from dataclasses import dataclass

import segno
from weasyprint import HTML
from weasyprint.urls import path2url

from review.core.printing import (
    ACCESSIBLE_PDF,
    PDF_TEMPLATE_DIR,
    VerdictURLFetcher,
    font_config,
    pdf_environment,
)

TEMPLATE_NAME = "pdf/mediation_agreement.html"


@dataclass(frozen=True)
class PrintedConfirmation:
    """A required party's confirmation of the sealed version, as printed."""

    party_label: str  # 诉求人 / 承办部门
    at_text: str  # Beijing time


@dataclass(frozen=True)
class AgreementDocument:
    """Everything printed on a sealed agreement; the complainant's name already masked."""

    issuing_office: str
    case_number: str
    department_name: str
    complainant_display: str  # e.g. 王某
    text: str  # the sealed version's text, as confirmed
    version: int
    sha256: str  # of the text: the hash each party confirmed
    sealed_on: datetime.date
    sealed_at_text: str
    confirmations: tuple[PrintedConfirmation, ...]
    verification_code: str
    verify_url: str  # full URL …/verify/{code}


def _qr_data_uri(url: str) -> str:
    """The QR code as a PNG of one pixel per module, printed sharp, as on the verdict."""
    return segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=0, dark="#000000", light="#ffffff")


def build_agreement_html(doc: AgreementDocument) -> str:
    """The HTML that WeasyPrint lays out (exposed for tests)."""
    return pdf_environment().get_template(TEMPLATE_NAME).render(doc=doc, qr_uri=_qr_data_uri(doc.verify_url))


# One render at a time per process: the font configuration is shared, and layout is CPU-bound anyway.
_render_lock = threading.Lock()


def render_agreement_pdf(doc: AgreementDocument) -> bytes:
    """The agreement as PDF bytes; the same document always yields the same bytes."""
    identifier = hashlib.sha256(f"agreement|{doc.verification_code}|{doc.sha256}".encode()).hexdigest()[:32]
    with _render_lock:
        try:
            html = HTML(string=build_agreement_html(doc), base_url=path2url(str(PDF_TEMPLATE_DIR) + "/"),
                        url_fetcher=VerdictURLFetcher())
            return html.write_pdf(font_config=font_config(), pdf_identifier=identifier.encode(),
                                  uncompressed_pdf=False, custom_metadata=False, **ACCESSIBLE_PDF)
        finally:
            gc.collect()  # WeasyPrint's layout cycles hold copies of the CJK fonts until collected
