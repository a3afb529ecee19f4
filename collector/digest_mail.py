"""Mail as subscribers get it: a digest, a "nothing new" note or an opt-in request, rendered from the
Jinja2 templates of the subscriber's language (collector/templates/<en|zh>/), plain text and HTML in one
multipart/alternative message (pure: the tokens of its links are made and stored by the caller).

Titles, abstracts, author names and resource titles come from upstream and are untrusted: the HTML
templates autoescape them, both bodies drop control characters, and a link is only ever an http(s) URL
(anything else is shown as text). Every digest carries RFC 8058 one-click unsubscribe headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from collector.config import Settings
from collector.digests import Digest
from db import SubscriptionRow, TopicRow

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SPACES = re.compile(r"\s+")
ABSTRACT_CHARS = 400


def clean(text: object) -> str:
    """Untrusted text on one line: control characters dropped, whitespace collapsed."""
    return SPACES.sub(" ", CONTROL.sub("", str(text))).strip()


def short(text: object, limit: int = ABSTRACT_CHARS) -> str:
    flat = clean(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def http_url(url: object) -> str | None:
    """`url` if it is a plain http(s) URL with a host, else None (no javascript:, data:, mailto:…)."""
    if not isinstance(url, str) or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("collector", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(clean=clean, short=short, http_url=http_url)
    return env


ENV = environment()


@dataclass(frozen=True)
class Links:
    """The links of one digest: each token is single-purpose and names this digest's subscriptions only."""

    unsubscribe: str  # one-click (RFC 8058): POST here unsubscribes; GET shows a confirmation page
    unsubscribe_page: str
    manage: str


def links(public_url: str, unsubscribe_token: str, manage_token: str) -> Links:
    return Links(
        unsubscribe=f"{public_url}/unsubscribe?token={unsubscribe_token}",
        unsubscribe_page=f"{public_url}/subscriptions?unsubscribe={unsubscribe_token}",
        manage=f"{public_url}/subscriptions?manage={manage_token}",
    )


def topic_url(public_url: str, topic_id: str) -> str:
    return f"{public_url}/topic?topic={quote(topic_id)}"


def render(name: str, language: str, **context: Any) -> tuple[str, str]:
    """The text and HTML bodies of template `name` in `language`."""
    return tuple(  # type: ignore[return-value]
        ENV.get_template(f"{language}/{name}.{kind}").render(**context) for kind in ("txt", "html")
    )


def message(
    settings: Settings, to: str, subject: str, bodies: tuple[str, str], now: datetime, id_hint: str
) -> EmailMessage:
    """A multipart/alternative message (text first, HTML preferred) with the headers every mail has."""
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(id_hint, domain=sender_domain(settings.smtp_from))
    mail.set_content(bodies[0])  # quoted-printable: plain text stays readable, and spam filters like it
    mail.add_alternative(bodies[1], subtype="html", cte="base64")  # encoded in C: a third of the time of QP
    return mail


def sender_domain(sender: str) -> str:
    return getaddresses([sender])[0][1].rpartition("@")[2] or "localhost"


# -- a digest ------------------------------------------------------------------------------------------
def digest_subject(digest: Digest) -> str:
    return ENV.get_template(f"{digest.plan.subscriber.language}/subject.txt").render(digest=digest).strip()


def digest_message(
    digest: Digest, digest_links: Links, settings: Settings, now: datetime, digest_id: str
) -> EmailMessage:
    """The digest as a mail, with RFC 8058 one-click unsubscribe and a List-Id."""
    language, frequency = digest.plan.subscriber.language, digest.plan.frequency
    context = {"digest": digest, "links": digest_links, "now": now, "public_url": settings.public_url}
    bodies = render("digest", language, **context)
    mail = message(settings, digest.plan.email, digest_subject(digest), bodies, now, digest_id)
    mail["Content-Language"] = language
    mail["List-Id"] = f"Roadmap Radar {frequency} digest <{frequency}.digest.{list_host(settings)}>"
    mail["List-Unsubscribe"] = f"<{digest_links.unsubscribe}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail


def list_host(settings: Settings) -> str:
    return urlsplit(settings.public_url).hostname or "localhost"


# -- an opt-in request ----------------------------------------------------------------------------------
def confirmation_message(
    settings: Settings,
    subscription: SubscriptionRow,
    language: str,
    topics: dict[str, TopicRow],
    confirm_url: str,
    now: datetime,
) -> EmailMessage:
    """The one mail a subscription made on the dashboard sends before its link is opened."""
    context = {"subscription": subscription, "topics": topics, "confirm_url": confirm_url}
    bodies = render("confirm", language, **context)
    subject = ENV.get_template(f"{language}/confirm_subject.txt").render().strip()
    mail = message(settings, subscription.email, subject, bodies, now, f"confirm-{subscription.id}")
    mail["Content-Language"] = language
    return mail
