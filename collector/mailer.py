"""SMTP: the one module that talks to the mail server (RADAR_SMTP_*).

A Mailer opens one connection when its first message goes out and reuses it for the whole batch (a
dropped connection is reopened). What the server's answers become:

    2xx                        accepted: `send` returns
    4xx                        retried with backoff (RADAR_SMTP_BACKOFF_SECONDS, doubling, at most five
                               minutes) RADAR_SMTP_MAX_RETRIES times, then MailDeferred for this message
    5xx                        MailRejected at once: this message will not go through as it is
    421, no connection         retried the same way, then MailUnavailable: the server is gone for now
    530, TLS or login failure  MailUnavailable at once: no message would pass

Certificates are verified (the system's CA store). The password goes only over TLS or to a server on this
machine, and is never logged or quoted: errors carry the host and the server's own answer.
"""

from __future__ import annotations

import ipaddress
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from collector.config import Settings
from collector.errors import ConfigError, MailDeferred, MailRejected, MailUnavailable

MAX_BACKOFF_SECONDS = 300.0
# 530: "must issue STARTTLS first", "authentication required": about the session, not one message.
SESSION_REFUSED = 530
logger = logging.getLogger(__name__)


class Transient(Exception):
    """A 4xx answer or a dropped connection: worth another try (internal to this module)."""

    def __init__(self, code: int, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(f"{code} {message}" if code else message)


class Unreachable(Transient):
    """No connection, or 421 (the server is closing): the whole server, not this message."""


def answer_text(text: bytes | str) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return " ".join(raw.split())[:300]


def on_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Mailer:
    """`with Mailer(settings) as mailer: mailer.send(message)`: one connection per batch."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings, self.sleep = settings, sleep
        self.connection: smtplib.SMTP | None = None
        self.opened = 0  # connections opened (one per batch, unless the server dropped one)

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    def send(self, mail: EmailMessage) -> None:
        """Deliver `mail` to its recipient or raise MailRejected, MailDeferred or MailUnavailable."""
        recipient = str(mail["To"])
        retrying = Retrying(
            retry=retry_if_exception_type(Transient),
            stop=stop_after_attempt(self.settings.smtp_max_retries + 1),
            wait=wait_exponential(multiplier=self.settings.smtp_backoff_seconds, max=MAX_BACKOFF_SECONDS),
            sleep=self.sleep,
            before_sleep=self.log_retry,
            reraise=True,
        )
        try:
            retrying(self.send_once, mail, recipient)
        except Unreachable as exc:
            raise MailUnavailable(recipient, f"{self.where}: {exc.message}", exc.code) from None
        except Transient as exc:
            raise MailDeferred(recipient, exc.message, exc.code) from None

    def send_once(self, mail: EmailMessage, recipient: str) -> None:
        try:
            self.connected().send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise self.refused(recipient, code, text) from None
        except smtplib.SMTPResponseException as exc:  # MAIL FROM or DATA refused
            raise self.refused(recipient, exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:  # dropped, reset, timed out
            self.close()
            raise Transient(0, f"connection to {self.where} lost: {exc}") from None

    def refused(self, recipient: str, code: int, text: bytes | str) -> Exception:
        if code == 421:  # the server closes the connection (smtplib has already dropped it)
            self.close()
            return Unreachable(code, answer_text(text))
        if code == SESSION_REFUSED:  # TLS or a login required: no message of ours will pass
            return MailUnavailable(recipient, f"{self.where}: {answer_text(text)}", code)
        if 400 <= code < 500:
            return Transient(code, answer_text(text))
        return MailRejected(recipient, answer_text(text), code)

    def connected(self) -> smtplib.SMTP:
        if self.connection is None:
            self.connection = self.open()
            self.opened += 1
        return self.connection

    def open(self) -> smtplib.SMTP:
        """A connection as RADAR_SMTP_SECURITY says, logged in when RADAR_SMTP_USER is set."""
        s = self.settings
        connection: smtplib.SMTP | None = None
        try:
            connection = self.connect()
            if s.smtp_user:
                connection.login(s.smtp_user, s.smtp_password.get_secret_value())
            return connection
        except (ssl.SSLError, smtplib.SMTPNotSupportedError, smtplib.SMTPAuthenticationError) as exc:
            close_quietly(connection)
            raise MailUnavailable("", f"{self.where}: {type(exc).__name__}: {answer_of(exc)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            close_quietly(connection)
            raise Unreachable(0, f"cannot connect: {exc}") from None

    def connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_user and s.smtp_security == "none" and not on_this_machine(s.smtp_host):
            raise ConfigError(
                f"refusing to send the SMTP password unencrypted to {s.smtp_host}: "
                "set RADAR_SMTP_SECURITY=starttls or tls"
            )
        timeout = s.smtp_timeout_seconds
        if s.smtp_security == "tls":
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=timeout, context=tls_context())
        connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout)
        if s.smtp_security == "starttls":
            connection.starttls(context=tls_context())
        return connection

    def close(self) -> None:
        connection, self.connection = self.connection, None
        close_quietly(connection)

    def log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning("SMTP %s: %s; retry %d in %.1f s", self.where, error, state.attempt_number, wait)


def tls_context() -> ssl.SSLContext:
    """Certificate and host name verified against the system's CA store (SSL_CERT_FILE overrides it)."""
    return ssl.create_default_context()


def answer_of(exc: Any) -> str:
    """The server's answer of an SMTP exception, code first (never the credentials we sent)."""
    text = getattr(exc, "smtp_error", None)
    return f"{getattr(exc, 'smtp_code', '')} {answer_text(text)}".strip() if text is not None else str(exc)


def close_quietly(connection: smtplib.SMTP | None) -> None:
    """QUIT if the server still listens, else just close the socket."""
    if connection is None:
        return
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
