"""ArxivAPI over real HTTP against recorded arXiv responses and the corpus (tests/replay.py).

Where a test needs to know what a recording holds, the `arxiv` package's public API is the oracle: an
`arxiv.Client` reads the same bytes from the replay server and its Results are compared with ours.
"""

from __future__ import annotations

import gc
import logging
import math
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import arxiv
import pytest

from collector.errors import EmptyPageError, HTTPStatusError, MalformedResponseError, RequestTimeoutError
from collector.http import RateLimiter
from collector.normalise import split_arxiv_id
from collector.sources.arxiv_api import (
    ArxivAPI,
    MalformedFeedError,
    parse_api_page,
    parse_timestamp,
    window_query,
)
from db import PaperRecord
from tests.replay import (
    API,
    ReplayServer,
    Reply,
    api_index,
    fixture_bytes,
    load_corpus,
    render_api_feed,
    spacings,
)

SINCE, UNTIL = datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 31, 23, 59, tzinfo=UTC)


def _api(replay: ReplayServer, **settings: Any) -> ArxivAPI:
    """An ArxivAPI on the replay server, no delay, quick backoff (use it in a `with`)."""
    return ArxivAPI(replay.settings(**settings), RateLimiter(0))


@pytest.fixture
def api(replay: ReplayServer) -> Iterator[ArxivAPI]:
    with _api(replay, arxiv_page_size=10) as api:
        yield api


def package_results(replay: ReplayServer, body: bytes, count: int) -> list[arxiv.Result]:
    """What the `arxiv` package's public `Client` reads from `body`, served once by the replay server."""
    replay.script(API, [Reply(body=body)])
    client = arxiv.Client(page_size=max(count, 1), delay_seconds=0, num_retries=0)
    client.query_url_format = replay.api_url + "?{}"
    # max_results = the page's count: the package stops without asking for a page the recording lacks.
    results = list(client.results(arxiv.Search(query="all:testing", max_results=max(count, 1))))
    assert replay.requests[-1].user_agent.startswith("arxiv.py/")  # the package itself fetched it
    return results


def fields(result: arxiv.Result) -> tuple[Any, ...]:
    """Every field of a Result, authors and links by value (their __eq__ compares only name / href)."""
    return (
        result.entry_id, result.title, result.summary,
        [(a.name, a.affiliation) for a in result.authors],
        result.categories, result.primary_category, result.published, result.updated,
        result.comment, result.journal_ref, result.doi,
        [(link.href, link.title, link.rel, link.content_type) for link in result.links],
    )  # fmt: skip


def _id_list(item: dict[str, Any]) -> str:
    url = item["url"] or unquote(item["feed_self_link"] or "")
    return parse_qs(urlsplit(url).query, keep_blank_values=True).get("id_list", [""])[0]


RECORDED = [item for item in api_index() if b"/api/errors#" not in fixture_bytes(item["file"])]


@pytest.mark.parametrize("item", RECORDED, ids=[item["file"] for item in RECORDED])
def test_every_recorded_response_parses_to_its_entry_count(
    replay: ReplayServer, item: dict[str, Any]
) -> None:
    entries = item["entries"]
    expected = [
        split_arxiv_id(r.entry_id) for r in package_results(replay, fixture_bytes(item["file"]), entries)
    ]
    with ArxivAPI(replay.settings(arxiv_page_size=max(entries, 1)), RateLimiter(0)) as api:
        if ids := _id_list(item):
            pages = list(api.fetch_ids(ids.split(",")))
        else:  # a recorded search: served as the next answer, whatever our query looks like
            replay.script(API, [Reply(body=fixture_bytes(item["file"]))])
            pages = list(api.search("all:testing", SINCE, UNTIL, max_results=entries))
        assert api.requests == 1
    records = [record for page in pages for record in page]
    assert len(records) == entries
    assert [(r.arxiv_id, r.version) for r in records] == expected
    for record in records:
        assert (
            record.published.tzinfo == UTC
            and record.title
            and record.categories[0] == record.primary_category
        )


@pytest.mark.parametrize("item", api_index(), ids=[item["file"] for item in api_index()])
def test_fast_parser_gives_the_packages_results(replay: ReplayServer, item: dict[str, Any]) -> None:
    body = fixture_bytes(item["file"])
    ours, theirs = parse_api_page(body), package_results(replay, body, item["entries"])
    assert [fields(r) for r in ours.results] == [fields(r) for r in theirs]
    assert [repr(r) for r in ours.results] == [repr(r) for r in theirs]
    assert (ours.total_results, ours.entries) == (item["totalResults"], item["entries"])
    assert (ours.error is not None) == (b"/api/errors#" in body)


