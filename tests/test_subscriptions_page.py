"""The Subscriptions page (AppTest) with a real SMTP server: double opt-in, the links of a mail (confirm,
manage, unsubscribe) acting on their own address only, delivery failures shown, no address ever listed."""

from __future__ import annotations

import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import db
from collector.clock import utc_now
from collector.config import PROJECT_ROOT, Settings
from collector.delivery import send_digests
from collector.subscribing import SubscriptionRequest, issue_token, subscribe
from tests.smtp_server import Inbox

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
CONFIRM_LINK = re.compile(r"/subscriptions\?confirm=([\w-]+)")


@pytest.fixture
def mail(dashboard_db: str, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in inbox.env(RADAR_PUBLIC_URL="https://radar.example").items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    at.switch_page("app_pages/subscriptions.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    """Everything the page shows as text (Markdown escapes undone)."""
    parts = [e.value for kind in ("markdown", "caption", "text", "success", "warning", "error", "info")
             for e in getattr(at, kind)]  # fmt: skip
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def subscribe_on_page(address: str, *topics: str) -> AppTest:
    at = page()
    at.text_input(key="email").input(address)
    at.multiselect(key="topics").set_value(list(topics))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def operator_subscribes(settings: Settings, email: str, *topics: str) -> db.SubscriptionRow:
    with db.session_scope(db.make_engine(settings.database_url)) as session:
        return subscribe(session, SubscriptionRequest(email, topics), utc_now(), "cli", confirmed=True)


def test_a_third_party_address_gets_one_confirmation_mail_and_nothing_else(
    mail: Settings, inbox: Inbox
) -> None:
    operator_subscribes(mail, "bob@example.org", "rag")
    at = subscribe_on_page("victim@example.org", "lora", "rag")
    assert "a confirmation link is on its way" in shown(at) and "bob@example.org" not in shown(at)
    subscribe_on_page("victim@example.org", "lora")  # again, at once: no second mail
    assert [r.recipients for r in inbox.received] == [["victim@example.org"]]
    confirmation = inbox.received[0].message
    assert "confirm" in confirmation["Subject"].lower()
    text = confirmation.get_body(("plain",))
    assert text is not None and CONFIRM_LINK.search(text.get_content())
    engine = db.make_engine(mail.database_url)
    report = send_digests(mail, engine)  # a digest run: the pending address is not sent anything
    assert [o.email for o in report.outcomes] == ["bob@example.org"]
    assert all(r.recipients != ["victim@example.org"] for r in inbox.received[1:])
    with db.session_scope(engine) as session:
        assert not any(s.confirmed for s in db.list_subscriptions(session, "victim@example.org"))


def test_the_confirmation_link_confirms_once(mail: Settings, inbox: Inbox) -> None:
    subscribe_on_page("carol@example.org", "lora")
    text = inbox.received[0].message.get_body(("plain",))
    assert text is not None
    match = CONFIRM_LINK.search(text.get_content())
    assert match is not None
    at = page(confirm=match.group(1))
    assert "Confirmed: digests will come to carol@example.org" in shown(at)
    with db.session_scope(db.make_engine(mail.database_url)) as session:
        assert all(s.confirmed for s in db.list_subscriptions(session, "carol@example.org"))
    assert "unknown, already used or expired" in shown(page(confirm=match.group(1)))


def test_a_bad_address_is_refused_by_name_and_nothing_is_stored_or_sent(mail: Settings, inbox: Inbox) -> None:
    at = subscribe_on_page("alice@example.org\r\nBcc: everyone@example.org", "lora")
    assert "not a usable e-mail address" in shown(at) and "line break" in shown(at)
    at = subscribe_on_page("Alice <alice@example.org>", "lora")
    assert "display name" in shown(at)
    assert inbox.received == []
    with db.session_scope(db.make_engine(mail.database_url)) as session:
        assert db.list_subscriptions(session) == []


def test_a_manage_link_shows_and_edits_its_own_subscriptions_only(mail: Settings) -> None:
    alice = operator_subscribes(mail, "alice@example.org", "lora", "rag")
    bob = operator_subscribes(mail, "bob@example.org", "lora")
    engine = db.make_engine(mail.database_url)
    with db.session_scope(engine) as session:
        token = issue_token(session, "manage", alice.email, [alice.id], mail, utc_now())
    at = page(manage=token)
    assert "alice@example.org" in shown(at) and "bob@example.org" not in shown(at)
    at.radio[1].set_value("weekly")  # the first radio is the mail's language
    form_save = next(b for b in at.button if b.label == "Save")
    form_save.click().run()
    with db.session_scope(engine) as session:
        assert db.list_subscriptions(session, "alice@example.org")[0].frequency == "weekly"
        assert db.list_subscriptions(session, "bob@example.org")[0].frequency == "daily"
    assert "link is unknown, already used or expired" in shown(
        page(unsubscribe=token)
    )  # manage ≠ unsubscribe
    next(b for b in page(manage=token).button if b.label == "Unsubscribe from everything").click().run()
    with db.session_scope(engine) as session:
        assert db.subscriber(session, "alice@example.org") is None
        assert [s.id for s in db.list_subscriptions(session)] == [bob.id]


def test_an_unsubscribe_link_asks_then_unsubscribes_its_digest(mail: Settings) -> None:
    alice = operator_subscribes(mail, "alice@example.org", "lora")
    engine = db.make_engine(mail.database_url)
    with db.session_scope(engine) as session:
        token = issue_token(session, "unsubscribe", alice.email, [alice.id], mail, utc_now())
    at = page(unsubscribe=token)
    assert "Unsubscribe alice@example.org from this digest" in shown(at)
    with db.session_scope(engine) as session:
        assert db.list_subscriptions(session, "alice@example.org")  # nothing happens before the click
    at.button(key="unsubscribe").click().run()
    assert "You are unsubscribed" in shown(at)
    with db.session_scope(engine) as session:
        assert db.list_subscriptions(session, "alice@example.org") == []


def test_delivery_failures_show_on_the_subscriber_page_and_masked_on_the_collector_page(
    mail: Settings,
) -> None:
    alice = operator_subscribes(mail, "alice@example.org", "lora")
    engine = db.make_engine(mail.database_url)
    with db.session_scope(engine) as session:
        db.record_delivery_error(session, [alice.id], "rejected: 550 5.1.1 no such mailbox", utc_now())
        token = issue_token(session, "manage", alice.email, [alice.id], mail, utc_now())
    assert "550 5.1.1 no such mailbox" in shown(page(manage=token))
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("app_pages/collector.py").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "address" in d.value.columns)
    assert "a…@example.org" in set(table["address"]) and "alice@example.org" not in table.to_string()
    assert "550 5.1.1" in table.to_string()


def test_the_feed_links_follow_radar_feeds_base_url(mail: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "RADAR_FEEDS_BASE_URL" in shown(page())  # not published: the page says how
    monkeypatch.setenv("RADAR_FEEDS_BASE_URL", "https://feeds.example/radar/")
    at = page()
    assert "https://feeds.example/radar/levels/L3.atom" in markdown(at)
    at.selectbox(key="feed_topic").set_value("lora").run()
    assert "(https://feeds.example/radar/topics/lora.atom)" in "\n".join(c.value for c in at.caption)


def test_the_topic_page_links_its_feed_once_feeds_are_published(
    dashboard_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the Topic page's caption: the topic's feed when RADAR_FEEDS_BASE_URL publishes the feeds, and
    nothing (no setup talk for a learner) when it does not."""

    def topic_page() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params["topic"] = "rag"
        at.switch_page("app_pages/topic.py").run()
        assert not at.exception, [e.value for e in at.exception]
        st.cache_resource.clear()
        return at

    assert not any("RADAR_FEEDS" in c.value or "Atom feed" in c.value for c in topic_page().caption)
    monkeypatch.setenv("RADAR_FEEDS_BASE_URL", "https://feeds.example")
    captions = [c.value for c in topic_page().caption]
    assert any("(https://feeds.example/topics/rag.atom)" in c for c in captions), captions


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)
