"""Double opt-in: the one mail a pending subscription sends, with its confirm link (a single-use token).

Whoever typed the address (the dashboard's form, `radar subscribe` without `--confirmed`) causes this mail
and nothing else; at most one per address per CONFIRM_INTERVAL, so the form cannot be used to flood a
third party's mailbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

import db
from collector.config import Settings
from collector.digest_mail import confirmation_message
from collector.mailer import Mailer
from collector.subscribing import issue_token
from db import SubscriptionRow, TopicRow

CONFIRM_INTERVAL = timedelta(hours=1)


def confirm_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/subscriptions?confirm={token}"


def request_confirmation(
    engine: Engine,
    settings: Settings,
    subscription: SubscriptionRow,
    language: str,
    topics: Sequence[TopicRow],
    now: datetime,
) -> bool:
    """Send the opt-in mail of a pending subscription; False (nothing sent) when the address got one less
    than CONFIRM_INTERVAL ago. MailError when the server refuses it (the token is then unused)."""
    with db.session_scope(engine) as session:
        last = db.last_token_at(session, subscription.email, "confirm")
        if last is not None and now - last < CONFIRM_INTERVAL:
            return False
        token = issue_token(session, "confirm", subscription.email, [subscription.id], settings, now)
    by_id = {t.id: t for t in topics}
    mail = confirmation_message(settings, subscription, language, by_id, confirm_url(settings, token), now)
    with Mailer(settings) as mailer:
        mailer.send(mail)
    return True
