"""A local arXiv look-alike: replays recorded real responses and renders the corpus in arXiv's real layouts.

Routes (plain HTTP on 127.0.0.1, a free port):

    /api/query?id_list=…        the recorded response for that id list (tests/fixtures/arxiv_api/index.json)
                                when there is one, else the corpus records of those ids in the atom-2025+
                                layout (unknown ids absent; a malformed id → HTTP 400 error feed)
    /api/query?search_query=…   a corpus-backed search: submittedDate window, cat:, and a crude text match
                                (case-insensitive substring; deliberately NOT collector.query/matching),
                                newest first, paged by start/max_results, exact totalResults
    /atom/<cat>+<cat>           the recorded listing feed (default), a day of the corpus rendered as a
                                listing (`serve_corpus_listing`), or an empty feed (`serve_empty_listing`)

Every request is recorded (`requests`: path, query, headers, monotonic arrival time, peer); faults are
queued per route with `script(API | LISTING, [Reply(status=503), Reply(hang=2), ...])` and consumed in
order before normal answers resume. `add_route(prefix, handler)` serves another upstream (e.g. Hugging
Face) from the same server. Outside pytest:

    with ReplayServer() as server:                   # corpus loaded once per process
        settings = server.settings(arxiv_delay_seconds=3)

or `python -m tests.replay --port 8008 [--listing recorded|empty|YYYY-MM-DD]`, which prints the
RADAR_ARXIV_API_URL / RADAR_ARXIV_LISTING_URL to export for a real `radar` run.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

FIXTURES = Path(__file__).resolve().parent / "fixtures"
API_FIXTURES = FIXTURES / "arxiv_api"
RECORDED_LISTING = FIXTURES / "arxiv_listing" / "zotero_arxiv_daily_cs.AI_2025-08-20.xml"
CORPUS_PATH = FIXTURES / "corpus" / "papers.jsonl.gz"

API = "/api/query"
LISTING = "/atom"

ATOM_TYPE = "application/atom+xml; charset=UTF-8"
NEW_YORK = ZoneInfo("America/New_York")


def fixture_bytes(name: str) -> bytes:
    """A recorded arXiv API response body by file name (tests/fixtures/arxiv_api/NAME)."""
    return (API_FIXTURES / name).read_bytes()


@cache
def api_index() -> tuple[dict[str, Any], ...]:
    """tests/fixtures/arxiv_api/index.json: file, url, status_code, entries, totalResults, format."""
    return tuple(json.loads((API_FIXTURES / "index.json").read_text(encoding="utf-8")))


# --------------------------------------------------------------------------------------------------
# Replies and recorded requests


@dataclass(frozen=True)
class Reply:
    """One scripted answer. The default `Reply()` is the route's normal behaviour.

    status/headers/body  send exactly this (body None and status 200: the normal body)
    empty                an empty page/feed in the real layout (API: no entries, totalResults 0)
    hang                 wait this many seconds first (then answer, if the client is still there)
    drop                 close the connection without answering
    cut                  announce the full Content-Length but send only `cut` bytes, then close
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    empty: bool = False
    hang: float = 0.0
    drop: bool = False
    cut: int | None = None
    content_type: str = ATOM_TYPE


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, str]  # first value of each parameter, blanks kept
    headers: dict[str, str]  # lower-case names
    time: float  # time.monotonic() on arrival, comparable with RateLimiter.history
    route: str  # API, LISTING or an added prefix ("" when nothing matched)
    peer: tuple[str, int]  # client address: one port = one connection

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")


Handler = Callable[[RecordedRequest], Reply]


def spacings(requests: Sequence[RecordedRequest]) -> list[float]:
    """Gaps between consecutive request arrivals."""
    times = [r.time for r in requests]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


# --------------------------------------------------------------------------------------------------
# The corpus


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _xml(text).replace('"', "&quot;")


@dataclass(frozen=True, slots=True)
class CorpusPaper:
    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    published: str  # YYYY-MM-DD, the day of v1
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> CorpusPaper:
        return cls(
            arxiv_id=row["id"],
            title=row["title"],
            abstract=row["abstract"],
            authors=tuple(row["authors"]),
            categories=tuple(row["categories"]),
            published=row["published"],
            comment=row.get("comment"),
            journal_ref=row.get("journal_ref"),
            doi=row.get("doi"),
        )


