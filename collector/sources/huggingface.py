"""The Hugging Face papers API through httpx: featured days, paper pages and paper search.

    GET /daily_papers?date=YYYY-MM-DD&p=N&limit=L   papers featured that day (the HF day, not arXiv's), paged
    GET /papers/{arxiv_id}                          one paper page; 404 means "no HF page", not an error
    GET /papers/search?q=TEXT                       papers matching a text (well-known papers of a topic)

Base URL `RADAR_HF_API_URL`; `RADAR_HF_TOKEN`, when set, goes as a Bearer header. Every request goes
through `collector.http.polite_get` with this source's own limiter (`RADAR_HF_DELAY_SECONDS`): timeout,
bounded retries with backoff on 429/5xx, and HF's `RateLimit` headers obeyed.

The raw JSON is parsed here, tolerant of the four recorded schema generations (2024-05 .. 2026-08): HF's
own fields (upvotes, ai_summary, ai_keywords, githubRepo, githubStars, projectPage) sit inside `paper`,
the comment count on the item. Missing optional fields are normal; a count or timestamp that is there but
unusable (`upvotes: 1e30`, a negative count, `publishedAt` past year 9999) is dropped and its item counted;
an item without a usable arXiv id or title is skipped and counted; a body that is not JSON (or nested too
deep to read) is a MalformedResponseError (retried). Text is collapsed and stripped of control characters
(collector.normalise) before anything is stored.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from collector.config import Settings
from collector.errors import HTTPStatusError, MalformedItemError, MalformedResponseError
from collector.http import RateLimiter, UpstreamClient, polite_get
from collector.normalise import clean_author, collapse, parse_moment, split_arxiv_id
from collector.reachability import Reachability
from db import HFPaper, Resource

SOURCE = "huggingface"
MAX_DAY_PAGES = 20  # a featured day has tens of papers; more pages than this means the paging is broken
# The largest count kept (PostgreSQL's INTEGER); no paper has more upvotes, comments or stars than this.
MAX_COUNT = 2**31 - 1

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HFItem:
    """One paper as HF describes it, with the resources HF links to it (code, project page, repos), and
    the values it gave that could not be used (dropped, e.g. `upvotes=1e+30`)."""

    paper: HFPaper
    resources: tuple[Resource, ...] = ()
    dropped: tuple[str, ...] = ()


@dataclass
class HFPage:
    """The parsed answer(s) to one question (a featured day, a search): items, how many were skipped, and
    how many kept items had values dropped."""

    items: list[HFItem] = field(default_factory=list)
    skipped: int = 0
    dropped: int = 0


# -- parsing (pure) ----------------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    return collapse(value) or None if isinstance(value, str) else None


def _url(value: Any) -> str | None:
    text = _text(value)
    return text if text and re.match(r"https?://\S+$", text) else None


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT


def _count(value: Any) -> int | None:
    return value if _is_count(value) else None


def _moment(value: Any) -> datetime | None:
    """An HF timestamp (`2024-05-24T17:34:15.000Z`) as aware UTC; None when absent, unreadable or beyond
    what UTC can hold."""
    return parse_moment(value) if isinstance(value, str) else None


class _Reader:
    """Reads the counts and timestamps of one HF object, noting each value that is there but unusable."""

    def __init__(self) -> None:
        self.dropped: list[str] = []

    def count(self, mapping: Mapping[str, Any], key: str) -> int | None:
        value = mapping.get(key)
        if value is not None and not _is_count(value):
            self.dropped.append(f"{key}={_preview(value)}")
        return _count(value)

    def moment(self, mapping: Mapping[str, Any], key: str) -> datetime | None:
        value = mapping.get(key)
        moment = _moment(value)
        if value not in (None, "") and moment is None:
            self.dropped.append(f"{key}={_preview(value)}")
        return moment


def _preview(value: Any) -> str:
    """A short, control-free picture of an unusable value for the log and the run's note."""
    text = collapse(repr(value))
    return text if len(text) <= 40 else text[:37] + "..."


def github_repo_url(value: Any) -> str | None:
    """The code link HF gives (`githubRepo`), trailing slashes dropped; None when it is no http(s) URL."""
    url = _url(value)
    return url.rstrip("/") if url else None


