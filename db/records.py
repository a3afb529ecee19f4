"""Plain records that cross the storage boundary: what the collector writes and the readers get back.

They live in `db` because `db` imports nothing of ours; the collector and the dashboard both import them.
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
    """A paper matched to a topic, with a score and readable reasons ("title: 'low-rank adaptation'")."""

    arxiv_id: str
    topic_id: str
    score: float
    reasons: tuple[str, ...]


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
    """One source/query of one collection run: counts and the error, if any."""

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

    @property
    def ok(self) -> bool:
        return self.errors == 0


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
