"""Sending mail over a real SMTP connection with Flask-Mailman.

The plugin's own keys (``SYNC_ADMIN_MAIL_*``) configure the connection, so a
host product's ``MAIL_*`` settings for its own mail are left alone. Without
``SYNC_ADMIN_MAIL_SERVER`` nothing is sent and the message is logged (subject
and recipients only).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import current_app
from flask_mailman import EmailMultiAlternatives, Mail

log = logging.getLogger(__name__)

__all__ = ["send_mail"]


def _mail() -> Mail:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "mailman" not in app.extensions:
        Mail().init_app(app)
    return app.extensions["mailman"]


def send_mail(recipients: Sequence[str], subject: str, text: str, html: str | None = None) -> int:
    """Send one message to ``recipients``; the number of messages sent (0 or 1)."""
    config = current_app.config
    recipients = sorted(set(recipients))
    if not recipients:
        return 0
    server = config.get("SYNC_ADMIN_MAIL_SERVER")
    if not server:
        log.info(
            "mail not sent (no SYNC_ADMIN_MAIL_SERVER): %r to %d recipient(s)",
            subject,
            len(recipients),
        )
        return 0
    connection = _mail().get_connection(
        backend="smtp",
        host=server,
        port=int(config.get("SYNC_ADMIN_MAIL_PORT") or 25),
        username=config.get("SYNC_ADMIN_MAIL_USERNAME") or "",
        password=config.get("SYNC_ADMIN_MAIL_PASSWORD") or "",
        use_tls=bool(config.get("SYNC_ADMIN_MAIL_USE_TLS")),
        use_ssl=False,
        timeout=10,
    )
    sender = config.get("SYNC_ADMIN_MAIL_SENDER") or "sync-admin@localhost"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=sender,
        to=recipients,
        connection=connection,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
