"""Uploaded files as the platform accepts them: what kind a file is by its name and by its first bytes, a
name safe to show and to send back, and the check that holds a received file to a list of kinds and a size.

Pure: no framework, no I/O. A file's kind is read from its content (the magic numbers of PDF, JPEG and PNG;
for DOCX and XLSX the ZIP container's own directory of parts), never taken from the type the client
declares: the declared type must agree or say nothing (`application/octet-stream`), and the kind found is the
type the platform stores and serves.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from review.core.errors import Invalid


@dataclass(frozen=True)
class Kind:
    """One kind of file: its label, the media type it is stored and served as, its names' suffixes and the
    media types a client may declare for it."""

    label: str
    media_type: str
    suffixes: tuple[str, ...]
    declared: tuple[str, ...]


PDF = Kind("PDF", "application/pdf", (".pdf",), ("application/pdf", "application/x-pdf"))
JPEG = Kind("JPEG", "image/jpeg", (".jpg", ".jpeg"), ("image/jpeg", "image/jpg", "image/pjpeg"))
PNG = Kind("PNG", "image/png", (".png",), ("image/png", "image/x-png"))
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Some browsers on Windows declare an Office document by its container.
_ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
DOCX = Kind("DOCX", _DOCX_TYPE, (".docx",), (_DOCX_TYPE, *_ZIP_TYPES))
XLSX = Kind("XLSX", _XLSX_TYPE, (".xlsx",), (_XLSX_TYPE, *_ZIP_TYPES))
KINDS = (PDF, JPEG, PNG, DOCX, XLSX)

# A declared type that says nothing of the kind (a client that does not know it): the content decides.
UNDECLARED = frozenset({"", "application/octet-stream", "binary/octet-stream"})

_ZIP_MAGIC = b"PK\x03\x04"
# The main part of each Office document (ECMA-376 names them so; Word, Excel, LibreOffice, python-docx and
# openpyxl all write them at these paths).
_OFFICE_PART = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


def _office_kind(data: bytes) -> Kind | None:
    try:
        # Only the central directory is read: nothing is decompressed.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for kind, part in _OFFICE_PART.items() if part in names), None)


def sniff(data: bytes) -> Kind | None:
    """The kind `data` is by its content, or None when it is none of KINDS."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(_ZIP_MAGIC):
        return _office_kind(data)
    return None


def kind_by_name(name: str, allowed: tuple[Kind, ...] = KINDS) -> Kind | None:
    """The kind among `allowed` that the name's suffix says, or None."""
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    return next((kind for kind in allowed if suffix in kind.suffixes), None)


_UNSAFE = re.compile(r'[<>:"|?*;]')
NAME_MOST = 120


def clean_name(name: str, most: int = NAME_MOST) -> str:
    """A file name fit to show and to send back: the last path segment, in NFC, without control, format
    (a right-to-left override that turns `gpj.exe` into `exe.jpg`) or unassigned characters, without the
    characters no file system takes, spaces collapsed, no leading or trailing dot, at most `most` characters
    with the suffix kept; "附件" when nothing is left."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if not unicodedata.category(ch).startswith("C"))
    base = " ".join(_UNSAFE.sub("_", base).split()).strip(" .")
    if len(base) > most:
        stem, dot, suffix = base.rpartition(".")
        keep = f"{dot}{suffix}" if dot and len(suffix) <= 10 else ""
        base = (stem if keep else base)[: most - len(keep)].rstrip(" .") + keep
    return base or "附件"


def size_text(size: int) -> str:
    """980 字节, 34 KB, 2.4 MB: a file's size as people read it."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class Upload:
    """A file as received: the name and type the client gave, and its bytes."""

    filename: str
    declared_type: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A received file that passed the check: its clean name, its kind by content, its bytes and digest."""

    filename: str
    kind: Kind
    content: bytes
    size: int
    sha256: str


def _labels(allowed: tuple[Kind, ...]) -> str:
    return "、".join(kind.label for kind in allowed)


def check(upload: Upload, *, allowed: tuple[Kind, ...], max_bytes: int, field: str = "files") -> CheckedFile:
    """`upload` if its name, its declared type and its content all say one kind among `allowed` and it holds
    1 to `max_bytes` bytes; otherwise Invalid, the message naming the file."""
    name = clean_name(upload.filename)
    if not upload.content:
        raise Invalid("empty_file", f"文件「{name}」是空文件", field=field)
    if len(upload.content) > max_bytes:
        raise Invalid("file_too_large", f"文件「{name}」超过 {size_text(max_bytes)}，不能上传", field=field)
    kind = kind_by_name(name, allowed)
    if kind is None:
        raise Invalid("unsupported_file", f"文件「{name}」的类型不被接受（只接受 {_labels(allowed)} 文件）",
                      field=field)
    declared = upload.declared_type.split(";", 1)[0].strip().lower()
    if declared not in UNDECLARED and declared not in kind.declared:
        raise Invalid("file_type_mismatch", f"文件「{name}」声明的类型与其扩展名 {kind.label} 不符", field=field)
    if sniff(upload.content) is not kind:
        raise Invalid("file_content_mismatch", f"文件「{name}」的内容不是 {kind.label} 文件", field=field)
    return CheckedFile(filename=name, kind=kind, content=upload.content, size=len(upload.content),
                       sha256=hashlib.sha256(upload.content).hexdigest())
