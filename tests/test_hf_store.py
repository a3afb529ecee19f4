"""Storage of Hugging Face fields, resources, trending candidates and the lock: SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine

import db
from db import HFPaper, PaperRecord, Resource, UpsertResult
from tests.factories import NOW, listing_like, match, papers, resource, topic

LATER = NOW + timedelta(days=1)
TTL = timedelta(minutes=5)


def hf_of(record: PaperRecord, **fields: object) -> HFPaper:
    """What HF would say about a corpus paper: its metadata plus the given HF fields."""
    base = HFPaper(record.arxiv_id, record.title, record.abstract, record.authors, record.published)
    return replace(base, **fields)  # type: ignore[arg-type]


def upsert_hf(engine: Engine, items: list[HFPaper], now: datetime = NOW) -> UpsertResult:
    with db.session_scope(engine) as session:
        return db.upsert_hf_papers(session, items, now)


def upsert(engine: Engine, records: list[PaperRecord], now: datetime = NOW) -> UpsertResult:
    with db.session_scope(engine) as session:
        return db.upsert_papers(session, records, now)


def stored(engine: Engine, arxiv_id: str) -> tuple[PaperRecord | None, db.HFSignals | None]:
    with db.session_scope(engine) as session:
        return db.get_paper(session, arxiv_id), db.hf_signals_by_id(session, [arxiv_id]).get(arxiv_id)


HF_FIELDS = {
    "upvotes": 47,
    "comments": 2,
    "featured_on": date(2025, 5, 28),
    "github_repo": "https://github.com/showlab/OmniConsistency",
    "github_stars": 120,
    "project_page": "https://example.org/omni",
    "ai_summary": "A consistency plugin.",
    "ai_keywords": ("diffusion", "LoRA"),
}


# -- merge: one row per paper, whichever source came first ----------------------------------------------
@pytest.mark.parametrize("hf_first", [True, False], ids=["hf-then-listing", "listing-then-hf"])
def test_listing_and_hf_make_one_row_with_both_sets_of_fields(engine: Engine, hf_first: bool) -> None:
    record = papers(1)[0]
    listed = listing_like(record, NOW)
    steps = [lambda: upsert_hf(engine, [hf_of(record, **HF_FIELDS)]), lambda: upsert(engine, [listed])]
    for step in steps if hf_first else reversed(steps):
        step()
    paper, signals = stored(engine, record.arxiv_id)
    assert paper is not None and signals is not None
    assert (paper.version, paper.categories, paper.title) == (1, record.categories, record.title)
    assert paper.published == min(record.published, NOW)
    assert (signals.upvotes, signals.github_stars, signals.ai_keywords) == (47, 120, ("diffusion", "LoRA"))
    assert signals.featured_on == date(2025, 5, 28) and signals.seen_at == NOW
    with db.session_scope(engine) as session:
        assert db.paper_count(session) == 1
        assert db.hf_only_ids(session) == []


def test_a_paper_first_seen_on_hf_waits_for_arxiv_with_version_0(engine: Engine) -> None:
    record = papers(1)[0]
    assert upsert_hf(engine, [hf_of(record, upvotes=3)]) == UpsertResult(new_ids=(record.arxiv_id,))
    paper, _ = stored(engine, record.arxiv_id)
    assert paper is not None and (paper.version, paper.categories, paper.primary_category) == (0, (), "")
    with db.session_scope(engine) as session:
        assert db.hf_only_ids(session) == [record.arxiv_id]
    assert upsert(engine, [record]).updated_ids == (record.arxiv_id,)  # arXiv's v1 replaces the seed
    assert stored(engine, record.arxiv_id)[0] == record


def test_a_later_answer_updates_counts_and_keeps_what_it_lacks(engine: Engine) -> None:
    record = papers(1)[0]
    upsert(engine, [record])
    upsert_hf(engine, [hf_of(record, **HF_FIELDS)])
    older_generation = hf_of(record, upvotes=60, comments=3, featured_on=date(2025, 5, 30))
    assert upsert_hf(engine, [older_generation], LATER).updated_ids == (record.arxiv_id,)
    _, signals = stored(engine, record.arxiv_id)
    assert signals is not None and (signals.upvotes, signals.comments) == (60, 3)
    assert signals.github_repo == HF_FIELDS["github_repo"] and signals.ai_summary == "A consistency plugin."
    assert signals.featured_on == date(2025, 5, 28)  # the first featured day stays
    assert upsert_hf(engine, [older_generation], LATER) == UpsertResult(unchanged=1)
    assert stored(engine, record.arxiv_id)[0] == record  # arXiv's metadata untouched by HF


def test_an_arxiv_upsert_never_touches_the_hf_fields(engine: Engine) -> None:
    record = papers(1)[0]
    upsert_hf(engine, [hf_of(record, **HF_FIELDS)])
    upsert(engine, [replace(record, version=2, comment="v2: code released")], LATER)
    paper, signals = stored(engine, record.arxiv_id)
    assert paper is not None and paper.version == 2 and signals is not None and signals.upvotes == 47


def test_duplicates_in_one_hf_batch_count_once(engine: Engine) -> None:
    record = papers(1)[0]
    first, second = hf_of(record, upvotes=5, featured_on=date(2025, 5, 29)), hf_of(record, upvotes=9)
    assert upsert_hf(engine, [first, second]) == UpsertResult(new_ids=(record.arxiv_id,))
    _, signals = stored(engine, record.arxiv_id)
    assert signals is not None and (signals.upvotes, signals.featured_on) == (9, date(2025, 5, 29))


# -- resources -----------------------------------------------------------------------------------------
def test_resources_upsert_is_idempotent_and_keeps_known_popularity(engine: Engine) -> None:
    record = papers(1)[0]
    upsert(engine, [record])
    code = Resource("code", "https://github.com/a/b", "a/b", record.arxiv_id, stars=10)
    model = Resource("model", "https://huggingface.co/a/b", "a/b", record.arxiv_id, likes=3, downloads=99)
    with db.session_scope(engine) as session:
        assert db.upsert_resources(session, [code, model, code], NOW) == 2
        assert db.upsert_resources(session, [replace(code, stars=None, source="arxiv")], LATER) == 0
        found = db.paper_resources(session, [record.arxiv_id])[record.arxiv_id]
        count = session.execute(text("SELECT count(*) FROM resources")).scalar_one()
    assert count == 2
    assert [(r.kind, r.stars, r.likes) for r in found] == [("code", 10, None), ("model", None, 3)]


def test_the_same_url_may_belong_to_a_paper_a_topic_and_both(engine: Engine) -> None:
    record = papers(1)[0]
    upsert(engine, [record])
    with db.session_scope(engine) as session:
        db.sync_topics(session, [topic("lora", 0, "ti:LoRA")], NOW)
        url = "https://github.com/microsoft/LoRA"
        rows = [
            Resource("code", url, "LoRA", arxiv_id=record.arxiv_id),
            Resource("code", url, "LoRA", topic_id="lora", source="feed"),
            Resource("code", url, "LoRA", arxiv_id=record.arxiv_id, topic_id="lora"),
        ]
        assert db.upsert_resources(session, rows, NOW) == 3
        assert db.upsert_resources(session, rows, NOW) == 0
        with pytest.raises(ValueError, match="unknown resource kind"):
            db.upsert_resources(session, [Resource("video", url, "x", arxiv_id=record.arxiv_id)], NOW)
        with pytest.raises(ValueError, match="paper, a topic, or both"):
            db.upsert_resources(session, [Resource("code", url, "x")], NOW)


def test_roadmap_resources_live_in_resources_and_feed_posts_survive_a_sync(engine: Engine) -> None:
    feed = resource(1, "Lab blog", "https://example.org/feed.xml", "feed")
    lora = topic("lora", 0, "ti:LoRA", resources=(resource(0, "PEFT", "https://hf.co/docs/peft"), feed))
    post = Resource("post", "https://example.org/post-1", "Post 1", topic_id="lora", source="feed")
    with db.session_scope(engine) as session:
        db.sync_topics(session, [lora], NOW)
        db.upsert_resources(session, [post], NOW)
        db.sync_topics(session, [replace(lora, resources=(feed,))], LATER)
        assert db.list_topics(session)[0].resources == (feed,)
        assert [r.url for r in db.roadmap_feeds(session)] == ["https://example.org/feed.xml"]
        assert [r.kind for r in db.topic_resources(session, "lora")] == ["feed", "post"]
        db.sync_topics(session, [topic("gan", 0, "ti:GAN")], NOW)
        assert session.execute(text("SELECT count(*) FROM resources")).scalar_one() == 0


# -- trending and HF lookups -----------------------------------------------------------------------------
def test_trending_candidates_are_matched_recent_and_known_to_hf(engine: Engine) -> None:
    hot, quiet, old, unmatched = papers(4, start=200)
    since = max(p.published for p in (hot, quiet, old, unmatched)) - timedelta(days=1)
    recent = [replace(p, published=since + timedelta(hours=2)) for p in (hot, quiet, unmatched)]
    old = replace(old, published=since - timedelta(days=30), updated=since - timedelta(days=30))
    upsert(engine, [*recent, old])
    upsert_hf(engine, [hf_of(hot, upvotes=50), hf_of(old, upvotes=80), hf_of(unmatched, github_stars=5)])
    with db.session_scope(engine) as session:
        db.sync_topics(session, [topic("lora", 0, "ti:LoRA"), topic("gan", 1, "ti:GAN")], NOW)
        matches = [match(p, "lora", 1.0) for p in (recent[0], recent[1], old)] + [
            match(recent[0], "gan", 2.0)
        ]
        db.replace_matches(session, [p.arxiv_id for p in (*recent, old)], matches, NOW)
        everything = db.trending_candidates(session, since)
        lora_only = db.trending_candidates(session, since, "lora")
    assert [(c.paper.arxiv_id, c.topic_ids, c.score) for c in everything] == [
        (hot.arxiv_id, ("gan", "lora"), 2.0)
    ]
    assert lora_only[0].topic_ids == ("lora",) and lora_only[0].signals.upvotes == 50


def test_hf_lookup_candidates_put_never_asked_classics_first(engine: Engine) -> None:
    classic, recent_one, old_one, with_code = papers(4, start=300)
    upsert(engine, [classic, recent_one, old_one, with_code])
    upsert_hf(engine, [hf_of(with_code, github_repo="https://github.com/x/y")])
    with db.session_scope(engine) as session:
        db.sync_topics(session, [topic("lora", 0, "ti:LoRA", seminal=(
            db.SeminalRow(0, classic.title, 2021, arxiv_id=classic.arxiv_id),))], NOW)  # fmt: skip
        others = (recent_one, old_one, with_code)
        db.replace_matches(
            session, [p.arxiv_id for p in others], [match(p, "lora", 1.0) for p in others], NOW
        )
        since = min(recent_one.published, with_code.published)
        ids = db.hf_lookup_candidates(session, since, NOW - timedelta(days=7), limit=10)
        assert ids[0] == classic.arxiv_id and with_code.arxiv_id not in ids
        db.mark_hf_checked(session, ids, NOW)
        assert db.hf_lookup_candidates(session, since, NOW - timedelta(days=7), limit=10) == []
        assert db.hf_lookup_candidates(session, since, NOW + timedelta(seconds=1), limit=1) == [
            classic.arxiv_id
        ]


# -- the lock ---------------------------------------------------------------------------------------------
def test_the_lock_is_exclusive_renewable_and_taken_over_when_stale(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        assert db.acquire_lock(session, "collect", "a", NOW, TTL)
        assert not db.acquire_lock(session, "collect", "b", NOW + timedelta(minutes=4), TTL)
        assert db.renew_lock(session, "collect", "a", NOW + timedelta(minutes=4), TTL)
        assert not db.acquire_lock(session, "collect", "b", NOW + timedelta(minutes=6), TTL)  # renewed
        assert db.acquire_lock(session, "collect", "b", NOW + timedelta(minutes=10), TTL)  # a went silent
        assert not db.renew_lock(session, "collect", "a", NOW + timedelta(minutes=10), TTL)
        assert not db.release_lock(session, "collect", "a")
        holder = db.lock_holder(session, "collect")
        assert (
            holder is not None and holder.holder == "b" and holder.expires_at == NOW + timedelta(minutes=15)
        )
        assert db.release_lock(session, "collect", "b") and db.lock_holder(session, "collect") is None


# -- the migration moves roadmap resources -------------------------------------------------------------
def test_migrating_from_0001_keeps_the_roadmap_resources(engine: Engine) -> None:
    with engine.begin() as connection:
        command.downgrade(db.alembic_config(connection), "0001")
        connection.execute(text("INSERT INTO topics (id, level, name_zh, name_en, aliases, position) "
                                "VALUES ('lora', 'L3', 'LoRA', 'LoRA', '[]', 0)"))  # fmt: skip
        for position, url in enumerate(["https://a.example", "https://b.example", "https://a.example"]):
            connection.execute(
                text("INSERT INTO topic_resources VALUES ('lora', :p, :t, :u, 'docs')"),
                {"p": position, "t": f"R{position}", "u": url},
            )
    db.migrate(engine)
    with db.session_scope(engine) as session:
        (lora,) = db.list_topics(session)
    assert [(r.position, r.url) for r in lora.resources] == [
        (0, "https://a.example"),
        (1, "https://b.example"),
    ]
    assert datetime.now(UTC) > NOW  # first_seen was stamped by the migration, in UTC
