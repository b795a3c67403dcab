"""Uploaded files: checked for type and size, written where a service can read them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile

from review.core.errors import Invalid

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