@dataclass(frozen=True, slots=True)
class _Searchable:
    """Lower-cased fields and the submittedDate stamp of one paper, for the crude search."""

    paper: CorpusPaper
    stamp: int  # YYYYMMDDHHMM of its (midnight UTC) submission
    title: str
    abstract: str
    authors: str
    extra: str  # comment + journal_ref


class Corpus:
    """Real arXiv records (tests/fixtures/corpus) and their rendering in arXiv's layouts.

    Rendering is cached per (id, version); a search is cached per query string.
    """

    def __init__(self, papers: Iterable[CorpusPaper]) -> None:
        ordered = sorted(papers, key=lambda p: (p.published, p.arxiv_id), reverse=True)
        self.papers: tuple[CorpusPaper, ...] = tuple(ordered)  # newest first, as arXiv sorts
        self.by_id = {p.arxiv_id: p for p in self.papers}
        self.by_day: dict[str, list[CorpusPaper]] = {}
        for paper in self.papers:
            self.by_day.setdefault(paper.published, []).append(paper)
        self._searchable = [_searchable(p) for p in self.papers]
        self._entries: dict[tuple[str, int, str], str] = {}
        self._searches: dict[str, list[CorpusPaper]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_jsonl(cls, path: Path = CORPUS_PATH) -> Corpus:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            return cls(CorpusPaper.from_json(json.loads(line)) for line in lines if line.strip())

    def busiest_days(self, categories: Sequence[str] = (), count: int = 5) -> list[str]:
        """Days (YYYY-MM-DD) with the most papers in `categories` (all when empty), busiest first."""
        sizes = {
            day: sum(_in_categories(p, categories) for p in papers) for day, papers in self.by_day.items()
        }
        return sorted(sizes, key=lambda day: (-sizes[day], day))[:count]

    # -- search ------------------------------------------------------------------------------------

    def search(self, query: str) -> list[CorpusPaper]:
        """Papers matching a raw arXiv search_query (crudely), newest first."""
        with self._lock:
            cached = self._searches.get(query)
        if cached is None:
            matches = _compile_query(query)
            cached = [s.paper for s in self._searchable if matches(s)]
            with self._lock:
                self._searches[query] = cached
        return cached

    # -- API layout (atom-2025+, as arxivpy_*.xml) -------------------------------------------------

    def api_entry(self, paper: CorpusPaper, version: int = 1, updated: str | None = None) -> str:
        key = (paper.arxiv_id, version, updated or paper.published)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _api_entry(paper, version, updated or paper.published)
        return entry

    # -- listing layout (rss.arxiv.org/atom) -------------------------------------------------------

    def listing_papers(
        self, categories: Sequence[str], day: str, replaced: Sequence[str] | None = None
    ) -> list[tuple[CorpusPaper, str]]:
        """(paper, announce_type) of a day's listing: new, cross, then replace, replace-cross; ids ascending.

        `replaced` defaults to a deterministic ~5% of the papers of the 30 days before that match.
        """
        today = [p for p in self.by_day.get(day, ()) if _in_categories(p, categories)]
        chosen = _default_replaced(self, categories, day) if replaced is None else replaced
        earlier = [self.by_id[i] for i in chosen if i in self.by_id and self.by_id[i].published < day]
        listed = [(p, "new" if _in_categories(p, categories, primary=True) else "cross") for p in today]
        for paper in earlier:
            listed.append(
                (paper, "replace" if _in_categories(paper, categories, primary=True) else "replace-cross")
            )
        order = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}
        return sorted(listed, key=lambda item: (order[item[1]], item[0].arxiv_id))


def _searchable(paper: CorpusPaper) -> _Searchable:
    stamp = int(paper.published.replace("-", "") + "0000")
    extra = f"{paper.comment or ''} {paper.journal_ref or ''}".lower()
    title, abstract = paper.title.lower(), paper.abstract.lower()
    authors = " ; ".join(paper.authors).lower()
    return _Searchable(paper, stamp, title, abstract, authors, extra)


