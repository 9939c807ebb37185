"""Secrets of calendar subscription URLs: unguessable, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

# 32 random bytes: a SHA-256 of them needs no salt or slow hash to resist guessing.
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible(token: str) -> bool:
    """Cheap shape check before touching the database (token_urlsafe alphabet and length)."""
    return 32 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
