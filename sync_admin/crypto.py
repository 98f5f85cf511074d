"""Encryption of provider tokens at rest.

A connection's token is stored only as Fernet ciphertext. ``MultiFernet`` lets
operators rotate keys: put the new key first, keep the old ones until
``sync-admin rotate-keys`` has re-encrypted every row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .errors import ConfigurationError

__all__ = ["TokenCipher", "check_keys", "generate_key"]


def generate_key() -> str:
    return Fernet.generate_key().decode()


def check_keys(keys: Sequence[str]) -> list[Fernet]:
    fernets = []
    for index, key in enumerate(keys):
        try:
            fernets.append(Fernet(key.encode() if isinstance(key, str) else key))
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                f"SYNC_ADMIN_TOKEN_KEYS: key #{index + 1} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from exc
    return fernets


class TokenCipher:
    """Turns a token dict into ciphertext and back."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigurationError("SYNC_ADMIN_TOKEN_KEYS: at least one key is needed")
        self._fernet = MultiFernet(check_keys(keys))

    def encrypt(self, token: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(token, sort_keys=True).encode()).decode()

    def decrypt(self, ciphertext: str) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(ciphertext.encode()))
        except InvalidToken as exc:
            raise ConfigurationError(
                "a stored token cannot be decrypted with SYNC_ADMIN_TOKEN_KEYS "
                "(was a key removed before rotation finished?)"
            ) from exc

    def rotate(self, ciphertext: str) -> str:
        return self._fernet.rotate(ciphertext.encode()).decode()