def _in_categories(paper: CorpusPaper, categories: Sequence[str], primary: bool = False) -> bool:
    if not categories:
        return True
    mine = paper.categories[:1] if primary else paper.categories
    return any(c == want or c.startswith(want + ".") for c in mine for want in categories)


def _default_replaced(corpus: Corpus, categories: Sequence[str], day: str) -> list[str]:
    first = (date.fromisoformat(day) - timedelta(days=30)).isoformat()
    chosen = []
    for paper in corpus.papers:
        picked = hashlib.sha1(f"{paper.arxiv_id}@{day}".encode()).digest()[0] < 13  # ~5%
        if picked and first <= paper.published < day and _in_categories(paper, categories):
            chosen.append(paper.arxiv_id)
    return chosen


@cache
def load_corpus(path: Path = CORPUS_PATH) -> Corpus:
    """The corpus, loaded once per process."""
    return Corpus.from_jsonl(path)


# --------------------------------------------------------------------------------------------------
# Rendering: element layout copied from the recorded files


def _api_entry(paper: CorpusPaper, version: int, updated_day: str) -> str:
    vid = f"{paper.arxiv_id}v{version}"
    parts = [
        f"  <entry>\n    <id>http://arxiv.org/abs/{vid}</id>\n    <title>{_xml(paper.title)}</title>\n"
        f"    <updated>{updated_day}T00:00:00Z</updated>\n"
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n'
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>\n'
        f"    <summary>{_xml(paper.abstract)}</summary>\n"
    ]
    parts += [
        f'    <category term="{_attr(c)}" scheme="http://arxiv.org/schemas/atom"/>\n'
        for c in paper.categories
    ]
    parts.append(f"    <published>{paper.published}T00:00:00Z</published>\n")
    if paper.comment:
        parts.append(f"    <arxiv:comment>{_xml(paper.comment)}</arxiv:comment>\n")
    parts.append(f'    <arxiv:primary_category term="{_attr(paper.categories[0])}"/>\n')
    if paper.journal_ref:
        parts.append(f"    <arxiv:journal_ref>{_xml(paper.journal_ref)}</arxiv:journal_ref>\n")
    parts += [f"    <author>\n      <name>{_xml(name)}</name>\n    </author>\n" for name in paper.authors]
    if paper.doi:
        doi = _xml(paper.doi)
        parts.append(
            f"    <arxiv:doi>{doi}</arxiv:doi>\n"
            f'    <link rel="related" href="https://doi.org/{_attr(paper.doi)}" title="doi"/>\n'
        )
    parts.append("  </entry>\n")
    return "".join(parts)


_API_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"'
    ' xmlns="http://www.w3.org/2005/Atom">\n'
)


def _now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_api_feed(
    entries: Sequence[str],
    *,
    total: int,
    start: int,
    max_results: int,
    search_query: str = "",
    id_list: str = "",
) -> bytes:
    """A whole API response page around pre-rendered entries (atom-2025+ layout)."""
    sq, ids = _xml(search_query), _xml(id_list)
    href_sq, href_ids = sq.replace('"', "&quot;"), ids.replace('"', "&quot;")
    digest = base64.b64encode(hashlib.sha1(f"{search_query}|{id_list}|{start}".encode()).digest()).decode()[
        :27
    ]
    head = (
        f"{_API_HEAD}  <id>https://arxiv.org/api/{digest}</id>\n"  # arXiv's own text in the feed; not fetched
        f"  <title>arXiv Query: search_query={sq}&amp;id_list={ids}&amp;start={start}"
        f"&amp;max_results={max_results}</title>\n  <updated>{_now_stamp()}</updated>\n"
        f'  <link href="https://arxiv.org/api/query?search_query={href_sq}&amp;start={start}'  # as recorded
        f'&amp;max_results={max_results}&amp;id_list={href_ids}" type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
    )
    return (head + "".join(entries) + "</feed>\n").encode("utf-8")


