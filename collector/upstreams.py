"""The HTTP side of one collection run: one client per upstream, their rate limiters, and the count of
requests they sent (retries included), which the runs table records per source/query.

arXiv gets one keep-alive connection for every request of the run (API and listing), as it asks; Hugging
Face and blog feeds share a second client. The limiters are process-wide unless a caller (a test, a
benchmark) passes its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from collector.config import Settings
from collector.http import RateLimiter, RequestStats, shared_arxiv_limiter, shared_hf_limiter
from collector.reachability import Reachability
from collector.sources.arxiv_api import ArxivAPI
from collector.sources.arxiv_listing import Listing, fetch_listing
from collector.sources.feeds import FeedPost, fetch_feed
from collector.sources.huggingface import HuggingFace


@dataclass(frozen=True)
class Limiters:
    """The rate limiters of arXiv and Hugging Face (blog feeds are one request per host: not limited)."""

    arxiv: RateLimiter
    hf: RateLimiter

    @classmethod
    def shared(cls, settings: Settings) -> Limiters:
        """The process-wide ones: every request of the process to an upstream shares its spacing."""
        return cls(
            shared_arxiv_limiter(settings.arxiv_delay_seconds), shared_hf_limiter(settings.hf_delay_seconds)
        )


class Upstreams:
    """arXiv (API and listing), Hugging Face and blog feeds for one run; close it (or use `with`).

    `reachability` is shared by them all: a host one request found unreachable (its name does not
    resolve, it refuses connections, connect timeouts in a row) is skipped by every later request of the
    run, without a request.
    """

    def __init__(self, settings: Settings, limiters: Limiters) -> None:
        self.settings, self.limiters = settings, limiters
        self.reachability = Reachability()
        self._arxiv_http = httpx.Client(limits=httpx.Limits(max_connections=1))
        self._web = httpx.Client(follow_redirects=True)
        self.api = ArxivAPI(settings, limiters.arxiv, self._arxiv_http, self.reachability)
        self.hf = HuggingFace(settings, limiters.hf, self._web, self.reachability)
        self._listing_stats = RequestStats()
        self._feed_stats = RequestStats()

    @property
    def requests(self) -> int:
        """HTTP requests sent so far by this run, to every upstream, retries included."""
        counted = (
            self.api.requests,
            self.hf.requests,
            self._listing_stats.requests,
            self._feed_stats.requests,
        )
        return sum(counted)

    def listing(self, categories: Sequence[str]) -> Listing:
        return fetch_listing(
            self.settings, self.limiters.arxiv, categories, self._arxiv_http, self._listing_stats,
            self.reachability,
        )  # fmt: skip

    def feed(self, url: str) -> list[FeedPost]:
        return fetch_feed(self.settings, None, url, self._web, self._feed_stats, self.reachability)

    def close(self) -> None:
        self._arxiv_http.close()
        self._web.close()

    def __enter__(self) -> Upstreams:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
