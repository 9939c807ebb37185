"""Secrets at rest (signing secrets, chat tokens): encrypted with keys held outside the database.

A secret the platform must use again (to sign, to call an API) cannot be hashed like a password,
so it is encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with keys from the settings. A database dump
or backup alone reveals no secret. Several keys may be configured: the first encrypts, any
decrypts, so keys rotate without downtime.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr


class SecretBox:
    def __init__(self, keys: Sequence[SecretStr]) -> None:
        self._fernet = MultiFernet([Fernet(key.get_secret_value().encode()) for key in keys])
        first = keys[0].get_secret_value().encode()
        # Names the key that seals now (a short hash: the key itself cannot be recovered from it), so
        # what an older key sealed can be found and sealed again (`reseal`) before that key goes.
        self.fingerprint = hashlib.sha256(b"secret-box-key\x00" + first).hexdigest()[:16]

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except InvalidToken as exc:
            raise ValueError("a secret cannot be decrypted with the configured keys") from exc

    def reseal(self, sealed: str) -> str:
        """`sealed` encrypted again with the first key (any configured key may have sealed it)."""
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise ValueError("a secret cannot be decrypted with the configured keys") from exc
