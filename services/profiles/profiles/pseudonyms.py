"""Pseudonymous group keys of self-identified values (pure: no I/O).

Matching may compare people and count groups, but must never learn a value: it receives, per
attribute, a key that is the same for everyone of the organization who gave the same value. The key
is an HMAC (SHA-256) of the attribute and value under a secret of the organization's own, which
never leaves profiles, so a key cannot be turned back into its value by trying the few values an
attribute has; and two organizations' keys for the same value differ.
"""

from __future__ import annotations

import hashlib
import hmac

KEY_HEX_LENGTH = 32  # 128 bits: collisions are out of the question among an attribute's values


def group_key(secret: bytes, *, attribute: str, value: str) -> str:
    """The pseudonymous key of `value` of `attribute` under the organization's `secret`."""
    message = b"\x1f".join((b"self-identification-group", attribute.encode(), value.encode()))
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:KEY_HEX_LENGTH]