def test_old_style_and_versioned_ids(api: ArxivAPI) -> None:
    pages = list(api.fetch_ids(["quant-ph/0201082v1", "astro-ph/9812133", "math/9501234", "2104.12255v1"]))
    found = {(r.arxiv_id, r.version) for page in pages for r in page}
    assert found == {("quant-ph/0201082", 1), ("astro-ph/9812133", 1), ("math/9501234", 1), ("2104.12255", 1)}


def test_fetch_ids_batches_dedupes_and_leaves_missing_ids_out(replay: ReplayServer) -> None:
    corpus = load_corpus()
    ids = [p.arxiv_id for p in corpus.papers[:5]] + ["0808.05394", corpus.papers[0].arxiv_id]
    with _api(replay, arxiv_id_batch=2) as api:
        records = [r for page in api.fetch_ids(ids) for r in page]
        assert api.requests == 3
    assert [r.arxiv_id for r in records] == ids[:5]
    assert [len(r.query["id_list"].split(",")) for r in replay.requests] == [2, 2, 2]


def test_search_sends_window_and_sort_and_pages_until_max_results(
    replay: ReplayServer, api: ArxivAPI
) -> None:
    pages = list(api.search("cat:cs.LG", SINCE, UNTIL, max_results=25))
    assert [len(page) for page in pages] == [10, 10, 5]
    first = replay.requests[0].query
    assert first["search_query"] == "submittedDate:[202507010000 TO 202507312359] AND (cat:cs.LG)"
    assert (first["sortBy"], first["sortOrder"], first["start"]) == ("submittedDate", "descending", "0")
    assert [r.query["start"] for r in replay.requests] == ["0", "10", "20"]
    assert [r.query["max_results"] for r in replay.requests] == ["10", "10", "5"]  # only what is left
    assert len({r.peer for r in replay.requests}) == 1  # one keep-alive connection


def test_search_returns_every_corpus_match_newest_first(replay: ReplayServer) -> None:
    corpus = load_corpus()
    expected = [p.arxiv_id for p in corpus.papers if "2025-07-01" <= p.published <= "2025-07-31"
                and any(c.startswith("cs.LG") for c in p.categories)]  # fmt: skip
    with _api(replay, arxiv_page_size=200) as api:
        records = [r for page in api.search("cat:cs.LG", SINCE, UNTIL, max_results=10_000) for r in page]
        assert api.requests == math.ceil(len(expected) / 200)
    assert [r.arxiv_id for r in records] == expected and len(expected) > 200
    assert all(a.published >= b.published for a, b in zip(records, records[1:], strict=False))


def _entries(count: int) -> list[str]:
    """The first `count` corpus papers as API entries (atom-2025+ layout)."""
    corpus = load_corpus()
    return [corpus.api_entry(paper) for paper in corpus.papers[:count]]


def _page(entries: Sequence[str], total: int, start: int = 0) -> Reply:
    return Reply(body=render_api_feed(entries, total=total, start=start, max_results=len(entries)))


def _ids(pages: list[list[PaperRecord]]) -> list[str]:
    return [record.arxiv_id for page in pages for record in page]


def test_pages_are_read_until_total_results_and_no_further(replay: ReplayServer, api: ArxivAPI) -> None:
    entries = _entries(23)
    replay.script(API, [_page(entries[start : start + 10], 23, start) for start in (0, 10, 20)])
    pages = list(api.search("cat:cs.LG", SINCE, UNTIL, max_results=1000))
    assert [len(page) for page in pages] == [10, 10, 3]
    assert _ids(pages) == [p.arxiv_id for p in load_corpus().papers[:23]]
    assert [(r.query["start"], r.query["max_results"]) for r in replay.requests] == [
        ("0", "10"), ("10", "10"), ("20", "10")
    ]  # fmt: skip
    assert api.requests == 3 and replay.pending(API) == 0


def test_a_page_longer_than_asked_is_cut_at_max_results(replay: ReplayServer, api: ArxivAPI) -> None:
    replay.script(API, [_page(_entries(10), total=500)])
    pages = list(api.search("cat:cs.LG", SINCE, UNTIL, max_results=4))
    assert _ids(pages) == [p.arxiv_id for p in load_corpus().papers[:4]]
    assert api.requests == 1 and replay.requests[0].query["max_results"] == "4"


def test_no_results_wanted_is_no_request(replay: ReplayServer, api: ArxivAPI) -> None:
    assert list(api.search("cat:cs.LG", SINCE, UNTIL, max_results=0)) == []
    assert list(api.fetch_ids([])) == [] and replay.requests == []


