"""提取码: complainants' access codes, random enough to resist guessing and stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

# Crockford base32 without I, L, O, U: easy to read aloud and type on a phone.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 × 5 bits = 80 bits


def new_access_code() -> str:
    """A fresh code such as 7K3M-Q9XD-2HFA-8RWN (80 bits)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(code: str) -> str:
    """Uppercase, drop separators and spaces, read O as 0 and I/L as 1."""
    # NFKC first: codes typed on a phone's Chinese keyboard often come in full-width (７Ｋ３…).
    cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", code).upper() if ch.isascii() and ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def code_matches(code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_code(code), stored_hash)


def hash_token(token: str) -> str:
    """Session and API tokens are stored as SHA-256 only."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)
