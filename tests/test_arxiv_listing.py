"""The arXiv listing feed through httpx + feedparser, against the recorded feed and corpus-rendered days."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from collector.errors import HTTPStatusError, MalformedResponseError
from collector.http import RateLimiter
from collector.sources.arxiv_api import ArxivAPI
from collector.sources.arxiv_listing import fetch_listing, parse_listing
from tests.replay import LISTING, RECORDED_LISTING, ReplayServer, Reply, load_corpus

RECORDED = RECORDED_LISTING.read_bytes()


def test_the_recorded_feed_parses_with_announce_types_ids_authors_and_abstracts() -> None:
    listing = parse_listing(RECORDED, "https://rss.arxiv.org/atom/cs.AI")
    assert len(listing.entries) == 7 and listing.skipped == 0 and not listing.empty
    assert [e.announce_type for e in listing.entries] == ["cross"] * 5 + ["new"] * 2
    first = listing.entries[0].record
    assert (first.arxiv_id, first.version) == ("2508.13426", 1)
    assert first.authors == ("Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang")
    assert first.categories == ("cs.CL", "cs.AI") and first.primary_category == "cs.CL"
    assert first.abstract.startswith("As large language models (LLMs) increasingly mediate")
    assert "Announce Type" not in first.abstract and "\n" not in first.abstract
    assert first.published == datetime(2025, 8, 20, tzinfo=UTC)
    assert listing.entries[5].record.authors == ("Alice Smith", "Bob Jones")
    assert listing.feed_updated == datetime(2025, 8, 20, 4, 0, 19, 866337, tzinfo=UTC)


def test_fetch_listing_asks_once_for_the_joined_categories(replay: ReplayServer) -> None:
    listing = fetch_listing(replay.settings(), RateLimiter(0), ["cs.AI", "cs.LG"])
    assert len(listing.entries) == 7 and listing.requests == 1
    assert listing.url == f"{replay.listing_url}/cs.AI+cs.LG"
    (request,) = replay.requests
    assert request.path == "/atom/cs.AI+cs.LG" and "RoadmapRadar" in request.user_agent


def test_an_empty_feed_is_an_empty_listing_not_an_error(replay: ReplayServer) -> None:
    replay.serve_empty_listing()
    listing = fetch_listing(replay.settings(), RateLimiter(0), ["cs.LG"])
    assert listing.empty and listing.entries == [] and listing.skipped == 0
    assert listing.feed_updated is not None


def test_a_scripted_empty_feed_too(replay: ReplayServer) -> None:
    replay.script(LISTING, [Reply(empty=True)])
    assert fetch_listing(replay.settings(), RateLimiter(0), ["cs.LG"]).empty


def test_a_corpus_day_lists_new_cross_and_replaced_papers(replay: ReplayServer) -> None:
    corpus = load_corpus()
    day = corpus.busiest_days(["cs.LG"])[0]
    replay.serve_corpus_listing(day)
    listing = fetch_listing(replay.settings(), RateLimiter(0), ["cs.LG"])
    kinds = {e.announce_type for e in listing.entries}
    assert kinds == {"new", "cross", "replace", "replace-cross"}
    for entry in listing.entries:
        paper = corpus.by_id[entry.record.arxiv_id]
        assert "cs.LG" in entry.record.categories
        assert (entry.announce_type in ("new", "replace")) == (entry.record.primary_category == "cs.LG")
        if entry.announce_type.startswith("replace"):
            assert entry.record.version == 2 and paper.published < day  # a new version, not a new paper
        else:
            assert entry.record.version == 1 and paper.published == day
    expected = {p.arxiv_id for p in corpus.by_day[day] if "cs.LG" in p.categories}
    assert {e.record.arxiv_id for e in listing.entries if e.announce_type in ("new", "cross")} == expected


def test_replaced_papers_can_be_chosen_and_the_api_then_knows_version_2(replay: ReplayServer) -> None:
    corpus = load_corpus()
    day, old = "2025-07-01", corpus.by_day["2025-06-20"][0]
    replay.serve_corpus_listing(day, replaced=[old.arxiv_id])
    listing = fetch_listing(replay.settings(), RateLimiter(0), list(old.categories[:1]))
    assert [(e.record.arxiv_id, e.announce_type) for e in listing.entries[-1:]] == [(old.arxiv_id, "replace")]
    with ArxivAPI(replay.settings(), RateLimiter(0)) as api:
        (page,) = api.fetch_ids([old.arxiv_id])
    assert page[0].version == 2 and page[0].updated == datetime(2025, 7, 1, tzinfo=UTC)
    assert page[0].published == datetime(2025, 6, 20, tzinfo=UTC)


def test_listing_and_api_agree_on_the_same_papers(replay: ReplayServer) -> None:
    replay.serve_corpus_listing(load_corpus().busiest_days(["cs.CL"])[0], replaced=[])
    listing = fetch_listing(replay.settings(), RateLimiter(0), ["cs.CL"])
    from_listing = {e.record.arxiv_id: e.record for e in listing.entries}
    with ArxivAPI(replay.settings(), RateLimiter(0)) as api:
        from_api = {r.arxiv_id: r for page in api.fetch_ids(list(from_listing)) for r in page}
    assert from_api.keys() == from_listing.keys() and len(from_api) > 50
    for arxiv_id, feed in from_listing.items():
        api_record = from_api[arxiv_id]
        assert (feed.title, feed.abstract, feed.authors) == (
            api_record.title,
            api_record.abstract,
            api_record.authors,
        )
        assert feed.categories == api_record.categories and feed.version == api_record.version


@pytest.mark.parametrize(
    "body",
    [RECORDED[: len(RECORDED) // 2], b"<html><body>Service temporarily unavailable</body></html>", b""],
    ids=["truncated", "html", "nothing"],
)
def test_a_body_that_is_no_feed_is_malformed(replay: ReplayServer, body: bytes) -> None:
    replay.script(LISTING, [Reply(body=body)] * 2)
    with pytest.raises(MalformedResponseError) as caught:
        fetch_listing(replay.settings(http_max_retries=1), RateLimiter(0), ["cs.AI"])
    assert caught.value.attempt == 2 and caught.value.source == "arxiv_listing"


def test_parse_listing_of_a_truncated_feed_raises() -> None:
    with pytest.raises(MalformedResponseError):
        parse_listing(RECORDED[:-200], "u")


def test_an_entry_that_does_not_normalise_is_skipped_and_counted() -> None:
    body = RECORDED.replace(b"oai:arXiv.org:2508.13428v1", b"oai:arXiv.org:not-an-id", 1)
    listing = parse_listing(body, "u")
    assert (len(listing.entries), listing.skipped) == (6, 1)


def test_a_503_is_retried_and_a_403_is_not(replay: ReplayServer) -> None:
    replay.script(LISTING, [Reply(status=503)])
    assert fetch_listing(replay.settings(), RateLimiter(0), ["cs.AI"]).requests == 2
    replay.script(LISTING, [Reply(status=403)])
    with pytest.raises(HTTPStatusError) as caught:
        fetch_listing(replay.settings(), RateLimiter(0), ["cs.AI"])
    assert caught.value.status == 403 and caught.value.attempt == 1


def test_a_given_client_is_used_and_left_open(replay: ReplayServer) -> None:
    with httpx.Client() as client:
        fetch_listing(replay.settings(), RateLimiter(0), ["cs.AI"], client=client)
        assert not client.is_closed
