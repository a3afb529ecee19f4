"""The arXiv API (search and id_list): our URLs, our pagination, our parser, under Roadmap Radar's politeness.

This module owns the whole conversation with `export.arxiv.org/api/query`:

- `ApiQuery.url` builds each request from the parameters arXiv's API manual documents (search_query,
  id_list, sortBy, sortOrder, start, max_results).
- `ArxivAPI._pages` paginates: `start` advances by the entries each page held until
  `<opensearch:totalResults>` or `max_results` is reached; each page is yielded as soon as it is parsed,
  so a caller can store it before a later page fails.
- Every request goes through `collector.http.polite_get`: the shared limiter, our User-Agent, a
  timeout, backoff on 429/5xx honouring Retry-After. A truncated or non-well-formed body is a
  MalformedResponseError and an empty page after the first an EmptyPageError (both retried); arXiv's
  error feed (one entry titled Error, id `…/api/errors#…`) is an HTTPStatusError with arXiv's message.
- `parse_api_page` (with `parse_timestamp` for its dates) is a strict single-pass lxml reader, about
  twice as fast as the `arxiv` package's own, which recovers silently from a broken body where we
  refuse it. Entries without an id, updated or published date are skipped with a warning.

The `arxiv` package's public API cannot give us a timeout, the shared limiter, our User-Agent or that
speed, so none of its fetching or parsing is used; what it still gives is its public data model. Each
entry becomes an `arxiv.Result` built with its public constructor: `collector.normalise` takes that one
type for every API paper, the tests check our Results against the package's own `arxiv.Client`
field by field, and building them costs about an eighth of the parse (some 4% of the ingest).
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode

import arxiv
import httpx
from lxml import etree

from collector.config import Settings
from collector.errors import EmptyPageError, HTTPStatusError, MalformedResponseError
from collector.http import RateLimiter, UpstreamClient, polite_get
from collector.normalise import record_from_result, utc_moment
from collector.reachability import Reachability
from db import PaperRecord

SOURCE = "arxiv_api"

logger = logging.getLogger(__name__)

SortBy = Literal["relevance", "lastUpdatedDate", "submittedDate"]
SortOrder = Literal["ascending", "descending"]


def window_query(query: str, since: datetime, until: datetime) -> str:
    """`submittedDate:[since TO until] AND (query)`, minutes in UTC as arXiv wants them."""
    window = f"submittedDate:[{_minute(since)} TO {_minute(until)}]"
    return f"{window} AND ({query})" if query.strip() else window


def _minute(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M")


@dataclass(frozen=True)
class ApiQuery:
    """What to ask the API for; `url` adds the page window. The sort defaults are arXiv's own."""

    search_query: str = ""
    id_list: tuple[str, ...] = ()
    sort_by: SortBy = "relevance"
    sort_order: SortOrder = "descending"

    def url(self, base: str, start: int, max_results: int) -> str:
        """The URL of results [start, start + max_results), parameters named as in arXiv's API manual."""
        params = {
            "search_query": self.search_query,
            "id_list": ",".join(self.id_list),
            "sortBy": self.sort_by,
            "sortOrder": self.sort_order,
            "start": str(start),
            "max_results": str(max_results),
        }
        return f"{base}?{urlencode(params)}"


@dataclass(frozen=True)
class ApiPage:
    """One parsed API response page."""

    total_results: int  # <opensearch:totalResults>: the size of the whole result set
    start_index: int  # <opensearch:startIndex>
    items_per_page: int  # <opensearch:itemsPerPage>
    results: tuple[arxiv.Result, ...]  # entries with an id, updated and published, in feed order
    entries: int = 0  # <entry> elements, skipped ones included: how far this page moves `start`
    error: str | None = None  # arXiv's message when the page is its error feed


class MalformedFeedError(ValueError):
    """A body that is not a well-formed Atom feed; the message is the parser's reason."""


