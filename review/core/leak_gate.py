"""The leak gate (DESIGN §8): before anything meant for others leaves — a public PDF, a published ruling, an
export, a public API answer — its text is scanned for the case's known identifiers and for every identifier's
shape. A hit stops the release; what is reported names the kind of identifier and where it stood, never its
value (the report itself goes to the office, through a slice that records and notifies).

Pure apart from reading a PDF's text layer and metadata (pypdfium2, loaded only when a PDF is read).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from review.core.errors import Conflict
from review.core.privacy import Complainant, find_leaks

KIND_LABELS = {
    "name": "姓名",
    "phone": "电话号码",
    "id_number": "身份证号",
    "address": "地址",
    "house": "门牌号",
    "email": "电子邮箱",
    "account": "社交账号",
    "bank_card": "银行卡号",
    "plate": "车牌号",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@dataclass(frozen=True)
class Hit:
    """One identifier found: its kind and the part of the output it stood in (never the value)."""

    kind: str
    where: str

    @property
    def words(self) -> str:
        return f"{self.where}：{kind_label(self.kind)}"


class LeakStopped(Conflict):
    """The output held an identifier: it was not released. `output` and `subject` say which output it was (for
    the office's record: publication.services.leaks)."""

    def __init__(self, hits: list[Hit], what: str, *, output: str = "", subject: str = "") -> None:
        named = "；".join(dict.fromkeys(hit.words for hit in hits))
        super().__init__("leak_stopped", f"{what}中发现疑似个人信息（{named}），已停止公开，待评议办核查")
        self.hits = hits
        self.what = what
        self.output = output
        self.subject = subject


# Break opportunities a layout puts inside long runs (review.core.printing.breakable): read as if absent, so
# that a number broken for the line is still the number.
_ZERO_WIDTH = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_GAP = r"\s*"


def _blanked(text: str, allowed: Iterable[str]) -> str:
    """The text with each allowed string (numbers, codes, hashes the output must carry) blanked out, so that
    the detectors do not read a verification code or a digest as a number of someone's."""
    for value in sorted({a for a in allowed if a}, key=len, reverse=True):
        text = re.sub(_GAP.join(re.escape(c) for c in value if not c.isspace()), " ", text)
    return text


def scan(parts: Mapping[str, str], *, known: Complainant | None = None, names: tuple[str, ...] = (),
         allowed: Iterable[str] = ()) -> list[Hit]:
    """Every identifier found in each named part of an output (part name → its text)."""
    allowed = tuple(allowed)
    hits: list[Hit] = []
    for where, text in parts.items():
        if not text:
            continue
        for leak in find_leaks(_blanked(_ZERO_WIDTH.sub("", text), allowed), known=known, names=names):
            hits.append(Hit(leak.kind, where))
    return hits


def check(parts: Mapping[str, str], *, what: str, known: Complainant | None = None,
          names: tuple[str, ...] = (), allowed: Iterable[str] = ()) -> None:
    """Raise `LeakStopped` if any part holds an identifier."""
    hits = scan(parts, known=known, names=names, allowed=allowed)
    if hits:
        raise LeakStopped(hits, what)


# PDFium is not thread-safe: one document read at a time per process (renders run on threads).
_pdfium = threading.Lock()


def pdf_parts(pdf: bytes) -> dict[str, str]:
    """A PDF as the gate reads it: the text layer of each page (第 N 页) and each metadata field (元数据 …)."""
    with _pdfium:
        return _read(pdf)


def _read(pdf: bytes) -> dict[str, str]:
    # lazy: PDFium loads only where a PDF is checked (the verdict render job)
    import pypdfium2  # type: ignore[import-untyped]

    document = pypdfium2.PdfDocument(pdf)
    try:
        parts = {f"元数据 {key}": str(value) for key, value in document.get_metadata_dict().items() if value}
        for index in range(len(document)):
            page = document[index]
            text_page = page.get_textpage()
            parts[f"第 {index + 1} 页文字"] = text_page.get_text_range()
            text_page.close()
            page.close()
        return parts
    finally:
        document.close()