def test_an_entry_without_usable_dates_is_skipped_but_keeps_its_place(
    replay: ReplayServer, api: ArxivAPI, caplog: pytest.LogCaptureFixture
) -> None:
    entries = _entries(20)
    entries[3] = re.sub(r"<published>.*?</published>", "", entries[3])
    entries[5] = re.sub(r"<updated>.*?</updated>", "<updated>last Tuesday</updated>", entries[5])
    replay.script(API, [_page(entries[:10], 20), _page(entries[10:], 20, 10)])
    with caplog.at_level(logging.WARNING, logger="collector.sources.arxiv_api"):
        pages = list(api.search("cat:cs.LG", SINCE, UNTIL, max_results=100))
    assert [len(page) for page in pages] == [8, 10]
    # The skipped entries still occupied places 3 and 5: the next page starts at 10, not 8.
    assert [r.query["start"] for r in replay.requests] == ["0", "10"]
    papers = load_corpus().papers
    assert papers[3].arxiv_id in caplog.text and papers[5].arxiv_id in caplog.text
    assert api.skipped == 0  # `skipped` counts entries that were parsed but did not normalise


def test_an_entry_that_does_not_normalise_is_counted_and_logged(
    replay: ReplayServer, api: ArxivAPI, caplog: pytest.LogCaptureFixture
) -> None:
    entries = _entries(10)
    entries[2] = re.sub(r"<id>[^<]*</id>", "<id>http://arxiv.org/abs/nonsense</id>", entries[2])
    replay.script(API, [_page(entries, 10)])
    with caplog.at_level(logging.WARNING, logger="collector.sources.arxiv_api"):
        pages = list(api.search("cat:cs.LG", SINCE, UNTIL, max_results=10))
    assert [len(page) for page in pages] == [9] and api.skipped == 1
    assert "http://arxiv.org/abs/nonsense skipped" in caplog.text