class ArxivAPI(UpstreamClient):
    """Searches and id lookups against the arXiv API; `requests` counts HTTP requests, retries included."""

    UPSTREAM = "arXiv"

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter,
        client: httpx.Client | None = None,
        reachability: Reachability | None = None,
    ) -> None:
        # One keep-alive connection for the whole source, as arXiv asks.
        super().__init__(settings, limiter, client, httpx.Limits(max_connections=1), reachability)
        self.skipped = 0  # entries that did not normalise (logged)

    def search(
        self, query: str, since: datetime, until: datetime, max_results: int
    ) -> Iterator[list[PaperRecord]]:
        """Papers submitted in [since, until] matching a raw arXiv query, newest first, one list per page.

        Each page is yielded as soon as it is parsed, so a caller can store it before a later page fails;
        a SourceError (after retries) is raised from the iterator.
        """
        window = ApiQuery(window_query(query, since, until), sort_by="submittedDate", sort_order="descending")
        yield from self._pages(window, max_results)

    def fetch_ids(self, ids: Sequence[str]) -> Iterator[list[PaperRecord]]:
        """Papers by id (versioned or not), `arxiv_id_batch` ids per request; missing ids are absent."""
        unique = list(dict.fromkeys(ids))
        batch = self.settings.arxiv_id_batch
        for start in range(0, len(unique), batch):
            chunk = tuple(unique[start : start + batch])
            yield from self._pages(ApiQuery(id_list=chunk), len(chunk))

    def _pages(self, query: ApiQuery, max_results: int) -> Iterator[list[PaperRecord]]:
        """Page through a query until totalResults or `max_results`, yielding each page's records."""
        base, page_size = self.settings.arxiv_api_url, self.settings.arxiv_page_size
        offset, remaining, first = 0, max_results, True
        while remaining > 0:
            # The last page asks for only what is still wanted, not a whole page size.
            url = query.url(base, offset, min(page_size, remaining))
            page = self._fetch_page(url, first)
            if not page.entries:
                return  # an empty first page is no results (a later one raised EmptyPageError)
            taken = min(page.entries, remaining)  # a server that sends more than asked is cut
            yield self._normalise(page.results[:taken])
            # Skipped entries still hold their place in the result set, so `start` counts them too.
            offset, remaining, first = offset + page.entries, remaining - taken, False
            if offset >= page.total_results:
                return

    def _normalise(self, results: Sequence[arxiv.Result]) -> list[PaperRecord]:
        records = []
        with _gc_paused():
            for result in results:
                try:
                    records.append(record_from_result(result))
                except ValueError as exc:
                    self.skipped += 1
                    logger.warning("arXiv API entry %s skipped: %s", result.entry_id, exc)
        return records

    def _fetch_page(self, url: str, first_page: bool) -> ApiPage:
        parsed: list[ApiPage] = []

        def validate(response: httpx.Response, attempt: int) -> None:
            parsed.append(_read_page(response, url, attempt, first_page))

        polite_get(
            self._http, url, source=SOURCE, settings=self.settings, limiter=self.limiter,
            stats=self._stats, validate=validate, reachability=self.reachability, upstream=self.UPSTREAM,
        )  # fmt: skip
        return parsed[-1]


def _read_page(response: httpx.Response, url: str, attempt: int, first_page: bool) -> ApiPage:
    """Parse one API page; refuses truncated or broken bodies, error feeds and empty pages after the first."""
    content = response.content
    if not content.rstrip().endswith(b"</feed>"):
        raise MalformedResponseError(SOURCE, url, f"truncated feed ({len(content)} bytes)", attempt)
    try:
        page = parse_api_page(content)
    except MalformedFeedError as exc:
        raise MalformedResponseError(SOURCE, url, f"malformed feed: {exc}", attempt) from exc
    if page.error is not None:
        # arXiv answers some bad requests with an error feed instead of a 4xx; a 4xx never gets here.
        status = response.status_code
        raise HTTPStatusError(SOURCE, url, f"arXiv API error: {page.error}", attempt, status=status)
    if not page.entries and not first_page:
        raise EmptyPageError(SOURCE, url, "unexpectedly empty page", attempt)
    return page


_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_FEED, _ENTRY, _ID, _TITLE, _UPDATED, _PUBLISHED, _SUMMARY, _NAME, _LINK, _CATEGORY = (
    _ATOM + tag
    for tag in ("feed", "entry", "id", "title", "updated", "published", "summary", "name", "link", "category")
)
_PRIMARY, _AFFILIATION, _COMMENT, _JOURNAL_REF, _DOI = (
    _ARXIV + tag for tag in ("primary_category", "affiliation", "comment", "journal_ref", "doi")
)
_TEXTS = (_ID, _TITLE, _UPDATED, _PUBLISHED, _SUMMARY, _COMMENT, _JOURNAL_REF, _DOI)
_WANTED = (*_TEXTS, _NAME, _AFFILIATION, _LINK, _CATEGORY, _PRIMARY)
_WHITESPACE = re.compile(r"\s+")
_ERROR_ID = "/api/errors#"


