"""Endpoint secrets at rest: encrypted with keys held outside the database.

A signing secret cannot be hashed like a password (every delivery needs the secret itself to sign),
so it is encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with keys from the settings. A database dump
or backup alone reveals no secret; the API shows a secret only in the response that created it.
Several keys may be configured: the first encrypts, any decrypts, so keys rotate without downtime.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr


class SecretBox:
    def __init__(self, keys: Sequence[SecretStr]) -> None:
        self._fernet = MultiFernet([Fernet(key.get_secret_value().encode()) for key in keys])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except InvalidToken as exc:
            raise ValueError("an endpoint secret cannot be decrypted with the configured keys") from exc