def render_api_error(bad_id: str) -> bytes:
    """arXiv's error feed for a malformed id (as arxivpy_id_abc_*.xml, served with HTTP 400)."""
    now, slug, bad = _now_stamp(), _xml(bad_id).replace(" ", "_"), _xml(bad_id)
    return (
        f"{_API_HEAD}  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
        f"  <updated>{now}</updated>\n  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        f"  <entry>\n    <id>https://arxiv.org/api/errors#incorrect_id_format_for_{slug}</id>\n"
        f"    <title>Error</title>\n    <updated>{now}</updated>\n"
        f'    <link href="https://arxiv.org/api/errors#incorrect_id_format_for_{slug}" rel="alternate"'
        ' type="text/html"/>\n'
        f"    <summary>incorrect id format for {bad}</summary>\n"
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>\n"
    ).encode()


def _listing_stamps(day: str) -> tuple[str, str]:
    """(feed <updated>, entry <published>) of a day's listing, in the real feed's forms."""
    midnight = datetime.combine(date.fromisoformat(day), datetime.min.time(), NEW_YORK)
    updated = (midnight.astimezone(UTC) + timedelta(seconds=19.866337)).isoformat()
    return updated, midnight.isoformat()


def render_listing(
    categories: Sequence[str],
    day: str,
    papers: Sequence[tuple[CorpusPaper, str]],
    versions: Mapping[str, int],
) -> bytes:
    """An rss.arxiv.org Atom listing (layout of the recorded zotero_arxiv_daily feed); no papers = empty."""
    cats = "+".join(categories)
    updated, published = _listing_stamps(day)
    head = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">\n'
        f"  <id>http://rss.arxiv.org/atom/{cats}</id>\n  <title>{cats} updates on arXiv.org</title>\n"
        f"  <updated>{updated}</updated>\n"
        f'  <link href="http://rss.arxiv.org/atom/{cats}" rel="self" type="application/atom+xml"/>\n'
        f"  <subtitle>{cats} updates on the arXiv.org e-print archive.</subtitle>\n"
    )
    entries = [
        _listing_entry(paper, kind, versions.get(paper.arxiv_id, 1), updated, published)
        for paper, kind in papers
    ]
    return (head + "".join(entries) + "</feed>\n").encode("utf-8")


def _listing_entry(paper: CorpusPaper, kind: str, version: int, updated: str, published: str) -> str:
    vid = f"{paper.arxiv_id}v{version}"
    categories = "".join(f'    <category term="{_attr(c)}"/>\n' for c in paper.categories)
    return (
        f"  <entry>\n    <id>oai:arXiv.org:{vid}</id>\n    <title>{_xml(paper.title)}</title>\n"
        f"    <updated>{updated}</updated>\n"
        f'    <link href="https://arxiv.org/abs/{paper.arxiv_id}" rel="alternate" type="text/html"/>\n'
        f"    <summary>arXiv:{vid} Announce Type: {kind} \nAbstract: {_xml(paper.abstract)}</summary>\n"
        f"{categories}    <published>{published}</published>\n"
        f"    <arxiv:announce_type>{kind}</arxiv:announce_type>\n"
        "    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>\n"
        f"    <dc:creator>{_xml(', '.join(paper.authors))}</dc:creator>\n  </entry>\n"
    )


# --------------------------------------------------------------------------------------------------
# The crude search: an independent little evaluator of arXiv's query language


Matcher = Callable[[_Searchable], bool]


_FIELDS: dict[str, Callable[[_Searchable], str]] = {
    "ti": lambda s: s.title,
    "abs": lambda s: s.abstract,
    "au": lambda s: s.authors,
    "co": lambda s: s.extra,
    "jr": lambda s: s.extra,
}

_TOKEN = re.compile(
    r"\s*(?:(?P<open>\()|(?P<close>\))|(?P<op>ANDNOT|AND|OR)(?=[\s(]|$)"
    r'|(?:(?P<field>\w+):)?(?P<value>\[[^\]]*\]|"[^"]*"|[^\s()"]+))'
)
_WINDOW = re.compile(r"\[\s*(\d{8,12})\s+TO\s+(\d{8,12})\s*\]", re.I)


def _compile_query(query: str) -> Matcher:
    """AND/ANDNOT bind tighter than OR, left to right; unknown pieces are ignored (arXiv is lenient too)."""
    tokens = [m.groupdict() for m in _TOKEN.finditer(query) if m.group(0).strip()]
    matcher, _ = _parse_or(tokens, 0)
    return matcher


