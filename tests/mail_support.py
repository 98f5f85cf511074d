"""A real SMTP server (aiosmtpd) on a free localhost port, keeping what it receives."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """Messages delivered to the server, as parsed email messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def text(self, index: int = -1) -> str:
        return self.messages[index].get_body(preferencelist=("plain",)).get_content()

    def html(self, index: int = -1) -> str:
        return self.messages[index].get_body(preferencelist=("html",)).get_content()

    def recipients(self, index: int = -1) -> list[str]:
        return sorted(self.envelopes[index].rcpt_tos)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def mail_config(port: int) -> dict[str, Any]:
    return {
        "SYNC_ADMIN_MAIL_SERVER": "127.0.0.1",
        "SYNC_ADMIN_MAIL_PORT": port,
        "SYNC_ADMIN_MAIL_SENDER": "sync-admin@club.example",
        "SYNC_ADMIN_BASE_URL": "https://admin.club.example",
    }
