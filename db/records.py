"""Plain records that cross the storage boundary: what the collector writes and the readers get back.

They live in `db` because `db` imports nothing of ours; the collector and the dashboard both import them.
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """One arXiv paper, normalised. Keyed by `arxiv_id` without version (`2106.09685`, `math/9501234`)."""

    arxiv_id: str
    version: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # all categories, primary first
    primary_category: str
    published: datetime  # first version (v1); a listing feed only knows the announcement day
    updated: datetime  # this version
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None


@dataclass(frozen=True, slots=True)
class SeminalRow:
    """A classic paper of a topic, as the roadmap names it (before or after its metadata is fetched)."""

    position: int
    title: str
    year: int
    arxiv_id: str | None = None  # without version; None for classics not on arXiv (LeNet, LSTM)
    doi: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceRow:
    """A hand-picked resource of a topic from roadmap.yaml."""

    position: int
    title: str
    url: str
    kind: str  # docs | course | tutorial | tool | ...


@dataclass(frozen=True, slots=True)
class LevelRow:
    """A level of the roadmap (L1 basics .. L4 frontier) with its names, as roadmap.yaml gives them."""

    id: str
    name_zh: str
    name_en: str
    position: int


@dataclass(frozen=True, slots=True)
class TopicRow:
    """A roadmap topic as stored; `query_hash` changes when its query changes, so matches are redone."""

    id: str
    level: str  # L1..L4
    name_zh: str
    name_en: str
    group: str | None
    aliases: tuple[str, ...]
    query: str | None
    position: int
    seminal: tuple[SeminalRow, ...] = ()
    resources: tuple[ResourceRow, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchRow:
    """A paper matched to a topic, with a score and readable reasons ("title: 'low-rank adaptation'"),
    and whether the paper is about the topic or only uses it (the probability, the decision, why)."""

    arxiv_id: str
    topic_id: str
    score: float
    reasons: tuple[str, ...]
    aboutness: float = 0.0
    about: bool = False
    about_reasons: tuple[str, ...] = ()
    kind: str = ""  # "survey" or "analysis" when the paper teaches or analyses the topic, else ""


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What an upsert did: ids inserted, ids whose row changed (new version or new fields), how many not."""

    new_ids: tuple[str, ...] = ()
    updated_ids: tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def changed_ids(self) -> tuple[str, ...]:
        return self.new_ids + self.updated_ids


@dataclass(frozen=True, slots=True)
class RunRow:
    """One source/query of one collection run: counts and the error, if any.

    While `status` is "running" the row is live: its counts so far, `finished_at` the time of its latest
    progress. Then it is "ok", "failed", "skipped" (its upstream was found unreachable earlier in the
    run: nothing was asked) or "interrupted" (its process was stopped or died).
    """

    run_id: str
    source: str  # listing | api | seminal | ...
    query: str  # a readable label: the categories, the topic group, the id batch
    started_at: datetime
    finished_at: datetime
    fetched: int = 0
    new: int = 0
    updated: int = 0
    errors: int = 0
    error: str | None = None
    requests: int = 0
    topic_ids: tuple[str, ...] = field(default=())
    status: str = "ok"
    pages: int = 0

    def __post_init__(self) -> None:
        if self.errors and self.status == "ok":  # a row built with an error count is a failed one
            object.__setattr__(self, "status", "failed")

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def running(self) -> bool:
        return self.status == "running"


@dataclass(frozen=True, slots=True)
class ScoredPaper:
    """A stored paper with its match to one topic, as a reading list candidate."""

    paper: PaperRecord
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SeminalPaper:
    """A classic of a topic, with the stored paper when its metadata has been fetched."""

    seminal: SeminalRow
    paper: PaperRecord | None


