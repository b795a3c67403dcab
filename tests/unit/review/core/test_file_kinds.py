"""A file's kind by its first bytes, a name fit to show and send back, and the check of a received file."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from review.core import file_kinds
from review.core.errors import Invalid
from review.core.file_kinds import (
    DOCX,
    JPEG,
    KINDS,
    PDF,
    PNG,
    XLSX,
    Upload,
    check,
    clean_name,
    size_text,
    sniff,
)

pytestmark = pytest.mark.unit


def _zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(("data", "kind"), [
    (b"%PDF-1.7\n", PDF),
    (b"\xff\xd8\xff\xe1 exif", JPEG),
    (b"\x89PNG\r\n\x1a\n\x00", PNG),
    (_zip("[Content_Types].xml", "word/document.xml"), DOCX),
    (_zip("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"), XLSX),
])
def test_sniff_reads_the_kind_from_the_content(data: bytes, kind: file_kinds.Kind) -> None:
    assert sniff(data) is kind


@pytest.mark.parametrize("data", [
    b"", b"GIF89a", b"MZ\x90\x00", b"<html>", b" %PDF-1.7", b"PK\x03\x04 broken",
    _zip("word/document.xml"),  # no content types: not an Office document
    _zip("[Content_Types].xml", "ppt/presentation.xml"),
])
def test_sniff_finds_nothing_in_other_content(data: bytes) -> None:
    assert sniff(data) is None


@pytest.mark.parametrize(("name", "clean"), [
    ("照片.png", "照片.png"),
    ("C:\\Users\\王某\\Desktop\\照片.png", "照片.png"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("gpj.\u202eexe.jpg", "gpj.exe.jpg"),  # the right-to-left override that showed it as "gpj.gpj.exe" goes
    ("a\x00b\x07c\tc.pdf", "abcc.pdf"),
    ('re"port<1>?.pdf', "re_port_1__.pdf"),
    ("  多   空格  .docx ", "多 空格 .docx"),
    ("...", "附件"),
    ("", "附件"),
    ("e\u0301.pdf", "\u00e9.pdf"),  # NFC
])
def test_clean_name(name: str, clean: str) -> None:
    assert clean_name(name) == clean


def test_clean_name_keeps_the_suffix_when_it_shortens() -> None:
    cleaned = clean_name("长" * 300 + ".xlsx")
    assert len(cleaned) == file_kinds.NAME_MOST and cleaned.endswith("长.xlsx")


@pytest.mark.parametrize(("size", "text"), [(0, "0 字节"), (1023, "1023 字节"), (1024, "1 KB"), (1500, "1 KB"),
                                            (10 * 1024 * 1024, "10 MB"), (2_500_000, "2.4 MB")])
def test_size_text(size: int, text: str) -> None:
    assert size_text(size) == text


def test_check_keeps_the_kind_found_and_the_digest() -> None:
    checked = check(Upload("scan.PDF", "application/octet-stream", b"%PDF-1.4 x"), allowed=KINDS, max_bytes=100)
    assert (checked.filename, checked.kind, checked.size) == ("scan.PDF", PDF, 10)
    assert checked.sha256 == hashlib.sha256(b"%PDF-1.4 x").hexdigest()


@pytest.mark.parametrize(("upload", "code"), [
    (Upload("a.png", "image/png", b""), "empty_file"),
    (Upload("a.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(1000)), "file_too_large"),
    (Upload("a.gif", "image/gif", b"GIF89a"), "unsupported_file"),
    (Upload("a", "image/png", b"\x89PNG\r\n\x1a\n"), "unsupported_file"),
    (Upload("a.png", "application/pdf", b"\x89PNG\r\n\x1a\n"), "file_type_mismatch"),
    (Upload("a.png", "image/png", b"%PDF-1.4"), "file_content_mismatch"),
    (Upload("a.docx", "application/zip", _zip("[Content_Types].xml", "xl/workbook.xml")), "file_content_mismatch"),
])
def test_check_refuses_naming_the_file(upload: Upload, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        check(upload, allowed=KINDS, max_bytes=1000)
    assert (refused.value.code, refused.value.field) == (code, "files")
    assert f"「{clean_name(upload.filename)}」" in refused.value.message


def test_check_holds_to_the_kinds_allowed() -> None:
    with pytest.raises(Invalid) as refused:
        check(Upload("a.png", "image/png", b"\x89PNG\r\n\x1a\n"), allowed=(PDF,), max_bytes=64)
    assert refused.value.message == "文件「a.png」的类型不被接受（只接受 PDF 文件）"
