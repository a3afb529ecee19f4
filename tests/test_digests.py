"""Digests over a real SMTP server (aiosmtpd on loopback), on SQLite and PostgreSQL: what arrives, how it
is built and ranked, and that every new paper is delivered once across runs, retries and failures."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

import db
from collector.config import PROJECT_ROOT, Settings
from collector.delivery import send_digests
from collector.ranking import rank_about
from collector.roadmap import load_roadmap
from collector.subscribing import SubscriptionRequest, subscribe
from db import MatchRow, SubscriptionRow
from tests.digest_seed import HOSTILE_ID, NOW, SUBSCRIBED, Seeded, hostile_paper, seed_digests
from tests.smtp_server import Inbox, Received

TOPICS = ("agent", "multimodal", "rag", "diffusion", "lora")
ABS_ID = re.compile(r"arxiv\.org/abs/(\d{4}\.\d{4,5})")


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed_digests(engine)


def mail_settings(inbox: Inbox, **overrides: Any) -> Settings:
    values = {key.removeprefix("RADAR_").lower(): value for key, value in inbox.env().items()}
    values |= {"public_url": "https://radar.example", **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def add(engine: Engine, email: str, topics: tuple[str, ...] = TOPICS, **request: Any) -> SubscriptionRow:
    when = request.pop("when", SUBSCRIBED)
    with db.session_scope(engine) as session:
        return subscribe(session, SubscriptionRequest(email, topics, **request), when, "cli", confirmed=True)


def sent_to(engine: Engine, email: str) -> dict[str, tuple[str, bool]]:
    with db.session_scope(engine) as session:
        return {arxiv_id: (topic, listed) for arxiv_id, topic, listed in db.ledger(session, email)}


def listed_ids(text: str) -> list[str]:
    """arXiv ids of the papers a text body lists, in order (the footer's classics left out)."""
    return ABS_ID.findall(re.split("Classics you have not marked read|尚未标记为已读的经典论文", text)[0])


def bodies(got: Received) -> tuple[str, str]:
    text, html = got.message.get_body(("plain",)), got.message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


# -- what arrives ------------------------------------------------------------------------------------------
def test_a_digest_arrives_with_headers_both_bodies_and_every_new_paper(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    add(engine, "alice@example.org")
    report = send_digests(mail_settings(inbox), engine, NOW)

    assert [o.status for o in report.outcomes] == ["sent"]
    [got] = inbox.received
    assert got.recipients == ["alice@example.org"] and got.sender == "radar@radar.example"
    mail = got.message
    assert mail["To"] == "alice@example.org" and mail["From"] == "Roadmap Radar <radar@radar.example>"
    assert mail["Subject"].startswith("Roadmap Radar · daily digest · ")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https://radar\.example/unsubscribe\?token=[\w-]{43,}>", mail["List-Unsubscribe"])
    assert mail["Message-ID"] and mail["Date"] and mail["Content-Language"] == "en"
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]

    # Every new paper of the followed topics is told, once: listed, or counted with a link.
    ledger = sent_to(engine, "alice@example.org")
    assert set(ledger) == seeded.news(set(TOPICS)) and len(ledger) > 20
    text, html = bodies(got)
    listed = [a for a, (_, shown) in ledger.items() if shown]
    for arxiv_id in listed:
        assert Counter(listed_ids(text))[arxiv_id] == 1, arxiv_id
        assert f"arxiv.org/abs/{arxiv_id}" in html
    # Only papers about their topic are listed, at most RADAR_DIGEST_MAX_PER_TOPIC per topic; the rest of
    # them counted with a link to the topic page, and the papers that only use a topic counted apart.
    about = {(m.arxiv_id, m.topic_id) for m in seeded.matches["new"] if m.about}
    assert all((a, topic) in about for a, (topic, shown) in ledger.items() if shown)
    per_topic = Counter(topic for topic, shown in ledger.values() if shown)
    assert max(per_topic.values()) == 10 and "agent" in per_topic
    more = Counter(t for a, (t, shown) in ledger.items() if not shown and (a, t) in about)
    uses = Counter(t for a, (t, _) in ledger.items() if (a, t) not in about)
    assert more and uses
    for count in more.values():
        assert f"{count} more new paper{'' if count == 1 else 's'} on this topic" in text
    for count in uses.values():
        assert f"{count} new paper{' uses' if count == 1 else 's use'} this topic (applications)" in text
    assert "https://radar.example/topic?topic=agent" in html


def test_untrusted_text_is_escaped_and_the_html_has_no_script(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    add(engine, "alice@example.org", ("lora",))
    send_digests(mail_settings(inbox), engine, NOW)
    text, html = bodies(inbox.received[0])
    assert HOSTILE_ID in text and HOSTILE_ID in html
    assert "<script" not in html.lower() and "<b>bold</b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "javascript:" not in html.split("[click]")[0] or 'href="javascript' not in html
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text + html)  # no escape sequences, NULs
    assert "Bcc: victim@example.org" not in str(inbox.received[0].message["Bcc"] or "")
    assert [h for h in inbox.received[0].message if h.lower() == "bcc"] == []


def test_digests_rank_as_the_reading_lists_do(engine: Engine, seeded: Seeded, inbox: Inbox) -> None:
    add(engine, "alice@example.org", ("agent",))
    settings = mail_settings(inbox, digest_max_per_topic=100)
    send_digests(settings, engine, NOW)
    text, _ = bodies(inbox.received[0])
    in_mail = list(dict.fromkeys(listed_ids(text)))
    with db.session_scope(engine) as session:
        summaries = [s for s in db.topic_matches(session, "agent") if s.arxiv_id in set(in_mail)]
    expected = [s.arxiv_id for s, _ in rank_about(summaries, NOW, settings.recent_half_life_days)]
    assert len(in_mail) > 10 and in_mail == expected


def test_a_paper_of_several_followed_topics_appears_once_under_its_best(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    add(engine, "alice@example.org", ("agent", "multimodal", "memory"))
    add(engine, "alice@example.org", ("multimodal", "rag", "tool-calling"))  # a second one, same frequency
    send_digests(mail_settings(inbox, digest_max_per_topic=100), engine, NOW)
    assert len(inbox.received) == 1  # one digest per address and frequency
    followed = {"agent", "multimodal", "memory", "rag", "tool-calling"}
    of_paper: dict[str, list[MatchRow]] = {}
    for m in seeded.matches["new"]:
        if m.topic_id in followed:
            of_paper.setdefault(m.arxiv_id, []).append(m)
    several = {a: ms for a, ms in of_paper.items() if len(ms) > 1}
    assert several, "the corpus has papers matching several followed topics"
    text, _ = bodies(inbox.received[0])
    ledger = sent_to(engine, "alice@example.org")
    for arxiv_id, matches in several.items():
        # Its best topic: the one it is most about (then the best score), as the reading lists pick it.
        best = max(matches, key=lambda m: (m.about, m.aboutness, m.score))
        assert ledger[arxiv_id][0] == best.topic_id
        assert Counter(listed_ids(text))[arxiv_id] == (1 if best.about else 0)
    assert any(m.about for ms in several.values() for m in ms), "one of them is listed"


# -- exactly once --------------------------------------------------------------------------------------------
def test_a_second_run_sends_nothing_new_a_rematch_is_not_news_and_a_later_paper_comes_alone(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    add(engine, "alice@example.org")
    settings = mail_settings(inbox, digest_days=60)  # June papers would be news if re-matching made them new
    send_digests(settings, engine, NOW)
    first = sent_to(engine, "alice@example.org")
    again = send_digests(settings, engine, NOW + timedelta(days=1))
    assert [o.status for o in again.outcomes] == ["empty"] and len(inbox.received) == 1

    # A re-match rewrites matched_at; the paper was first recorded before the subscription: not news.
    old = max((m for m in seeded.matches["old"] if m.topic_id == "rag"), key=lambda m: m.arxiv_id)
    with db.session_scope(engine) as session:
        db.replace_matches(session, [old.arxiv_id], [old], NOW + timedelta(hours=1))
        assert db.new_matches(session, ["rag"], NOW, NOW - timedelta(days=90)) == []
    assert [o.status for o in send_digests(settings, engine, NOW + timedelta(days=2)).outcomes] == ["empty"]

    # A paper first recorded after the last digest comes, alone.
    later = replace(
        hostile_paper(), arxiv_id="2607.88888", title="Retrieval-augmented generation, later",
        abstract="retrieval-augmented generation", authors=("Ada",),
        published=NOW + timedelta(days=2), updated=NOW + timedelta(days=2),
    )  # fmt: skip
    with db.session_scope(engine) as session:
        db.upsert_papers(session, [later], NOW + timedelta(days=2, hours=1))
        said = ("title: 'retrieval-augmented generation'",)
        why = ("about: the title names RAG",)
        match = db.MatchRow(later.arxiv_id, "rag", 3.0, said, aboutness=0.9, about=True, about_reasons=why)
        db.add_matches(session, [later.arxiv_id], [match], NOW + timedelta(days=2, hours=1))
    send_digests(settings, engine, NOW + timedelta(days=3))
    assert len(inbox.received) == 2
    assert listed_ids(bodies(inbox.received[1])[0]) == ["2607.88888"]
    assert sent_to(engine, "alice@example.org").keys() == first.keys() | {"2607.88888"}


def test_a_topics_new_blog_post_is_news_and_a_roadmap_resync_is_not(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    add(engine, "alice@example.org", ("rag",))
    settings = mail_settings(inbox)
    send_digests(settings, engine, NOW)
    later = NOW + timedelta(hours=1)
    roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
    post = db.Resource("post", "https://blog.example/rag-news", "RAG news <b>", topic_id="rag", source="feed")
    with db.session_scope(engine) as session:
        db.sync_topics(session, roadmap.rows(), later)  # every command re-syncs the roadmap's resources
        db.upsert_resources(session, [post], later)
        roadmap_urls = [r.url for r in db.topic_resources(session, "rag", source="roadmap")]
    send_digests(settings, engine, NOW + timedelta(days=1))
    assert len(inbox.received) == 2
    mail = inbox.received[1].message
    text, html = bodies(inbox.received[1])
    assert mail["Subject"] == "Roadmap Radar · daily digest · new resources"
    assert "RAG news <b> (post): https://blog.example/rag-news" in text and "RAG news &lt;b&gt;" in html
    assert roadmap_urls and not any(url in text for url in roadmap_urls)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_empty_period_sends_nothing_unless_a_note_is_asked_for(
    engine: Engine, seeded: Seeded, inbox: Inbox, language: str
) -> None:
    add(engine, "alice@example.org", ("rag",), language=language)
    send_digests(mail_settings(inbox), engine, NOW)
    assert [
        o.status for o in send_digests(mail_settings(inbox), engine, NOW + timedelta(days=1)).outcomes
    ] == ["empty"]
    report = send_digests(mail_settings(inbox, digest_send_empty=True), engine, NOW + timedelta(days=2))
    assert [o.status for o in report.outcomes] == ["sent"] and len(inbox.received) == 2
    note = inbox.received[1].message
    text, html = bodies(inbox.received[1])
    expected = {"en": ("nothing new", "Nothing new this time"), "zh": ("本期无新内容", "本期没有新内容")}[
        language
    ]
    assert note["Subject"].endswith(expected[0]) and expected[1] in text and expected[1] in html
    assert note["Content-Language"] == language and note["List-Unsubscribe-Post"]
    assert listed_ids(text) == []