def _parse_or(tokens: list[dict[str, str | None]], pos: int) -> tuple[Matcher, int]:
    left, pos = _parse_and(tokens, pos)
    while pos < len(tokens) and tokens[pos]["op"] == "OR":
        right, pos = _parse_and(tokens, pos + 1)
        left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
    return left, pos


def _parse_and(tokens: list[dict[str, str | None]], pos: int) -> tuple[Matcher, int]:
    left, pos = _parse_atom(tokens, pos)
    while pos < len(tokens) and tokens[pos]["op"] in ("AND", "ANDNOT"):
        negate = tokens[pos]["op"] == "ANDNOT"
        right, pos = _parse_atom(tokens, pos + 1)
        if negate:
            left = (lambda a, b: lambda s: a(s) and not b(s))(left, right)
        else:
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
    return left, pos


def _parse_atom(tokens: list[dict[str, str | None]], pos: int) -> tuple[Matcher, int]:
    if pos >= len(tokens):
        return (lambda s: True), pos
    token = tokens[pos]
    if token["open"]:
        inner, pos = _parse_or(tokens, pos + 1)
        return inner, pos + 1 if pos < len(tokens) and tokens[pos]["close"] else pos
    if token["value"] is None:  # a stray operator or ')': skip it
        return _parse_atom(tokens, pos + 1)
    return _term(token["field"] or "all", token["value"]), pos + 1


def _term(field_name: str, value: str) -> Matcher:
    if field_name == "submittedDate":
        window = _WINDOW.fullmatch(value)
        low, high = (int(window[1].ljust(12, "0")), int(window[2].ljust(12, "9"))) if window else (0, 10**12)
        return lambda s: low <= s.stamp <= high
    if field_name == "cat":
        want = value.strip('"')
        return lambda s: any(c == want or c.startswith(want + ".") for c in s.paper.categories)
    needle = value.strip('"').replace("*", "").lower()
    getter = _FIELDS.get(field_name)
    if getter is None:  # all:, bare words and fields we do not model: title or abstract
        return lambda s: needle in s.title or needle in s.abstract
    return lambda s: needle in getter(s)


# --------------------------------------------------------------------------------------------------
# The server


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so "one connection" can be checked by peer port
    # Headers and body go out as two writes; with Nagle on, the client's delayed ACK adds 40 ms to each.
    disable_nagle_algorithm = True
    timeout = 60  # an idle keep-alive connection is closed after this
    server: _Server

    def do_GET(self) -> None:
        self.server.replay._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer


