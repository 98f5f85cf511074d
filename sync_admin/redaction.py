"""Taking secrets and unneeded personal data out of text that leaves the app.

Support bundles, notifications and API answers quote provider messages and
staff-visible errors; ``redact`` removes what must never travel with them
(bearer tokens, OAuth token fields, client secrets, Authorization headers,
JWTs and any fragment of one, the token a provider echoes after "Token expired:",
Fernet ciphertexts), and ``mask_email`` keeps just enough of an address
for support to recognise it.
"""

from __future__ import annotations

import re

__all__ = ["REDACTED", "mask_email", "redact", "scrub"]

REDACTED = "[redacted]"

_SECRET_FIELDS = (
    "access_token|refresh_token|id_token|client_secret|client_assertion|password|"
    "code_verifier|token|secret|api_key|apikey"
)
_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Authorization: Bearer xxx / Basic xxx (header lines, repr of dicts)
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)?\s*[^\s'\",}]+"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*"),
    # "access_token": "xxx", access_token=xxx, 'refresh_token': 'xxx'
    re.compile(rf"(?i)(['\"]?\b(?:{_SECRET_FIELDS})['\"]?\s*[:=]\s*['\"]?)[^\s'\"&,}}]+"),
    # A provider echoing the token it refused: QuickBooks' "Token expired: <first characters>"
    re.compile(r"(?i)(\btoken\s+(?:expired|invalid|revoked)\s*[:=]\s*)[^\s'\"\\,;}\]]+"),
    # JWTs, and any cut-off fragment of one (a base64url JSON header starts ``eyJ``)
    re.compile(r"\beyJ[A-Za-z0-9_\-.+/]{5,}=*"),
    # Fernet ciphertexts wherever they appear
    re.compile(r"\bgAAAAA[A-Za-z0-9_=-]{20,}"),
)


def redact(text: str | None) -> str | None:
    """``text`` with every secret-looking value replaced by ``[redacted]``."""
    if not text:
        return text
    out = text
    for pattern in _PATTERNS:
        if pattern.groups:
            out = pattern.sub(lambda m: f"{m.group(1)}{REDACTED}", out)
        else:
            out = pattern.sub(REDACTED, out)
    return out


def scrub(text: str | None, limit: int = 20000) -> str | None:
    """``redact`` for text the app stores (log lines, bodies, details), cut to ``limit``."""
    if text is None:
        return None
    return (redact(text) or "")[:limit]


def mask_email(value: str | None) -> str | None:
    """``owner@tiny.example`` -> ``o***@tiny.example``; names without @ -> first letter."""
    if not value:
        return value
    local, at, domain = value.partition("@")
    if not at:
        return f"{value[0]}***"
    return f"{local[:1]}***@{domain}"
