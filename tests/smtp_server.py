"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping every message it accepts.

    with smtp_server() as inbox:                 # inbox.port, inbox.received, inbox.env()
        inbox.script.extend(["451 4.3.0 try again later", "550 5.1.1 no such mailbox"])
        inbox.on_accept = lambda got: ...        # runs after a message is accepted (fault injection)

`script` answers the next DATA commands (a 250 in it accepts); after it runs out every message is accepted.
TLS (STARTTLS or implicit) and AUTH take a trustme CA (tests/test_mailer.py). aiosmtpd's start-up
self-connect fails on port 0 (STACK.md), so a free port is picked first.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Inbox:
    """The aiosmtpd handler: what it accepted, the answers it still has to give, sessions it saw."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    script: deque[str] = field(default_factory=deque)
    answered: list[str] = field(default_factory=list)  # every DATA answer given, in order
    ehlos: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    on_accept: Callable[[Received], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.ehlos += 1
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            reply = self.script.popleft() if self.script else "250 2.0.0 OK queued"
            self.answered.append(reply)
        if not reply.startswith("250"):
            return reply
        raw = bytes(envelope.original_content or envelope.content)
        message = message_from_bytes(raw, policy=policy.default)
        got = Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw)  # type: ignore[arg-type]
        with self.lock:
            self.received.append(got)
        if self.on_accept is not None:
            self.on_accept(got)
        return reply

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=auth_data.password == b"s3cret-pw", handled=False)
        return AuthResult(success=False, handled=False)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def env(self, **overrides: str) -> dict[str, str]:
        """RADAR_SMTP_* pointing at this server (plain, no login, no retry delay)."""
        return {
            "RADAR_SMTP_HOST": "127.0.0.1",
            "RADAR_SMTP_PORT": str(self.port),
            "RADAR_SMTP_SECURITY": "none",
            "RADAR_SMTP_FROM": "Roadmap Radar <radar@radar.example>",
            "RADAR_SMTP_BACKOFF_SECONDS": "0.01",
            "RADAR_SMTP_TIMEOUT_SECONDS": "10",
            **overrides,
        }


@contextmanager
def smtp_server(**smtp_options: Any) -> Iterator[Inbox]:
    """A started server on 127.0.0.1 (aiosmtpd SMTP options: tls_context, ssl_context, authenticator…)."""
    inbox = Inbox(port=free_port())
    if smtp_options.pop("with_auth", False):
        smtp_options["authenticator"] = inbox.authenticate
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **smtp_options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