class ReplayServer:
    """The replay HTTP server. `start()`/`stop()` or use it as a context manager."""

    def __init__(self, corpus: Corpus | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.corpus = corpus if corpus is not None else load_corpus()
        self.requests: list[RecordedRequest] = []
        self.versions: dict[str, int] = {}  # id → current version (bumped by rendered replace entries)
        self._replaced_on: dict[str, str] = {}  # id → day its current version was announced
        self._address = (host, port)
        self._routes: dict[str, Handler] = {API: self._api, LISTING: self._listing}
        self._scripts: dict[str, list[Reply]] = {}
        self._listing_mode: tuple[str, Any] = ("recorded", RECORDED_LISTING)
        self._recorded_ids = _recorded_id_lists()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> ReplayServer:
        self._server = _Server(self._address, _RequestHandler)
        self._server.replay = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any hanging reply
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + API

    @property
    def listing_url(self) -> str:
        return self.url + LISTING

    def settings(self, **overrides: Any) -> Any:
        """A `collector.config.Settings` pointed at this server, fast and polite-but-quick for tests."""
        from collector.config import Settings

        values: dict[str, Any] = {
            "arxiv_api_url": self.api_url,
            "arxiv_listing_url": self.listing_url,
            "contact": "radar-tests@example.org",
            "arxiv_delay_seconds": 0.0,
            "http_timeout_seconds": 5.0,
            "http_max_retries": 2,
            "http_backoff_seconds": 0.01,
            "http_max_backoff_seconds": 5.0,
        }
        return Settings(**{**values, **overrides})

    # -- configuration -------------------------------------------------------------------------------

    def script(self, route: str, replies: Iterable[Reply]) -> None:
        """Queue replies for a route (API, LISTING or an added prefix), used in order before normal ones."""
        with self._lock:
            self._scripts.setdefault(route, []).extend(replies)

    def pending(self, route: str) -> int:
        """Scripted replies not consumed yet."""
        with self._lock:
            return len(self._scripts.get(route, ()))

    def add_route(self, prefix: str, handler: Handler) -> None:
        """Serve another upstream (e.g. Hugging Face) from this server: `handler(request) -> Reply`."""
        self._routes[prefix] = handler

    def serve_recorded_listing(self, path: Path = RECORDED_LISTING) -> None:
        self._listing_mode = ("recorded", path)

    def serve_corpus_listing(self, day: date | str, replaced: Sequence[str] | None = None) -> None:
        """Listings rendered from the corpus papers of `day` (their categories filtered by the URL)."""
        self._listing_mode = ("corpus", (str(day), replaced))

    def serve_empty_listing(self) -> None:
        self._listing_mode = ("empty", None)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.route == route]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripts.clear()

    # -- request handling ----------------------------------------------------------------------------

    def _handle(self, handler: _RequestHandler) -> None:
        request = self._record(handler)
        with self._lock:
            queue = self._scripts.get(request.route)
            scripted = queue.pop(0) if queue else Reply()
        if scripted.hang and self._stopping.wait(scripted.hang):
            handler.close_connection = True
            return
        if scripted.drop:
            handler.close_connection = True
            return
        self._send(handler, self._resolve(request, scripted))

    def _record(self, handler: _RequestHandler) -> RecordedRequest:
        arrived = time.monotonic()
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        route = max((p for p in self._routes if parts.path.startswith(p)), key=len, default="")
        request = RecordedRequest(
            "GET", parts.path, query, headers, arrived, route, handler.client_address[:2]
        )
        with self._lock:
            self.requests.append(request)
        return request

    def _resolve(self, request: RecordedRequest, scripted: Reply) -> Reply:
        if scripted.body is not None:
            return scripted
        if scripted.empty:
            return Reply(status=scripted.status, headers=scripted.headers, body=self._empty_body(request))
        if scripted.status != 200:
            body = f"{scripted.status} scripted failure\n".encode()
            return Reply(scripted.status, scripted.headers, body, content_type="text/plain; charset=utf-8")
        handler = self._routes.get(request.route)
        normal = handler(request) if handler else Reply(404, body=b"not found\n", content_type="text/plain")
        return Reply(normal.status, {**normal.headers, **scripted.headers}, normal.body, cut=scripted.cut,
                     content_type=normal.content_type)  # fmt: skip

    def _send(self, handler: _RequestHandler, reply: Reply) -> None:
        body = reply.body or b""
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body if reply.cut is None else body[: reply.cut])
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to tell it
        if reply.cut is not None:
            handler.close_connection = True

    def _empty_body(self, request: RecordedRequest) -> bytes:
        if request.route == LISTING:
            return render_listing(_listing_categories(request), date.today().isoformat(), (), {})
        start, max_results = _paging(request.query)
        return render_api_feed([], total=0, start=start, max_results=max_results,
                               search_query=request.query.get("search_query", ""))  # fmt: skip

    # -- the arXiv API -------------------------------------------------------------------------------

    def _api(self, request: RecordedRequest) -> Reply:
        query = request.query
        id_list = query.get("id_list", "")
        if id_list and id_list in self._recorded_ids:
            body, status = self._recorded_ids[id_list]
            return Reply(status, body=body)
        ids = [i.strip() for i in id_list.split(",") if i.strip()]
        bad = next((i for i in ids if not _looks_like_id(i)), None)
        if bad is not None:
            return Reply(400, body=render_api_error(bad))
        return Reply(body=self._api_page(query, ids))

    def _api_page(self, query: Mapping[str, str], ids: list[str]) -> bytes:
        start, max_results = _paging(query)
        search_query = query.get("search_query", "")
        found = self._id_papers(ids) if ids else [(p, None) for p in self._search_papers(search_query)]
        if ids and search_query:
            allowed = {p.arxiv_id for p in self.corpus.search(search_query)}
            found = [item for item in found if item[0].arxiv_id in allowed]
        page = found[start : start + max_results]
        entries = [self._api_entry(paper, version) for paper, version in page]
        return render_api_feed(entries, total=len(found), start=start, max_results=max_results,
                                    search_query=search_query, id_list=",".join(ids))  # fmt: skip

    def _api_entry(self, paper: CorpusPaper, asked: int | None) -> str:
        current = self.versions.get(paper.arxiv_id, 1)
        version = asked or current
        updated = self._replaced_on.get(paper.arxiv_id) if version == current > 1 else None
        return self.corpus.api_entry(paper, version, updated)

    def _search_papers(self, search_query: str) -> list[CorpusPaper]:
        return self.corpus.search(search_query) if search_query.strip() else []

    def _id_papers(self, ids: list[str]) -> list[tuple[CorpusPaper, int | None]]:
        found = []
        for raw in ids:
            base, _, version = raw.partition("v") if "/" not in raw else _split_old(raw)
            paper = self.corpus.by_id.get(base)
            if paper is not None:
                found.append((paper, int(version) if version else None))
        return found

    # -- the listing feed ----------------------------------------------------------------------------

    def _listing(self, request: RecordedRequest) -> Reply:
        mode, arg = self._listing_mode
        categories = _listing_categories(request)
        if mode == "recorded":
            return Reply(body=Path(arg).read_bytes())
        if mode == "empty":
            return Reply(body=render_listing(categories, date.today().isoformat(), (), {}))
        day, replaced = arg
        papers = self.corpus.listing_papers(categories, day, replaced)
        with self._lock:
            for paper, kind in papers:
                if kind.startswith("replace") and self._replaced_on.get(paper.arxiv_id) != day:
                    self.versions[paper.arxiv_id] = self.versions.get(paper.arxiv_id, 1) + 1
                    self._replaced_on[paper.arxiv_id] = day
            versions = dict(self.versions)
        return Reply(body=render_listing(categories, day, papers, versions))


