"""arXiv's daily listing feed (`rss.arxiv.org/atom/<cat>+<cat>`) through httpx and feedparser.

One polite request per call (the shared arXiv limiter, timeout, backoff). An empty feed (weekends,
holidays) is a normal, empty `Listing`; a body that is no feed is a MalformedResponseError.
`announce_type` says why a paper is listed: new, cross (cross-list), replace (a new version of a paper
announced before — not a new paper) or replace-cross.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import feedparser
import httpx

from collector.config import Settings
from collector.errors import MalformedResponseError
from collector.http import RateLimiter, RequestStats, polite_get
from collector.normalise import listing_announce_type, parse_moment, record_from_listing_entry
from collector.reachability import Reachability
from db import PaperRecord

SOURCE = "arxiv_listing"
UPSTREAM = "arXiv"

logger = logging.getLogger(__name__)


@dataclass
class ListingEntry:
    record: PaperRecord
    announce_type: str  # new | cross | replace | replace-cross


@dataclass
class Listing:
    url: str
    entries: list[ListingEntry]
    skipped: int  # entries that could not be normalised (logged)
    feed_updated: datetime | None
    requests: int = field(default=0)  # HTTP requests made for it, retries included

    @property
    def empty(self) -> bool:
        return not self.entries


def listing_url(settings: Settings, categories: Sequence[str]) -> str:
    return f"{settings.arxiv_listing_url}/{'+'.join(categories)}"


def parse_listing(content: bytes, url: str) -> Listing:
    """Parse a listing feed body; entries that do not normalise are skipped and counted."""
    parsed = _parse_feed(content, url)
    entries: list[ListingEntry] = []
    skipped = 0
    for entry in parsed.entries:
        try:
            entries.append(ListingEntry(record_from_listing_entry(entry), listing_announce_type(entry)))
        except (KeyError, ValueError) as exc:
            skipped += 1
            logger.warning("listing entry %s skipped: %s", entry.get("id", "?"), exc)
    return Listing(url, entries, skipped, _feed_updated(parsed.feed))


def _parse_feed(content: bytes, url: str) -> Any:
    parsed = feedparser.parse(io.BytesIO(content))
    if str(parsed.get("version") or "").startswith(("atom", "rss")):
        problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
        if problem is None or isinstance(problem, feedparser.CharacterEncodingOverride):
            return parsed
    else:
        problem = parsed.get("bozo_exception") or "not an Atom/RSS feed"
    raise MalformedResponseError(SOURCE, url, f"malformed listing feed: {problem}")


def _feed_updated(feed: Any) -> datetime | None:
    stamp = feed.get("updated")
    return parse_moment(str(stamp)) if stamp else None


def fetch_listing(
    settings: Settings,
    limiter: RateLimiter,
    categories: Sequence[str],
    client: httpx.Client | None = None,
    stats: RequestStats | None = None,
    reachability: Reachability | None = None,
) -> Listing:
    """Fetch and parse today's listing of `categories` (one request, retried politely); `stats` counts the
    requests sent, retries included."""
    url = listing_url(settings, categories)
    stats = stats if stats is not None else RequestStats()
    sent_before = stats.requests
    listings: list[Listing] = []

    def validate(response: httpx.Response, attempt: int) -> None:
        try:
            listings.append(parse_listing(response.content, url))
        except MalformedResponseError as exc:
            raise MalformedResponseError(SOURCE, url, exc.message, attempt) from exc

    http = client or httpx.Client(limits=httpx.Limits(max_connections=1))
    try:
        polite_get(
            http, url, source=SOURCE, settings=settings, limiter=limiter, stats=stats, validate=validate,
            reachability=reachability, upstream=UPSTREAM,
        )  # fmt: skip
    finally:
        if client is None:
            http.close()
    listing = listings[-1]
    listing.requests = stats.requests - sent_before
    return listing
