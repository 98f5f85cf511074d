"""Remove secrets from provider answers before they are stored or logged."""

from __future__ import annotations

import re

__all__ = ["scrub"]

_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*"), r"\1[removed]"),
    (
        re.compile(
            r'(?i)("?(?:access_token|refresh_token|id_token|client_secret|password|code_verifier)"?'
            r"\s*[:=]\s*\"?)[^\",&\s}]+"
        ),
        r"\1[removed]",
    ),
]


def scrub(text: str | None, limit: int = 20000) -> str | None:
    if text is None:
        return None
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text[:limit]
