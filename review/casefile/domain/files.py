"""The files a party adds to a case file (案卷补充材料): which kinds, how many, how large, and each image
drawn again from its pixels.

Pure: no database, no framework. A file's kind is the one its content shows (review.core.file_kinds); a photo
(JPEG or PNG) is decoded and encoded again with Pillow, so what is kept holds its pixels and nothing else: no
EXIF (a phone's GPS position, its owner's name), no comment, no trailing bytes. Documents are PDF only, which
is sent back as a download, never shown in the page.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from PIL import Image, ImageOps, UnidentifiedImageError

from review.core import file_kinds
from review.core.errors import Invalid
from review.core.file_kinds import CheckedFile, Upload, size_text

# Limits, stated on the page beside the form.
FILES_MOST = 5  # per addition
FILE_MAX_BYTES = 10 * 1024 * 1024  # per file, as received
CASE_MAX_BYTES = 50 * 1024 * 1024  # every file kept for one case, after re-encoding
CASE_FILES_MOST = 30  # files kept for one case
STATEMENT_MAX = 4000  # characters of one statement
IMAGE_PIXELS_MOST = 40_000_000  # a 40-megapixel photo; larger ones are refused before decoding

FILE_KINDS = (file_kinds.JPEG, file_kinds.PNG, file_kinds.PDF)
FILE_MEDIA_TYPES = tuple(kind.media_type for kind in FILE_KINDS)
# One addition's request body: every file at its largest, and a megabyte for the statement and the framing.
BODY_LIMIT = FILES_MOST * FILE_MAX_BYTES + 1024 * 1024

LIMITS_TEXT = (f"可附照片（JPEG、PNG）或 PDF 文件，每次至多 {FILES_MOST} 个，每个不超过 {size_text(FILE_MAX_BYTES)}；"
               f"每案合计至多 {CASE_FILES_MOST} 个、{size_text(CASE_MAX_BYTES)}。照片会重新生成，拍摄位置等信息不保留。")


def _redrawn(checked: CheckedFile) -> CheckedFile:
    """The image drawn again from its pixels (upright, as the camera meant it), without any metadata."""
    try:
        # Opening reads only the header: the size is checked before any pixel is decoded.
        with Image.open(io.BytesIO(checked.content)) as probe:
            width, height = probe.size
            if width * height > IMAGE_PIXELS_MOST:
                raise Invalid("image_too_large", f"图片「{checked.filename}」像素过多（{width}×{height}），"
                              "请缩小后再上传", field="files")
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid("file_content_mismatch", f"文件「{checked.filename}」不是可以打开的 {checked.kind.label} 图片",
                      field="files") from None
    # Only the pixels go on: Pillow would write back a JPEG's comment and keeps EXIF, XMP and ICC data in `info`.
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    out = io.BytesIO()
    if checked.kind is file_kinds.JPEG:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
    content = out.getvalue()
    return CheckedFile(filename=checked.filename, kind=checked.kind, content=content, size=len(content),
                       sha256=hashlib.sha256(content).hexdigest())


def check_files(uploads: Sequence[Upload]) -> list[CheckedFile]:
    """The addition's files, each of an accepted kind by name, declared type and content and within the size,
    images re-encoded; Invalid naming the first file refused (then none is kept)."""
    if len(uploads) > FILES_MOST:
        raise Invalid("too_many_files", f"每次至多附 {FILES_MOST} 个文件，收到 {len(uploads)} 个", field="files")
    checked = [file_kinds.check(upload, allowed=FILE_KINDS, max_bytes=FILE_MAX_BYTES) for upload in uploads]
    return [_redrawn(f) if f.kind in (file_kinds.JPEG, file_kinds.PNG) else f for f in checked]


def check_case_room(*, kept_files: int, kept_bytes: int, adding: Sequence[CheckedFile]) -> None:
    """Invalid when the case's file would hold more files or bytes than allowed once `adding` is kept."""
    if kept_files + len(adding) > CASE_FILES_MOST:
        raise Invalid("case_files_full", f"本案已有 {kept_files} 个附件，每案至多 {CASE_FILES_MOST} 个", field="files")
    if kept_bytes + sum(f.size for f in adding) > CASE_MAX_BYTES:
        raise Invalid("case_files_full", f"本案附件合计将超过 {size_text(CASE_MAX_BYTES)}（已有 {size_text(kept_bytes)}）",
                      field="files")


def check_statement(statement: str, *, files: int, required: bool = False) -> str:
    """The statement as kept (trimmed); Invalid when it is too long, or missing where it must be given."""
    text = statement.strip()
    if len(text) > STATEMENT_MAX:
        raise Invalid("statement_too_long", f"陈述至多 {STATEMENT_MAX} 字，收到 {len(text)} 字", field="statement")
    if not text and (required or not files):
        raise Invalid("statement_required", "请填写陈述，或选择要上传的文件", field="statement")
    return text


def suffix_of(media_type: str) -> str:
    """The suffix a file of this stored type is sent back with."""
    return next((kind.suffixes[0] for kind in FILE_KINDS if kind.media_type == media_type), "")
