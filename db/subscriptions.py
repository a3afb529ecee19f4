"""Subscribers, their subscriptions, and the tokens of the links in their mail.

Tokens are stored as SHA-256 hashes only: a copy of the table unlocks nothing. A token is looked up by
its hash *and* its purpose, and acts only on the address and subscriptions stored with it, so a confirm
link cannot unsubscribe and one address's link cannot touch another's. Writes that act for a subscriber
(edits, deletes) are always scoped by the address, never by a subscription id alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from db.convert import RecordMap, chunks
from db.dialect import upsert_statement
from db.records import SubscriberRow, SubscriptionRow, TokenRow
from db.schema import SUBSCRIBERS, SUBSCRIPTIONS, TOKENS

SUBSCRIBER = RecordMap(SubscriberRow, SUBSCRIBERS)
SUBSCRIPTION = RecordMap(SubscriptionRow, SUBSCRIPTIONS)
TOKEN = RecordMap(TokenRow, TOKENS)
DEFAULT_LANGUAGE = "en"


def token_hash(token: str) -> str:
    """What is stored of a token. Tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- subscribers ----------------------------------------------------------------------------------------
def subscriber(session: Session, email: str) -> SubscriberRow | None:
    row = session.execute(select(*SUBSCRIBER.columns).where(SUBSCRIBERS.c.email == email)).first()
    return None if row is None else SUBSCRIBER.record(row)


def subscribers_by_email(session: Session, emails: Collection[str]) -> dict[str, SubscriberRow]:
    found: dict[str, SubscriberRow] = {}
    for chunk in chunks(sorted(set(emails))):
        query = select(*SUBSCRIBER.columns).where(SUBSCRIBERS.c.email.in_(chunk))
        found.update((row.email, SUBSCRIBER.record(row)) for row in session.execute(query))
    return found


def save_subscriber(
    session: Session, email: str, language: str | None, reader: str | None, now: datetime
) -> SubscriberRow:
    """Create the address, or set its language and reader profile; None keeps what is stored (a new address
    gets DEFAULT_LANGUAGE and no profile)."""
    known = subscriber(session, email)
    row = SubscriberRow(email, language or DEFAULT_LANGUAGE, reader, now)
    if known is not None:
        row = SubscriberRow(email, language or known.language, reader or known.reader, known.created_at)
    statement = upsert_statement(session, SUBSCRIBERS, ["email"], ["language", "reader"])
    session.execute(statement, [SUBSCRIBER.values(row)])
    return row


def delete_subscriber(session: Session, email: str) -> bool:
    """The address and everything stored about it (subscriptions, tokens, digests, ledger) are deleted."""
    result = session.execute(delete(SUBSCRIBERS).where(SUBSCRIBERS.c.email == email))
    return bool(getattr(result, "rowcount", 0))


def delete_idle_subscribers(session: Session) -> int:
    """Addresses left without any subscription are forgotten, with their ledger and tokens."""
    idle = ~exists().where(SUBSCRIPTIONS.c.email == SUBSCRIBERS.c.email)
    result = session.execute(delete(SUBSCRIBERS).where(idle))
    return int(getattr(result, "rowcount", 0) or 0)


# -- subscriptions --------------------------------------------------------------------------------------
def list_subscriptions(
    session: Session, email: str | None = None, confirmed_only: bool = False
) -> list[SubscriptionRow]:
    """Subscriptions by address, then age; one address's only when `email` is given."""
    query = select(*SUBSCRIPTION.columns).order_by(SUBSCRIPTIONS.c.email, SUBSCRIPTIONS.c.id)
    if email is not None:
        query = query.where(SUBSCRIPTIONS.c.email == email)
    if confirmed_only:
        query = query.where(SUBSCRIPTIONS.c.confirmed_at.is_not(None))
    return [SUBSCRIPTION.record(row) for row in session.execute(query)]


def add_subscription(
    session: Session,
    email: str,
    topic_ids: Sequence[str],
    levels: Sequence[str],
    frequency: str,
    origin: str,
    now: datetime,
    confirmed: bool,
) -> SubscriptionRow:
    """A new subscription of an existing subscriber (see save_subscriber); pending unless `confirmed`."""
    values: dict[str, Any] = {
        "email": email,
        "topic_ids": list(topic_ids),
        "levels": list(levels),
        "frequency": frequency,
        "origin": origin,
        "created_at": now,
        "confirmed_at": now if confirmed else None,
    }
    new_id = session.execute(insert(SUBSCRIPTIONS).values(values).returning(SUBSCRIPTIONS.c.id)).scalar_one()
    return SubscriptionRow(
        id=new_id, email=email, topic_ids=tuple(topic_ids), levels=tuple(levels), frequency=frequency,
        origin=origin, created_at=now, confirmed_at=values["confirmed_at"],
    )  # fmt: skip


