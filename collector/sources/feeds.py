"""Blog feeds (RSS/Atom) named as topic resources of kind `feed`, through httpx and feedparser.

One polite request per feed (timeout, bounded retries); the newest posts become resources of kind `post`
of that topic. A body that is no feed (an HTML page, say) is a MalformedResponseError naming the URL.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from collector.config import Settings
from collector.errors import MalformedResponseError
from collector.http import RateLimiter, RequestStats, polite_get
from collector.normalise import collapse
from collector.reachability import Reachability

SOURCE = "feed"
UPSTREAM = "A blog feed"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedPost:
    url: str
    title: str
    published: datetime | None


def parse_feed(content: bytes, url: str, limit: int) -> list[FeedPost]:
    """The newest `limit` linked posts of an RSS/Atom body; MalformedResponseError if it is no feed."""
    parsed = feedparser.parse(io.BytesIO(content))
    if not str(parsed.get("version") or "").startswith(("atom", "rss")):
        problem = parsed.get("bozo_exception") or "no RSS or Atom feed here"
        raise MalformedResponseError(SOURCE, url, f"not a feed: {problem}")
    posts = [post for post in map(feed_post, parsed.entries) if post is not None]
    posts.sort(key=lambda p: p.published or datetime.min.replace(tzinfo=UTC), reverse=True)
    return posts[:limit]


def feed_post(entry: Any) -> FeedPost | None:
    link = collapse(str(entry.get("link") or ""))
    if not link.startswith(("http://", "https://")) or " " in link:
        logger.warning("feed entry without a link skipped: %r", collapse(str(entry.get("id", "?")))[:100])
        return None
    title = collapse(str(entry.get("title") or "")) or link
    return FeedPost(link, title, entry_time(entry))


def entry_time(entry: Any) -> datetime | None:
    """When the post was published (or last updated), from feedparser's parsed UTC struct_time."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    try:
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError):  # a date feedparser could not make sense of either
        return None


def fetch_feed(
    settings: Settings,
    limiter: RateLimiter | None,
    url: str,
    client: httpx.Client,
    stats: RequestStats | None = None,
    reachability: Reachability | None = None,
) -> list[FeedPost]:
    """Fetch one feed politely and return its newest `RADAR_FEED_MAX_POSTS` posts."""
    posts: list[list[FeedPost]] = []

    def validate(response: httpx.Response, attempt: int) -> None:
        posts.append(parse_feed(response.content, url, settings.feed_max_posts))

    polite_get(
        client, url, source=SOURCE, settings=settings, limiter=limiter, stats=stats, validate=validate,
        reachability=reachability, upstream=UPSTREAM,
    )  # fmt: skip
    return posts[-1]
