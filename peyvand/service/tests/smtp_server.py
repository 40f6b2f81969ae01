"""A real SMTP server on a local port (aiosmtpd) that keeps what it receives, for tests that
send through Django's SMTP e-mail backend end to end."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


class _Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """with SmtpServer() as server: ... server.host, server.port, server.received"""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