def update_subscription(session: Session, email: str, subscription_id: int, **values: Any) -> bool:
    """Change one of `email`'s subscriptions (topic_ids, levels, frequency); False if it is not theirs."""
    result = session.execute(
        update(SUBSCRIPTIONS)
        .where(SUBSCRIPTIONS.c.id == subscription_id, SUBSCRIPTIONS.c.email == email)
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0))


def delete_subscriptions(session: Session, email: str, subscription_ids: Collection[int]) -> int:
    """Delete those of the subscriptions that belong to `email`; returns how many went."""
    result = session.execute(
        delete(SUBSCRIPTIONS).where(
            SUBSCRIPTIONS.c.email == email, SUBSCRIPTIONS.c.id.in_(list(subscription_ids))
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def confirm_subscriptions(
    session: Session, email: str, subscription_ids: Collection[int], now: datetime
) -> int:
    """Confirm `email`'s pending subscriptions among these ids (the opt-in link was opened)."""
    result = session.execute(
        update(SUBSCRIPTIONS)
        .where(
            SUBSCRIPTIONS.c.email == email,
            SUBSCRIPTIONS.c.id.in_(list(subscription_ids)),
            SUBSCRIPTIONS.c.confirmed_at.is_(None),
        )
        .values(confirmed_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mark_checked(session: Session, subscription_ids: Collection[int], now: datetime) -> None:
    """A digest run found nothing new for these subscriptions: their next period starts now."""
    for chunk in chunks(list(subscription_ids)):
        session.execute(update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id.in_(chunk)).values(checked_at=now))


def record_delivery_error(
    session: Session, subscription_ids: Collection[int], error: str, now: datetime
) -> None:
    """A digest for these subscriptions was refused (or given up on): the reason, shown to the subscriber
    and on the Collector page; cleared by the next delivery."""
    for chunk in chunks(list(subscription_ids)):
        which = SUBSCRIPTIONS.c.id.in_(chunk)
        session.execute(update(SUBSCRIPTIONS).where(which).values(error=error[:1000], error_at=now))


def delete_unconfirmed(session: Session, created_before: datetime) -> int:
    """Pending subscriptions whose opt-in link has expired are deleted (and addresses left without any)."""
    result = session.execute(
        delete(SUBSCRIPTIONS).where(
            SUBSCRIPTIONS.c.confirmed_at.is_(None), SUBSCRIPTIONS.c.created_at < created_before
        )
    )
    gone = int(getattr(result, "rowcount", 0) or 0)
    delete_idle_subscribers(session)
    return gone


# -- tokens ---------------------------------------------------------------------------------------------
def add_token(
    session: Session,
    token: str,
    purpose: str,
    email: str,
    subscription_ids: Collection[int],
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a link's token (its hash) for one purpose on `email`'s `subscription_ids`."""
    session.execute(
        insert(TOKENS).values(
            token_hash=token_hash(token), purpose=purpose, email=email,
            subscription_ids=sorted(subscription_ids), created_at=now, expires_at=expires_at,
        )
    )  # fmt: skip


def add_tokens(session: Session, rows: Sequence[tuple[str, TokenRow]]) -> None:
    """Store many (token, what it allows) at once: the links of a batch of digests."""
    values = [{"token_hash": token_hash(token)} | TOKEN.values(row) for token, row in rows]
    if values:
        session.execute(insert(TOKENS), values)


def find_token(session: Session, token: str, purpose: str, now: datetime) -> TokenRow | None:
    """What `token` allows, if it exists, serves `purpose` and has not expired; None otherwise."""
    query = select(*TOKEN.columns).where(
        TOKENS.c.token_hash == token_hash(token), TOKENS.c.purpose == purpose, TOKENS.c.expires_at > now
    )
    row = session.execute(query).first()
    return None if row is None else TOKEN.record(row)


def delete_token(session: Session, token: str) -> None:
    session.execute(delete(TOKENS).where(TOKENS.c.token_hash == token_hash(token)))


def delete_expired_tokens(session: Session, now: datetime) -> int:
    result = session.execute(delete(TOKENS).where(TOKENS.c.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def last_token_at(session: Session, email: str, purpose: str) -> datetime | None:
    """When the newest `purpose` token of the address was made (e.g. the last confirmation mail)."""
    query = select(func.max(TOKENS.c.created_at)).where(TOKENS.c.email == email, TOKENS.c.purpose == purpose)
    value: datetime | None = session.execute(query).scalar()
    return value
