"""Hugging Face (and a blog feed) on the replay server, through `ReplayServer.add_route`.

    /hf/api/daily_papers?date=D&p=N&limit=L   the recorded answer for day D (tests/fixtures/hf/), paged
                                              with p and limit; [] for a day nothing was recorded for
    /hf/api/papers/{id}                       the recorded `paper` object of that id (its newest schema
                                              generation); 404 {"error": "Paper not found"} otherwise
    /hf/api/papers/search?q=TEXT&limit=L      recorded items whose title or summary hold every word of q
    /blog/<name>.xml                          a blog's Atom feed (the recorded arXiv listing: real Atom)
    /blog/<name>.html                         a web page that is no feed

No real `/papers/{id}` or `/papers/search` answer was ever recorded, so those two are built from the
recorded daily-papers `paper` objects, which carry the same field names (see fixtures/PROVENANCE.md).
Every answer carries HF's rate-limit headers in the IETF draft form HF sends
(`RateLimit: "api";r=REMAINING;t=SECONDS`, `RateLimit-Policy: "fixed window";"api";q=1000;w=300`).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from tests.replay import FIXTURES, RECORDED_LISTING, RecordedRequest, ReplayServer, Reply

HF = "/hf/api"
BLOG = "/blog"
HF_FIXTURES = FIXTURES / "hf"
JSON_TYPE = "application/json; charset=utf-8"
QUOTA = 1000  # requests per window, as RateLimit-Policy announces it
WINDOW = 300


@cache
def recorded_days() -> dict[str, tuple[dict[str, Any], ...]]:
    """Featured day (YYYY-MM-DD) → the recorded /daily_papers items, oldest schema generation first."""
    days = {}
    for path in sorted(HF_FIXTURES.glob("daily_papers_*.json")):
        day = path.stem.removeprefix("daily_papers_")
        days[day] = tuple(json.loads(path.read_text(encoding="utf-8")))
    return days


@cache
def recorded_papers() -> dict[str, dict[str, Any]]:
    """arXiv id → its recorded `paper` object (the newest generation wins)."""
    return {item["paper"]["id"]: item["paper"] for items in recorded_days().values() for item in items}


def recorded_items() -> list[dict[str, Any]]:
    return [item for items in recorded_days().values() for item in items]


def rate_headers(remaining: int, reset: int) -> dict[str, str]:
    return {
        "RateLimit": f'"api";r={remaining};t={reset}',
        "RateLimit-Policy": f'"fixed window";"api";q={QUOTA};w={WINDOW}',
    }


class HFReplay:
    """The HF routes of one replay server; `served` counts answers per path kind."""

    def __init__(self, server: ReplayServer) -> None:
        self.server = server
        self._counter = itertools.count()
        self._lock = threading.Lock()
        server.add_route(HF, self._hf)
        server.add_route(BLOG, self._blog)

    @property
    def api_url(self) -> str:
        return self.server.url + HF

    def requests(self) -> list[RecordedRequest]:
        return self.server.requests_to(HF)

    def settings(self, **overrides: Any) -> Any:
        """Settings for the arXiv replay plus this HF replay, fast (no HF delay)."""
        values = {"hf_api_url": self.api_url, "hf_delay_seconds": 0.0, **overrides}
        return self.server.settings(**values)

    def json_reply(self, data: object, status: int = 200) -> Reply:
        with self._lock:
            used = next(self._counter)
        headers = rate_headers(max(QUOTA - 1 - used, 0), WINDOW - used % WINDOW)
        return Reply(status, headers, json.dumps(data).encode(), content_type=JSON_TYPE)

    def _hf(self, request: RecordedRequest) -> Reply:
        path = request.path[len(HF) :]
        if path == "/daily_papers":
            return self.json_reply(self._day(request.query))
        if path == "/papers/search":
            return self.json_reply(self._search(request.query))
        if found := re.fullmatch(r"/papers/([^/]+)", path):
            paper = recorded_papers().get(found[1])
            return self.json_reply(paper) if paper else self.json_reply({"error": "Paper not found"}, 404)
        return self.json_reply({"error": f"no route {path}"}, 404)

    def _day(self, query: dict[str, str]) -> list[dict[str, Any]]:
        items = recorded_days().get(query.get("date", ""), ())
        page, limit = int(query.get("p") or 0), int(query.get("limit") or 50)
        return list(items[page * limit : (page + 1) * limit])

    def _search(self, query: dict[str, str]) -> list[dict[str, Any]]:
        words = query.get("q", "").lower().split()
        hits = {
            item["paper"]["id"]: item
            for item in recorded_items()
            if words
            and all(w in f"{item['paper']['title']} {item['paper']['summary']}".lower() for w in words)
        }
        return list(hits.values())[: int(query.get("limit") or 10)]

    def _blog(self, request: RecordedRequest) -> Reply:
        if request.path.endswith(".xml"):
            return Reply(body=RECORDED_LISTING.read_bytes())
        return Reply(body=b"<html><body><h1>Trending papers</h1></body></html>", content_type="text/html")


def install_hf(server: ReplayServer) -> HFReplay:
    return HFReplay(server)


def day_file(day: date | str) -> Path:
    return HF_FIXTURES / f"daily_papers_{day}.json"