def _paging(query: Mapping[str, str]) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        value = query.get(name, "")
        return int(value) if value.isdigit() else default

    return number("start", 0), number("max_results", 10)


def _listing_categories(request: RecordedRequest) -> list[str]:
    rest = unquote(request.path[len(LISTING) :]).strip("/")
    return [c for c in re.split(r"[+ ]", rest) if c]


_ID_SHAPE = re.compile(r"(\d{4}\.\d{4,5}|[a-z][a-z-]*(\.[A-Z]{2})?/\d{7})(v\d+)?")


def _looks_like_id(text: str) -> bool:
    return _ID_SHAPE.fullmatch(text) is not None


def _split_old(raw: str) -> tuple[str, str, str]:
    archive, _, number = raw.partition("/")
    base, _, version = number.partition("v")
    return f"{archive.split('.')[0]}/{base}", "v", version


def _recorded_id_lists() -> dict[str, tuple[bytes, int]]:
    """id_list value → (recorded body, HTTP status) from index.json (legacy files: from their self link)."""
    recorded = {}
    for item in api_index():
        url = item["url"] or unquote(item.get("feed_self_link") or "")
        id_list = parse_qs(urlsplit(url).query, keep_blank_values=True).get("id_list", [""])[0]
        if not id_list:
            continue
        body = fixture_bytes(item["file"])
        # Legacy recordings kept no status; arXiv answers an error feed with HTTP 400.
        status = item["status_code"] or (400 if b"/api/errors#" in body else 200)
        recorded[id_list] = (body, status)
    return recorded


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted, printing the RADAR_ settings that point a real `radar` here."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8008)
    parser.add_argument("--listing", default="recorded", help="recorded | empty | YYYY-MM-DD (corpus day)")
    args = parser.parse_args(argv)
    server = ReplayServer(port=args.port)
    if args.listing == "empty":
        server.serve_empty_listing()
    elif args.listing != "recorded":
        server.serve_corpus_listing(args.listing)
    with server:
        print(
            f"RADAR_ARXIV_API_URL={server.api_url}\nRADAR_ARXIV_LISTING_URL={server.listing_url}", flush=True
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