def parse_api_page(content: bytes) -> ApiPage:
    """An API response body → ApiPage of `arxiv.Result`s; MalformedFeedError instead of recovering.

    Entries without id/updated/published are skipped (logged) but counted in `entries`. arXiv's error
    feed gives no results and its message in `error`.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedFeedError(str(exc)) from exc
    if root.tag != _FEED:
        raise MalformedFeedError(f"not an Atom feed but <{root.tag}>")
    entries = root.findall(_ENTRY)
    error = _error_message(entries)
    with _gc_paused():
        results = () if error else tuple(r for r in map(_result, entries) if r is not None)
    return ApiPage(
        total_results=_int(root.findtext(_OPENSEARCH + "totalResults")),
        start_index=_int(root.findtext(_OPENSEARCH + "startIndex")),
        items_per_page=_int(root.findtext(_OPENSEARCH + "itemsPerPage")),
        results=results,
        entries=len(entries),
        error=error,
    )


def _error_message(entries: list[Any]) -> str | None:
    """arXiv's message when its one entry is an error (`<id>…/api/errors#…</id>`), else None."""
    if len(entries) != 1 or _ERROR_ID not in (entries[0].findtext(_ID) or ""):
        return None
    return " ".join((entries[0].findtext(_SUMMARY) or "unknown error").split())


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off the cyclic GC while a page's ~50 objects per entry are built (none form cycles).

    Otherwise the collector runs every few hundred entries and walks everything the process holds;
    pausing it makes a 2000-entry page parse about a third faster. Nothing is leaked, only deferred.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _int(text: str | None) -> int:
    try:
        return int((text or "0").strip())
    except ValueError:
        return 0


def parse_timestamp(text: str | None) -> datetime | None:
    """An Atom timestamp (`2025-01-01T10:00:00Z`, legacy `2019-01-04T00:00:00-05:00`) → aware UTC; else None.

    A naive stamp is read as UTC; an unreadable or unrepresentable one is None, so its entry is skipped
    rather than the page.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is UTC:  # arXiv's usual `Z`: nothing to convert
        return moment
    return utc_moment(moment)  # None when out of range (year 9999 with a negative offset)


def _result(entry: Any) -> arxiv.Result | None:
    """One <entry> → arxiv.Result, in one pass over the elements we read (the fast part of the ingest)."""
    text: dict[str, str | None] = {}
    authors: list[arxiv.Result.Author] = []
    links: list[arxiv.Result.Link] = []
    categories: list[str] = []
    primary = ""
    for element in entry.iter(*_WANTED):
        tag = element.tag
        if tag == _NAME:
            authors.append(arxiv.Result.Author(element.text or ""))
        elif tag == _CATEGORY:
            if (term := element.get("term")) is not None:
                categories.append(term)
        elif tag == _LINK:
            if (href := element.get("href")) is not None:
                links.append(_link(element, href))
        elif tag == _AFFILIATION:
            if element.text is not None and authors:
                authors[-1].affiliation.append(element.text)
        elif tag == _PRIMARY:
            primary = primary or element.get("term") or ""
        elif tag not in text:
            text[tag] = element.text
    return _build(text, authors, links, categories, primary)


def _link(element: Any, href: str) -> arxiv.Result.Link:
    rel = element.get("rel") or ""
    return arxiv.Result.Link(href, title=element.get("title"), rel=rel, content_type=element.get("type"))


def _build(
    text: dict[str, str | None],
    authors: list[arxiv.Result.Author],
    links: list[arxiv.Result.Link],
    categories: list[str],
    primary: str,
) -> arxiv.Result | None:
    entry_id = text.get(_ID)
    updated = parse_timestamp(text.get(_UPDATED))
    published = parse_timestamp(text.get(_PUBLISHED))
    if not entry_id or updated is None or published is None:
        logger.warning("arXiv API entry %s skipped: no id, updated or published", entry_id)
        return None
    return arxiv.Result(
        entry_id=entry_id,
        updated=updated,
        published=published,
        title=_WHITESPACE.sub(" ", text.get(_TITLE) or ""),
        authors=authors,
        summary=text.get(_SUMMARY) or "",
        comment=text.get(_COMMENT),
        journal_ref=text.get(_JOURNAL_REF),
        doi=text.get(_DOI),
        primary_category=primary,
        categories=categories,
        links=links,
    )
