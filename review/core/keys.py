"""The server's secret key, and the keyed hashes made with it.

One key serves every process using the same data folder: SECRET_KEY when set, else a random key made once in the
data folder. The forms' CSRF tokens are signed with it (review.core.web.csrf), and a keyed hash stands in for a
value that must be matched but never kept, such as a complainant's phone number (review.selection): without the
key, the hash of a phone number cannot be found by trying every number."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import tempfile

from review.core import settings


@functools.cache
def server_key() -> bytes:
    """SECRET_KEY, or a random key made once in the data folder and shared by every process using it."""
    if settings.SECRET_KEY:
        return settings.SECRET_KEY.encode()
    path = settings.DATA_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staged = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
            os.link(staged, path)  # atomic, and never over a key another process made first
        except FileExistsError:
            pass
        finally:
            os.unlink(staged)
    return path.read_bytes().strip()


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under the server key for one purpose (whose hashes match no other's), in hex."""
    return hmac.new(server_key(), f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()