def repo_title(url: str) -> str:
    """`owner/repo` for a GitHub URL (deeper paths and `.git` dropped), else the URL without its scheme."""
    found = re.match(
        r"https?://(?:www\.)?github\.com/([\w.-]+)(?:/([\w.-]+?))?(?:\.git)?(?:[/?#].*)?$", url, re.I
    )
    if found:
        return "/".join(part for part in found.groups() if part)
    return re.sub(r"^https?://", "", url)


def _authors(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = (clean_author(a["name"]) for a in value if isinstance(a, dict) and isinstance(a.get("name"), str))
    return tuple(name for name in names if name)


def _keywords(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(k for k in (collapse(k) for k in value if isinstance(k, str)) if k)


def parse_item(item: Any, featured_on: date | None, site_url: str) -> HFItem:
    """One element of an HF answer (a daily-papers item, a search hit or a paper page) → HFItem.

    `featured_on` is the day asked for (daily papers); otherwise `submittedOnDailyAt` says it, if given.
    Raises MalformedItemError for an item without a usable arXiv id or title; drops (and lists in
    `dropped`) counts and timestamps that are there but unusable.
    """
    if not isinstance(item, Mapping):
        raise MalformedItemError(f"an item that is not an object: {type(item).__name__}")
    paper = item["paper"] if isinstance(item.get("paper"), Mapping) else item
    if not isinstance(paper.get("id"), str):
        raise MalformedItemError("an item without a paper id")
    arxiv_id, _version = split_arxiv_id(paper["id"])
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        raise MalformedItemError(f"paper {arxiv_id} has no title")
    read = _Reader()
    submitted = read.moment(paper, "submittedOnDailyAt")
    hf = HFPaper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=_text(paper.get("summary")) or _text(item.get("summary")) or "",
        authors=_authors(paper.get("authors")),
        published=read.moment(paper, "publishedAt"),
        upvotes=read.count(paper, "upvotes"),
        comments=read.count(item, "numComments"),
        featured_on=featured_on or (submitted.date() if submitted else None),
        github_repo=github_repo_url(paper.get("githubRepo")),
        github_stars=read.count(paper, "githubStars"),
        project_page=_url(paper.get("projectPage")),
        ai_summary=_text(paper.get("ai_summary")),
        ai_keywords=_keywords(paper.get("ai_keywords")),
    )
    return HFItem(hf, item_resources(hf, paper, site_url), tuple(read.dropped))


# linked repos: the field names HF's paper page uses, the kind we store and the path on the HF site
LINKED = (
    ("linkedModels", "model", ""),
    ("linkedDatasets", "dataset", "datasets/"),
    ("linkedSpaces", "space", "spaces/"),
)


def item_resources(hf: HFPaper, paper: Mapping[str, Any], site_url: str) -> tuple[Resource, ...]:
    """The resources an HF paper object links: its GitHub repo (with stars), project page, models, datasets
    and Spaces (with likes and downloads where given)."""
    found: list[Resource] = []
    if hf.github_repo:
        title = repo_title(hf.github_repo)
        found.append(Resource("code", hf.github_repo, title, hf.arxiv_id, source="hf", stars=hf.github_stars))
    if hf.project_page and hf.project_page != hf.github_repo:  # some give the repo as project page too
        found.append(Resource("project", hf.project_page, "Project page", hf.arxiv_id, source="hf"))
    for key, kind, path in LINKED:
        found += linked_repos(paper.get(key), kind, f"{site_url}/{path}", hf.arxiv_id)
    return tuple(found)


def linked_repos(value: Any, kind: str, prefix: str, arxiv_id: str) -> list[Resource]:
    """HF models/datasets/Spaces linked to a paper: `[{"id": "org/name", "likes": 3, ...}]` or plain ids."""
    if not isinstance(value, list):
        return []
    repos = []
    for repo in value:
        entry = repo if isinstance(repo, Mapping) else {"id": repo}
        repo_id = _text(entry.get("id"))
        if repo_id and re.fullmatch(r"[\w.-]+(?:/[\w.-]+)?", repo_id):
            likes, downloads = _count(entry.get("likes")), _count(entry.get("downloads"))
            repos.append(
                Resource(kind, prefix + repo_id, repo_id, arxiv_id, likes=likes, downloads=downloads)
            )
    return repos


def parse_items(data: Any, featured_on: date | None, site_url: str) -> HFPage:
    """A JSON list of items → HFPage; items that do not parse are logged, skipped and counted, and so
    are items whose unusable values were dropped."""
    page = HFPage()
    for item in data:
        try:
            parsed = parse_item(item, featured_on, site_url)
        except MalformedItemError as exc:
            page.skipped += 1
            logger.warning("Hugging Face item skipped: %s", exc)
            continue
        page.items.append(parsed)
        if parsed.dropped:
            page.dropped += 1
            dropped = "; ".join(parsed.dropped)
            logger.warning("Hugging Face paper %s: dropped %s", parsed.paper.arxiv_id, dropped)
    return page


def site_url(settings: Settings) -> str:
    """The HF site behind the API (`https://huggingface.co`), where model/dataset/Space pages live."""
    return settings.hf_api_url.removesuffix("/api")


# -- requests ----------------------------------------------------------------------------------------------
class HuggingFace(UpstreamClient):
    """The HF papers API for one run; `requests` counts HTTP requests, retries included."""

    UPSTREAM = "Hugging Face"

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter,
        client: httpx.Client | None = None,
        reachability: Reachability | None = None,
    ) -> None:
        super().__init__(settings, limiter, client, reachability=reachability)
        self.site_url = site_url(settings)

    def daily(self, day: date) -> HFPage:
        """The papers featured on `day`, every page of them (a short page is the last one)."""
        limit, result = self.settings.hf_page_size, HFPage()
        for number in range(MAX_DAY_PAGES):
            data = self._get_json("/daily_papers", {"date": day.isoformat(), "p": number, "limit": limit})
            page = parse_items(self._list(data, "/daily_papers"), day, self.site_url)
            result.items += page.items
            result.skipped += page.skipped
            result.dropped += page.dropped
            if len(data) < limit:
                break
        return result

    def paper(self, arxiv_id: str) -> HFItem | None:
        """The paper's HF page, or None when HF has none (404); MalformedItemError when the page describes
        no usable paper."""
        try:
            data = self._get_json(f"/papers/{quote(arxiv_id, safe='')}")
        except HTTPStatusError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(data, Mapping):
            raise MalformedResponseError(
                SOURCE, self._url(f"/papers/{arxiv_id}"), "a paper page that is no object"
            )
        return parse_item(data, None, self.site_url)

    def search(self, query: str, limit: int) -> HFPage:
        """Papers HF finds for `query` (best first), at most `limit`."""
        data = self._get_json("/papers/search", {"q": query, "limit": limit})
        page = parse_items(self._list(data, "/papers/search")[:limit], None, self.site_url)
        return page

    def _list(self, data: Any, path: str) -> list[Any]:
        if not isinstance(data, list):
            raise MalformedResponseError(
                SOURCE, self._url(path), f"expected a JSON list, got {type(data).__name__}"
            )
        return data

    def _url(self, path: str, params: Mapping[str, object] | None = None) -> str:
        url = self.settings.hf_api_url + path
        return f"{url}?{urlencode(params)}" if params else url

    def _get_json(self, path: str, params: Mapping[str, object] | None = None) -> Any:
        url = self._url(path, params)
        parsed: list[Any] = []

        def validate(response: httpx.Response, attempt: int) -> None:
            parsed.append(parse_json(response.content, url, attempt))

        polite_get(
            self._http, url, source=SOURCE, settings=self.settings, limiter=self.limiter,
            stats=self._stats, validate=validate, headers=self._headers(), reachability=self.reachability,
            upstream=self.UPSTREAM,
        )  # fmt: skip
        return parsed[-1]

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.settings.hf_token:
            headers["Authorization"] = f"Bearer {self.settings.hf_token}"
        return headers


def parse_json(content: bytes, url: str, attempt: int) -> Any:
    """A response body as JSON, or MalformedResponseError (truncated, not JSON at all, or nested deeper
    than Python's parser can follow)."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
        raise MalformedResponseError(
            SOURCE, url, f"malformed JSON ({len(content)} bytes): {reason}", attempt
        ) from None


def unique_items(items: Iterable[HFItem]) -> list[HFItem]:
    """One item per arXiv id, the last answer winning (a paper listed on two featured days)."""
    return list({item.paper.arxiv_id: item for item in items}.values())
