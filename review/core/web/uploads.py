"""Uploaded files: checked for type and size, written where a service can read them, or read as they came for a
service that keeps them (review.core.file_kinds checks those)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData, UploadFile

from review.core.errors import Invalid
from review.core.file_kinds import Upload

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


async def saved_upload(upload: Any, allowed: tuple[str, ...]) -> Path:
    """An uploaded file written to a temporary path with its own suffix (the caller deletes it)."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("file_required", "请选择要上传的文件", field="file")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in allowed:
        raise Invalid("unsupported_file", f"只支持 {'、'.join(s.lstrip('.').upper() for s in allowed)} 文件",
                      field="file")
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise Invalid("file_too_large", "文件超过 5 MB", field="file")
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
        handle.write(content)
    return Path(handle.name)


async def received_files(form: FormData, field: str, *, max_bytes: int) -> list[Upload]:
    """The files posted under `field`, each read to at most `max_bytes` + 1 bytes (so that the check can tell
    one too large without holding more); a browser's file input left empty is no file, text in the field 422."""
    found = []
    for value in form.getlist(field):
        if isinstance(value, UploadFile):
            if not value.filename and not value.size:
                continue  # <input type="file"> with nothing chosen
            found.append(Upload(filename=value.filename or "", declared_type=value.content_type or "",
                                content=await value.read(max_bytes + 1)))
        elif value.strip():
            raise Invalid("file_required", f"「{field}」应为上传的文件", field=field)
    return found
