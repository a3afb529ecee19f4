"""Subscriptions, link tokens and first recordings in the database (SQLite, and PostgreSQL when set):
tokens are random, stored hashed, single-purpose, and never reach another address's subscriptions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

import db
from collector.config import Settings
from collector.subscribing import (
    SubscriptionRequest,
    confirm,
    granted,
    issue_token,
    new_token,
    subscribe,
    unsubscribe,
    unsubscribe_by_token,
)
from db.schema import TOKENS
from tests.digest_seed import NOW, SUBSCRIBED, seed_digests

pytestmark = pytest.mark.usefixtures("roadmap")


@pytest.fixture
def roadmap(engine: Engine) -> None:
    seed_digests(engine)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def make(engine: Engine, email: str, topics: tuple[str, ...], confirmed: bool = True) -> db.SubscriptionRow:
    with db.session_scope(engine) as session:
        return subscribe(session, SubscriptionRequest(email, topics), SUBSCRIBED, "test", confirmed)


def test_tokens_are_random_long_and_stored_only_as_hashes(engine: Engine) -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200 and min(len(t) for t in tokens) >= 43  # 32 bytes = 256 bits, url-safe base64
    alice = make(engine, "alice@example.org", ("rag",))
    with db.session_scope(engine) as session:
        token = issue_token(session, "manage", alice.email, [alice.id], settings(), NOW)
        stored = list(session.execute(select(TOKENS.c.token_hash)).scalars())
    assert token not in stored and stored == [db.token_hash(token)] and len(stored[0]) == 64


def test_a_token_serves_one_purpose_one_address_and_expires(engine: Engine) -> None:
    alice = make(engine, "alice@example.org", ("rag",))
    bob = make(engine, "bob@example.org", ("rag", "agent"))
    week = settings(digest_link_days=7)
    with db.session_scope(engine) as session:
        manage = issue_token(session, "manage", alice.email, [alice.id], week, NOW)
        leave = issue_token(session, "unsubscribe", alice.email, [alice.id], week, NOW)
    with db.session_scope(engine) as session:
        assert granted(session, manage, "manage", NOW) is not None
        assert granted(session, manage, "unsubscribe", NOW) is None  # single purpose
        assert granted(session, leave, "manage", NOW) is None
        assert confirm(session, manage, NOW) == []  # a manage link confirms nothing
        assert granted(session, manage, "manage", NOW + timedelta(days=8)) is None  # expired
        assert granted(session, new_token(), "manage", NOW) is None
        grant = granted(session, manage, "manage", NOW)
        assert grant is not None and grant.email == "alice@example.org"
        # An address's grant cannot edit or delete another address's subscription, even by its id.
        assert not db.update_subscription(session, grant.email, bob.id, frequency="weekly")
        assert db.delete_subscriptions(session, grant.email, [bob.id]) == 0
    with db.session_scope(engine) as session:
        assert unsubscribe_by_token(session, leave, NOW) is not None
        assert unsubscribe_by_token(session, leave, NOW) is None  # spent
        assert db.list_subscriptions(session, "alice@example.org") == []
        assert db.subscriber(session, "alice@example.org") is None  # forgotten, with its tokens
        assert [s.id for s in db.list_subscriptions(session, "bob@example.org")] == [bob.id]
        assert db.list_subscriptions(session, "bob@example.org")[0].frequency == "daily"


def test_an_opt_in_link_confirms_its_subscription_once(engine: Engine) -> None:
    pending = make(engine, "carol@example.org", ("lora",), confirmed=False)
    other = make(engine, "carol@example.org", ("rag",), confirmed=False)
    with db.session_scope(engine) as session:
        token = issue_token(session, "confirm", pending.email, [pending.id], settings(), NOW)
    with db.session_scope(engine) as session:
        assert [s.id for s in confirm(session, token, NOW)] == [pending.id]
        assert confirm(session, token, NOW) == []
        by_id = {s.id: s for s in db.list_subscriptions(session, "carol@example.org")}
    assert by_id[pending.id].confirmed and not by_id[other.id].confirmed


def test_the_same_request_reuses_its_subscription_and_unsubscribe_narrows(engine: Engine) -> None:
    first = make(engine, "dan@example.org", ("rag", "agent"))
    assert make(engine, "dan@example.org", ("agent", "rag")).id == first.id
    make(engine, "dan@example.org", ("lora",))
    with db.session_scope(engine) as session:
        done = unsubscribe(session, "dan@example.org", ["agent", "lora"])
        left = db.list_subscriptions(session, "dan@example.org")
    assert (done.deleted, done.narrowed, done.forgotten) == (1, 1, False)
    assert [s.topic_ids for s in left] == [("rag",)]
    with db.session_scope(engine) as session:
        assert unsubscribe(session, "dan@example.org").forgotten
        assert db.subscriber(session, "dan@example.org") is None


def test_a_rematch_keeps_when_the_match_was_first_recorded(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        [first] = db.new_matches(session, ["lora"], NOW - timedelta(days=1), NOW - timedelta(days=90))[:1]
        row = db.MatchRow(first.summary.arxiv_id, "lora", 9.0, ("title: 'LoRA'",))
        for hours in (1, 5):  # matched_at is rewritten twice
            db.replace_matches(session, [row.arxiv_id], [row], NOW + timedelta(hours=hours))
    with db.session_scope(engine) as session:
        found = db.new_matches(session, ["lora"], NOW - timedelta(days=1), NOW - timedelta(days=90))
        again = [m for m in found if m.summary.arxiv_id == row.arxiv_id]
        matched_at = session.execute(
            text("SELECT matched_at FROM paper_topics WHERE arxiv_id = :a AND topic_id = 'lora'"),
            {"a": row.arxiv_id},
        ).scalar()
    assert [m.first_recorded for m in again] == [first.first_recorded]
    assert again[0].summary.score == 9.0 and str(matched_at)[:13] != str(first.first_recorded)[:13]


def test_only_a_confirmed_request_changes_an_existing_address(engine: Engine) -> None:
    def request(language: str | None, confirmed: bool, topic: str) -> None:
        with db.session_scope(engine) as session:
            wanted = SubscriptionRequest("erin@example.org", (topic,), language=language, reader="erin")
            subscribe(session, wanted, SUBSCRIBED, "test", confirmed)

    def language() -> str:
        with db.session_scope(engine) as session:
            found = db.subscriber(session, "erin@example.org")
            assert found is not None
            return found.language

    request("zh", True, "lora")
    request("en", False, "rag")  # anyone may type the address on the dashboard: no say over its settings
    assert language() == "zh"
    request(None, True, "agent")  # the operator adds a topic without naming a language: kept
    assert language() == "zh"
    request("en", True, "vit")
    assert language() == "en"
