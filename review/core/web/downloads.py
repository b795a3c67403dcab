"""A stored file sent back to be saved, not shown in the browser.

`content-disposition: attachment` with the name in the header (RFC 6266 `filename*`, UTF-8, beside an ASCII
`filename` for old clients), never in the address; `cache-control: private, no-store`, since a file a case's
party uploaded is theirs to read, not a cache's to keep. Every response also carries `x-content-type-options:
nosniff` (review.app.SecurityHeaders), so the type sent, the one found in the content, is the one used.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

NO_STORE = "private, no-store"


def attachment(content: bytes, *, media_type: str, filename: str, fallback: str) -> Response:
    """`content` as a download named `filename` (`fallback`, ASCII, for clients that read no `filename*`)."""
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(content, media_type=media_type,
                    headers={"content-disposition": disposition, "cache-control": NO_STORE})
