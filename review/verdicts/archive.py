"""A bulk issuance's verdicts as one ZIP, streamed as it is written (the office's page and the API serve the same)."""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

from review.verdicts import services as verdicts
from review.verdicts.bulk import Progress


class _Sink:
    """A write-only file for zipfile that hands out what has been written so far."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def _file_name(number: str, public: bool) -> str:
    return f"{number}（公开版）.pdf" if public else f"{number}.pdf"


async def zip_stream(progress: Progress) -> AsyncIterator[bytes]:
    """The rendered verdicts (full and public version), streamed as one ZIP named by document number."""
    sink = _Sink()
    # Stored, not deflated: PDFs are compressed already. The sink cannot seek, so entries use data descriptors.
    archive = zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED)  # type: ignore[arg-type]
    for verdict in progress.verdicts:
        day = verdict["issued_on"]
        for public, digest in ((False, verdict["full_sha256"]), (True, verdict["public_sha256"])):
            data = await asyncio.to_thread(verdicts.stored_path(digest).read_bytes)
            info = zipfile.ZipInfo(_file_name(verdict["number"], public), date_time=(day.year, day.month, day.day,
                                                                                      0, 0, 0))
            with archive.open(info, mode="w") as entry:
                entry.write(data)
            yield sink.take()
    archive.close()
    yield sink.take()


def zip_response(progress: Progress) -> StreamingResponse:
    """The ZIP as a download named after the bulk issuance."""
    return StreamingResponse(zip_stream(progress), media_type="application/zip",
                             headers={"content-disposition": f'attachment; filename="verdicts-{progress.id}.zip"'})