# -- Hugging Face, resources, trending, the collection lock (issue 3) --------------------------------------
RESOURCE_KINDS = (
    "code", "model", "dataset", "space", "project", "docs", "course", "tutorial", "tool", "book", "blog",
    "site", "feed", "post",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class HFPaper:
    """What Hugging Face says about one arXiv paper (daily papers, paper page or search); None = not given.

    `title`, `abstract`, `authors` and `published` only seed a paper row nothing else has stored yet; the
    rest are HF's own fields, merged into the paper's row whichever source came first.
    """

    arxiv_id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    published: datetime | None = None  # arXiv publication time, as HF gives it
    upvotes: int | None = None
    comments: int | None = None
    featured_on: date | None = None  # the day HF featured it on its daily papers
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class HFSignals:
    """The Hugging Face fields stored on a paper's row (all None for a paper HF never mentioned)."""

    arxiv_id: str
    upvotes: int | None = None
    comments: int | None = None
    featured_on: date | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    seen_at: datetime | None = None  # last time an HF answer listed the paper
    checked_at: datetime | None = None  # last time its HF paper page was asked for (404 included)


@dataclass(frozen=True, slots=True)
class Resource:
    """Anything a learner opens besides the paper, linked to a paper, a topic, or both.

    kind is one of RESOURCE_KINDS; source says who told us (roadmap | hf | arxiv | feed); popularity
    (stars, likes, downloads) is kept where the source knows it.
    """

    kind: str
    url: str
    title: str
    arxiv_id: str | None = None
    topic_id: str | None = None
    source: str = "hf"
    stars: int | None = None
    likes: int | None = None
    downloads: int | None = None
    published: datetime | None = None  # a feed post's date
    position: int | None = None  # roadmap order


@dataclass(frozen=True, slots=True)
class TrendingCandidate:
    """A recent stored paper with its HF signals and the topics it matched (best match score first)."""

    paper: PaperRecord
    signals: HFSignals
    topic_ids: tuple[str, ...]
    score: float  # the best match score among topic_ids


@dataclass(frozen=True, slots=True)
class LockRow:
    """Who holds a named lock in the database, and until when it counts (a heartbeat extends it)."""

    name: str
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


# -- dashboard: reader state, search, overviews -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PaperMarks:
    """What one reader did with one paper."""

    read: bool = False
    bookmarked: bool = False
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class ReaderRow:
    """A reader profile; `new_since` is the cutoff of "new since your last visit" for the current visit."""

    name: str
    new_since: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """A stored paper with its match to one topic (a row of "what's new" or of a search hit's topics)."""

    paper: PaperRecord
    topic_id: str
    score: float
    reasons: tuple[str, ...]
    first_seen: datetime
    aboutness: float = 0.0
    about: bool = False
    about_reasons: tuple[str, ...] = ()
    kind: str = ""


# What marks a matched word in a search snippet: private-use characters, which carry no markup anywhere, so
# the page escapes the text first and turns only these into highlighting.
MARK_START, MARK_END = "\ue000", "\ue001"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A full-text search result: the paper, its relevance (higher is better) and the topics it matched."""

    paper: PaperRecord
    relevance: float
    topic_ids: tuple[str, ...] = ()
    # Where the words matched in the abstract, each match between MARK_START and MARK_END (db.search);
    # upstream text, so escaped before it is shown.
    snippet: str = ""


class SearchFilters(NamedTuple):
    """What a search keeps: papers matched to one of `topic_ids` (none: any), published in [since, until)."""

    topic_ids: Collection[str]
    since: datetime | None
    until: datetime | None


class SearchPage(NamedTuple):
    """Which hits a search returns (`offset`, `limit`), whether it counts them all and reads snippets."""

    offset: int
    limit: int
    counted: bool
    snippets: bool


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of a search: its hits, how many papers match (`exact` False: at least `total`), and how
    many of them are ranked and can be paged through (`ranked`, at most SEARCH_CAP or FILTERED_CAP)."""

    hits: tuple[SearchHit, ...]
    total: int
    exact: bool
    ranked: int


@dataclass(frozen=True, slots=True)
class MatchSummary:
    """A match without the paper's text: enough to count, filter and rank before fetching the papers."""

    arxiv_id: str
    topic_id: str
    score: float
    published: datetime
    first_seen: datetime
    aboutness: float = 0.0
    about: bool = False
    kind: str = ""


# -- subscriptions, digests and feeds (issue 10) -----------------------------------------------------------
FREQUENCIES = ("daily", "weekly")
LANGUAGES = ("en", "zh")
TOKEN_PURPOSES = ("confirm", "unsubscribe", "manage")


@dataclass(frozen=True, slots=True)
class SubscriberRow:
    """An address that receives digests, the language of its mail and the reader profile it reads as."""

    email: str
    language: str  # one of LANGUAGES
    reader: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """Topics and/or levels an address follows; `confirmed_at` None while it waits for its opt-in link."""

    id: int
    email: str
    topic_ids: tuple[str, ...]
    levels: tuple[str, ...]
    frequency: str  # one of FREQUENCIES
    origin: str  # cli | dashboard
    created_at: datetime
    confirmed_at: datetime | None = None
    checked_at: datetime | None = None  # the last digest run that sent it something or found nothing new
    sent_at: datetime | None = None
    error: str | None = None  # the last delivery failure, cleared by the next delivery
    error_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True, slots=True)
class TokenRow:
    """What a link's token allows: one purpose, on one address's subscriptions, until it expires."""

    purpose: str  # one of TOKEN_PURPOSES
    email: str
    subscription_ids: tuple[int, ...]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NewMatch:
    """A match and when it was first recorded (a re-match does not make it new): a digest or feed entry."""

    summary: MatchSummary
    first_recorded: datetime


@dataclass(frozen=True, slots=True)
class NewResource:
    """A topic's resource and when it was first stored."""

    resource: Resource
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A paper a digest told an address about: listed in it, or only counted (with a link to the rest)."""

    arxiv_id: str
    topic_id: str
    listed: bool


@dataclass(frozen=True, slots=True)
class SentDigest:
    """A digest the SMTP server accepted: recorded with its ledger entries in one transaction."""

    id: str
    email: str
    frequency: str
    message_id: str
    sent_at: datetime
    subscription_ids: tuple[int, ...]
    entries: tuple[LedgerEntry, ...]
