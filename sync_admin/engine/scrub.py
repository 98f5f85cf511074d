"""Remove secrets from provider answers before they are stored or logged.

One set of patterns for the engine and for text leaving the app: ``scrub`` is
``sync_admin.redaction.scrub`` (``redact`` cut to a length).
"""

from __future__ import annotations

from ..redaction import scrub

__all__ = ["scrub"]
