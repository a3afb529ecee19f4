"""Subscribing: what the CLI and the Subscriptions page do to subscriptions, and the links that let a
subscriber act on their own subscriptions without a login.

    subscribe     a checked request ──▶ the address (language, reader profile) + a subscription:
                  confirmed at once from the CLI (`--confirmed`, run by the operator), pending otherwise
    confirm       an opt-in link's token ──▶ its pending subscriptions confirmed; the token is spent
    unsubscribe   by the operator (an address, some topics or levels) or by a mail's link (the
                  subscriptions of that digest); an address left without subscriptions is forgotten
    manage        a mail's manage link: that address's subscriptions, to see and edit

A token is 256 random bits (secrets.token_urlsafe), stored hashed (db.subscriptions), for one purpose,
one address and the subscriptions it names; it expires after RADAR_DIGEST_LINK_DAYS.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import db
from collector.addresses import parse_address, shown
from collector.config import Settings
from collector.errors import ConfigError
from db import FREQUENCIES, LANGUAGES, SubscriptionRow, TokenRow

TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """What a subscriber asks for: topics and/or levels, how often, in which language."""

    email: str
    topic_ids: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    frequency: str = "daily"
    language: str | None = None  # None: the address's language as stored (en for a new address)
    reader: str | None = None  # the dashboard reader profile whose read marks the classics footer uses


def checked(
    request: SubscriptionRequest, topic_ids: Collection[str], levels: Collection[str]
) -> SubscriptionRequest:
    """The request with its address normalised, or ConfigError naming the first bad value."""
    if not request.topic_ids and not request.levels:
        raise ConfigError("a subscription needs at least one --topic or --level")
    for value, known, what in [(t, topic_ids, "topic") for t in request.topic_ids] + [
        (level, levels, "level") for level in request.levels
    ]:
        if value not in known:
            raise ConfigError(f"unknown {what} {shown(value)}{suggestion(value, known)}")
    if request.frequency not in FREQUENCIES:
        raise ConfigError(f"unknown frequency {shown(request.frequency)}: use {' or '.join(FREQUENCIES)}")
    if request.language is not None and request.language not in LANGUAGES:
        raise ConfigError(f"unknown language {shown(request.language)}: use {' or '.join(LANGUAGES)}")
    unique = replace(request, topic_ids=tuple(dict.fromkeys(request.topic_ids)))
    return replace(unique, email=parse_address(request.email), levels=tuple(dict.fromkeys(request.levels)))


def suggestion(value: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


# -- subscribe, confirm -----------------------------------------------------------------------------------
def subscribe(
    session: Session, request: SubscriptionRequest, now: datetime, origin: str, confirmed: bool
) -> SubscriptionRow:
    """Store a checked request. The same topics, levels and frequency again reuse the stored subscription
    (confirming it when `confirmed`). A confirmed request sets the address's language and reader profile;
    a pending one (anyone may type any address) only sets them for an address new to us."""
    if confirmed or db.subscriber(session, request.email) is None:
        db.save_subscriber(session, request.email, request.language, request.reader, now)
    same = [s for s in db.list_subscriptions(session, request.email) if same_subscription(s, request)]
    if not same:
        wanted = (request.topic_ids, request.levels, request.frequency)
        return db.add_subscription(session, request.email, *wanted, origin, now, confirmed)
    if confirmed and not same[0].confirmed:
        db.confirm_subscriptions(session, request.email, [same[0].id], now)
        return replace(same[0], confirmed_at=now)
    return same[0]


def same_subscription(stored: SubscriptionRow, request: SubscriptionRequest) -> bool:
    return (
        set(stored.topic_ids) == set(request.topic_ids)
        and set(stored.levels) == set(request.levels)
        and stored.frequency == request.frequency
    )


def issue_token(
    session: Session, purpose: str, email: str, ids: Collection[int], settings: Settings, now: datetime
) -> str:
    """A new link token for `purpose` on `email`'s subscriptions `ids`, stored hashed; returns it."""
    token = new_token()
    expires = now + timedelta(days=settings.digest_link_days)
    db.add_token(session, token, purpose, email, ids, now, expires)
    return token


def confirm(session: Session, token: str, now: datetime) -> list[SubscriptionRow]:
    """Confirm what an opt-in link names and spend its token; [] for an unknown, used or expired token."""
    grant = db.find_token(session, token, "confirm", now)
    if grant is None:
        return []
    db.confirm_subscriptions(session, grant.email, grant.subscription_ids, now)
    db.delete_token(session, token)
    return [s for s in db.list_subscriptions(session, grant.email) if s.id in grant.subscription_ids]


# -- unsubscribe, manage ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Unsubscribed:
    """What an unsubscribe did: subscriptions deleted, subscriptions that kept other topics or levels."""

    deleted: int = 0
    narrowed: int = 0
    forgotten: bool = False  # the address and everything stored about it are gone


def unsubscribe(
    session: Session, email: str, topic_ids: Sequence[str] = (), levels: Sequence[str] = ()
) -> Unsubscribed:
    """The operator's unsubscribe: everything of the address, or these topics and levels out of its
    subscriptions (one left with nothing is deleted)."""
    if not topic_ids and not levels:
        count = len(db.list_subscriptions(session, email))
        return Unsubscribed(deleted=count, forgotten=db.delete_subscriber(session, email))
    deleted = narrowed = 0
    for sub in db.list_subscriptions(session, email):
        topics = tuple(t for t in sub.topic_ids if t not in topic_ids)
        kept_levels = tuple(level for level in sub.levels if level not in levels)
        if (topics, kept_levels) == (sub.topic_ids, sub.levels):
            continue
        if topics or kept_levels:
            db.update_subscription(session, email, sub.id, topic_ids=list(topics), levels=list(kept_levels))
            narrowed += 1
        else:
            deleted += db.delete_subscriptions(session, email, [sub.id])
    db.delete_idle_subscribers(session)
    return Unsubscribed(deleted, narrowed, forgotten=db.subscriber(session, email) is None)


def unsubscribe_by_token(session: Session, token: str, now: datetime) -> TokenRow | None:
    """A mail's unsubscribe link: delete the subscriptions it names (theirs only); None for a bad token."""
    grant = db.find_token(session, token, "unsubscribe", now)
    if grant is None:
        return None
    db.delete_subscriptions(session, grant.email, grant.subscription_ids)
    db.delete_token(session, token)
    db.delete_idle_subscribers(session)
    return grant


def granted(session: Session, token: str, purpose: str, now: datetime) -> TokenRow | None:
    """What a link's token allows for `purpose` (manage, unsubscribe), without spending it."""
    return db.find_token(session, token, purpose, now)
