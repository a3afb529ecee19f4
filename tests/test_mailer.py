"""SMTP security against a real aiosmtpd server: STARTTLS and implicit TLS with verified certificates (a
trustme CA), login, and the password never shown — in errors, logs or the settings' repr."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme

from collector.config import Settings
from collector.errors import ConfigError, MailUnavailable
from collector.mailer import Mailer
from tests.smtp_server import Inbox, smtp_server

PASSWORD = "s3cret-pw"


@pytest.fixture
def ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> trustme.CA:
    """A throw-away CA the client trusts (SSL_CERT_FILE is read by ssl.create_default_context)."""
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return authority


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def starttls(ca: trustme.CA) -> Iterator[Inbox]:
    with smtp_server(tls_context=server_context(ca), require_starttls=True, with_auth=True) as inbox:
        yield inbox


def settings(inbox: Inbox, **values: object) -> Settings:
    base = {key.removeprefix("RADAR_").lower(): value for key, value in inbox.env().items()}
    return Settings(_env_file=None, **(base | values))  # type: ignore[arg-type]


def mail(to: str = "alice@example.org") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "radar@radar.example", to, "test"
    message.set_content("hello")
    return message


def test_starttls_with_login_delivers(starttls: Inbox) -> None:
    with Mailer(settings(starttls, smtp_security="starttls", smtp_user="radar", smtp_password=PASSWORD)) as m:
        m.send(mail())
        m.send(mail("bob@example.org"))
    assert [r.recipients for r in starttls.received] == [["alice@example.org"], ["bob@example.org"]]
    assert starttls.logins == [("radar", PASSWORD)] and m.opened == 1


def test_implicit_tls_delivers(ca: trustme.CA) -> None:
    with smtp_server(ssl_context=server_context(ca)) as inbox:
        with Mailer(settings(inbox, smtp_security="tls")) as m:
            m.send(mail())
        assert len(inbox.received) == 1


def test_a_refused_login_stops_without_showing_the_password(
    starttls: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = settings(starttls, smtp_security="starttls", smtp_user="radar", smtp_password="wrong-pw-123")
    with pytest.raises(MailUnavailable) as refused, Mailer(wrong) as m:
        m.send(mail())
    assert "SMTPAuthenticationError" in str(refused.value) and "535" in str(refused.value)
    assert "wrong-pw-123" not in str(refused.value) + caplog.text + repr(wrong)
    assert starttls.received == []


def test_an_untrusted_certificate_is_refused(starttls: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")  # the system store does not know the test CA
    untrusted = settings(starttls, smtp_security="starttls", smtp_max_retries=0)
    with pytest.raises(MailUnavailable, match="CERTIFICATE_VERIFY_FAILED"), Mailer(untrusted) as m:
        m.send(mail())


def test_a_server_requiring_starttls_refuses_plain_mail(starttls: Inbox) -> None:
    with pytest.raises(MailUnavailable, match="530"), Mailer(settings(starttls, smtp_max_retries=0)) as m:
        m.send(mail())
    assert starttls.received == []


def test_a_password_is_never_sent_in_clear_to_another_machine(inbox: Inbox) -> None:
    plain = settings(inbox, smtp_host="smtp.example.org", smtp_user="radar", smtp_password=PASSWORD)
    with pytest.raises(ConfigError, match="RADAR_SMTP_SECURITY"), Mailer(plain) as m:
        m.send(mail())