def test_fetch_ids_asks_for_the_id_list_in_arxivs_default_order(replay: ReplayServer, api: ArxivAPI) -> None:
    ids = [p.arxiv_id for p in load_corpus().papers[:3]]
    assert _ids(list(api.fetch_ids(ids))) == ids
    assert replay.requests[0].query == {
        "search_query": "", "id_list": ",".join(ids), "sortBy": "relevance", "sortOrder": "descending",
        "start": "0", "max_results": "3",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T10:00:00Z", datetime(2025, 1, 1, 10, tzinfo=UTC)),
        ("2019-01-04T00:00:00-05:00", datetime(2019, 1, 4, 5, tzinfo=UTC)),  # legacy feeds
        ("\n  2016-05-26T17:59:46Z  ", datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC)),
        ("2016-05-26T17:59:46", datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC)),  # naive: UTC
        ("last Tuesday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_timestamp(text: str | None, expected: datetime | None) -> None:
    moment = parse_timestamp(text)
    assert moment == expected and (moment is None or moment.tzinfo is UTC)


@pytest.mark.parametrize(
    "body", [b"<html><body>busy</body></html>", b'<feed xmlns="http://example.org/"></feed>']
)
def test_a_well_formed_body_that_is_no_atom_feed_is_malformed(replay: ReplayServer, body: bytes) -> None:
    with pytest.raises(MalformedFeedError, match="not an Atom feed"):
        parse_api_page(body)
    replay.script(API, [Reply(body=body)] * 2)
    with _api(replay, http_max_retries=1) as api, pytest.raises(MalformedResponseError):
        list(api.search("all:testing", SINCE, UNTIL, 10))
    assert len(replay.requests) == 2


def test_window_query() -> None:
    assert window_query("ti:gan", SINCE, UNTIL) == "submittedDate:[202507010000 TO 202507312359] AND (ti:gan)"
    assert window_query(" ", SINCE, UNTIL) == "submittedDate:[202507010000 TO 202507312359]"


def test_a_503_is_retried(replay: ReplayServer, api: ArxivAPI) -> None:
    replay.script(API, [Reply(status=503)])
    assert [len(page) for page in api.search("cat:cs.LG", SINCE, UNTIL, 10)] == [10]
    assert api.requests == 2


def test_a_429_waits_as_long_as_retry_after_says(replay: ReplayServer, api: ArxivAPI) -> None:
    replay.script(API, [Reply(status=429, headers={"Retry-After": "1"})])
    assert [len(page) for page in api.search("cat:cs.LG", SINCE, UNTIL, 10)] == [10]
    assert spacings(replay.requests)[0] >= 0.9  # the server's clock, 0.1 s of scheduling jitter allowed
    assert api.limiter.min_spacing() >= 1.0


def test_a_hung_server_times_out_after_the_retries(replay: ReplayServer) -> None:
    replay.script(API, [Reply(hang=3), Reply(hang=3)])
    with _api(replay, http_timeout_seconds=0.3, http_max_retries=1) as api:
        with pytest.raises(RequestTimeoutError) as caught:
            list(api.search("cat:cs.LG", SINCE, UNTIL, 10))
        assert (caught.value.attempt, api.requests, caught.value.source) == (2, 2, "arxiv_api")
        assert "/api/query?" in caught.value.url


def test_a_truncated_body_is_malformed_not_a_short_result(replay: ReplayServer) -> None:
    body = fixture_bytes("arxivpy_q_testing_s0_m10_bc5a6c384fe9.xml")
    replay.script(API, [Reply(body=body[: len(body) // 2])] * 2)
    with _api(replay, http_max_retries=1, arxiv_page_size=10) as api:
        with pytest.raises(MalformedResponseError, match="truncated"):
            list(api.search("all:testing", SINCE, UNTIL, 10))
        assert api.requests == 2


def test_a_broken_body_that_still_ends_in_feed_is_malformed(replay: ReplayServer) -> None:
    """The package's recovering parser keeps what it can, silently; ours refuses the page."""
    body = fixture_bytes("arxivpy_q_testing_s0_m10_bc5a6c384fe9.xml").replace(b"</summary>", b"", 1)
    assert len(package_results(replay, body, 10)) < 10
    replay.script(API, [Reply(body=body)] * 2)
    with _api(replay, http_max_retries=1, arxiv_page_size=10) as api, pytest.raises(MalformedResponseError):
        list(api.search("all:testing", SINCE, UNTIL, 10))


def test_a_truncated_body_then_a_whole_one_succeeds(replay: ReplayServer, api: ArxivAPI) -> None:
    body = fixture_bytes("arxivpy_q_testing_s0_m10_bc5a6c384fe9.xml")
    replay.script(API, [Reply(body=body[:3000]), Reply(body=body)])
    assert [len(page) for page in api.search("all:testing", SINCE, UNTIL, 10)] == [10]


def test_an_empty_page_mid_pagination_is_retried(replay: ReplayServer, api: ArxivAPI) -> None:
    replay.script(API, [Reply(), Reply(empty=True)])
    assert [len(page) for page in api.search("cat:cs.LG", SINCE, UNTIL, 30)] == [10, 10, 10]
    assert api.requests == 4
    assert [r.query["start"] for r in replay.requests] == ["0", "10", "10", "20"]


def test_a_page_that_stays_empty_fails_after_the_first_page_was_yielded(replay: ReplayServer) -> None:
    replay.script(API, [Reply(), *[Reply(empty=True)] * 3])
    with _api(replay, arxiv_page_size=10, http_max_retries=2) as api:
        pages = api.search("cat:cs.LG", SINCE, UNTIL, 30)
        first: list[PaperRecord] = next(pages)
        assert len(first) == 10
        with pytest.raises(EmptyPageError) as caught:
            next(pages)
        assert (caught.value.attempt, api.requests) == (3, 4)


def test_an_empty_first_page_is_simply_no_results(replay: ReplayServer, api: ArxivAPI) -> None:
    replay.script(API, [Reply(empty=True)])
    assert list(api.search("cat:cs.LG", SINCE, UNTIL, 10)) == []
    assert api.requests == 1


@pytest.mark.parametrize(
    "bad_id", ["abc", "INVALIDID", "2501.1"]
)  # recorded 2025+, recorded legacy, rendered
def test_the_error_feed_of_a_bad_id_becomes_the_message(api: ArxivAPI, bad_id: str) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        list(api.fetch_ids([bad_id]))
    assert caught.value.status == 400 and f"incorrect id format for {bad_id}" in str(caught.value)
    assert api.requests == 1  # a 400 is not retried


def test_an_error_feed_served_with_200_is_still_an_error(replay: ReplayServer, api: ArxivAPI) -> None:
    replay.script(API, [Reply(body=fixture_bytes("pubs_error_invalid_id.xml"))])
    with pytest.raises(HTTPStatusError, match="incorrect id format for INVALIDID"):
        list(api.fetch_ids(["1605.08386"]))


def test_requests_carry_our_user_agent(replay: ReplayServer, api: ArxivAPI) -> None:
    list(api.fetch_ids(["1605.08386"]))
    agent = replay.requests[0].user_agent
    assert agent.startswith("RoadmapRadar/") and "mailto:radar-tests@example.org" in agent


def test_parsing_leaves_the_garbage_collector_as_it_found_it() -> None:
    body = fixture_bytes("arxivpy_q_testing_s0_m10_bc5a6c384fe9.xml")
    assert gc.isenabled()
    parse_api_page(body)
    assert gc.isenabled()
    gc.disable()
    try:
        parse_api_page(body)
        assert not gc.isenabled()
    finally:
        gc.enable()
