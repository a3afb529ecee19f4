"""Conversions between database rows and the plain records of db.records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table

from db.columns import dumps_json, utc_param
from db.models import Base
from db.records import (
    HFPaper,
    HFSignals,
    LockRow,
    MatchRow,
    PaperRecord,
    Resource,
    ResourceRow,
    RunRow,
    SeminalRow,
)

PAPERS: Table = Base.metadata.tables["papers"]
TOPICS: Table = Base.metadata.tables["topics"]
SEMINAL: Table = Base.metadata.tables["topic_seminal"]
RESOURCES: Table = Base.metadata.tables["resources"]
MATCHES: Table = Base.metadata.tables["paper_topics"]
RUNS: Table = Base.metadata.tables["runs"]
LOCKS: Table = Base.metadata.tables["locks"]

# The columns a PaperRecord is read from, in its field order (Core columns: no ORM overhead per query).
PAPER_COLUMNS = tuple(PAPERS.c[name] for name in PaperRecord.__dataclass_fields__)
# Enough ids per IN (...) for speed, few enough for any driver's parameter limit.
CHUNK = 900
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def paper_record(row: Sequence[Any]) -> PaperRecord:
    """A PaperRecord from a row selected with PAPER_COLUMNS first (positional: the fastest row access)."""
    arxiv_id, version, title, abstract, authors, categories, primary, published, updated = row[:9]
    comment, journal_ref, doi = row[9:12]
    return PaperRecord(
        arxiv_id,
        version,
        title,
        abstract,
        tuple(authors),
        tuple(categories),
        primary,
        published,
        updated,
        comment,
        journal_ref,
        doi,
    )


def paper_values(record: PaperRecord, now: datetime) -> dict[str, Any]:
    """The papers row of a record seen at `now` (first_seen only counts on insert)."""
    return {
        "arxiv_id": record.arxiv_id,
        "version": record.version,
        "title": record.title,
        "abstract": record.abstract,
        "authors": list(record.authors),
        "categories": list(record.categories),
        "primary_category": record.primary_category,
        "published": record.published,
        "updated": record.updated,
        "comment": record.comment,
        "journal_ref": record.journal_ref,
        "doi": record.doi,
        "first_seen": now,
        "last_seen": now,
    }


# The columns of a new paper's row, in the order of new_paper_row's values.
NEW_PAPER_COLUMNS = (*PaperRecord.__dataclass_fields__, "first_seen", "last_seen")


def new_paper_row(record: PaperRecord, seen: datetime | str, dialect_name: str) -> tuple[Any, ...]:
    """The driver values of a new paper's row (see db.dialect.insert_driver_rows); `seen` converted."""
    return (
        record.arxiv_id,
        record.version,
        record.title,
        record.abstract,
        dumps_json(record.authors),
        dumps_json(record.categories),
        record.primary_category,
        utc_param(record.published, dialect_name),
        utc_param(record.updated, dialect_name),
        record.comment,
        record.journal_ref,
        record.doi,
        seen,
        seen,
    )


MATCH_COLUMNS = ("arxiv_id", "topic_id", "score", "reasons", "matched_at")


def match_row(match: MatchRow, matched_at: datetime | str) -> tuple[Any, ...]:
    """The driver values of a paper_topics row; `matched_at` already converted."""
    return (match.arxiv_id, match.topic_id, match.score, dumps_json(match.reasons), matched_at)


def seminal_row(row: Any) -> SeminalRow:
    return SeminalRow(
        position=row.position, title=row.title, year=row.year, arxiv_id=row.arxiv_id, doi=row.doi, url=row.url
    )


def resource_row(row: Any) -> ResourceRow:
    return ResourceRow(position=row.position, title=row.title, url=row.url, kind=row.kind)


def run_values(run: RunRow) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "source": run.source,
        "query": run.query,
        "topic_ids": list(run.topic_ids),
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "fetched": run.fetched,
        "new": run.new,
        "updated": run.updated,
        "errors": run.errors,
        "error": run.error,
        "requests": run.requests,
    }


def run_row(row: Any) -> RunRow:
    return RunRow(
        run_id=row.run_id,
        source=row.source,
        query=row.query,
        started_at=row.started_at,
        finished_at=row.finished_at,
        fetched=row.fetched,
        new=row.new,
        updated=row.updated,
        errors=row.errors,
        error=row.error,
        requests=row.requests,
        topic_ids=tuple(row.topic_ids),
    )


# -- Hugging Face fields, resources, locks ---------------------------------------------------------------
# The papers columns HF owns, as HFPaper fields → column names (the seed fields title… are not HF's own).
HF_FIELDS = {
    "upvotes": "hf_upvotes",
    "comments": "hf_comments",
    "featured_on": "hf_featured_on",
    "github_repo": "github_repo",
    "github_stars": "github_stars",
    "project_page": "project_page",
    "ai_summary": "ai_summary",
    "ai_keywords": "ai_keywords",
}
HF_SIGNAL_COLUMNS = (
    PAPERS.c.arxiv_id,
    *(PAPERS.c[column] for column in HF_FIELDS.values()),
    PAPERS.c.hf_seen_at,
    PAPERS.c.hf_checked_at,
)


def hf_values(paper: HFPaper) -> dict[str, Any]:
    """The HF columns this answer sets (fields it does not give are left out, so they are kept)."""
    values = {column: getattr(paper, name) for name, column in HF_FIELDS.items()}
    if paper.ai_keywords is not None:
        values["ai_keywords"] = list(paper.ai_keywords)
    return {column: value for column, value in values.items() if value is not None}


def hf_signals(row: Sequence[Any]) -> HFSignals:
    """HFSignals from a row selected with HF_SIGNAL_COLUMNS (positional)."""
    arxiv_id, upvotes, comments, featured_on, repo, stars, page, summary, keywords, seen, checked = row[:11]
    return HFSignals(
        arxiv_id,
        upvotes,
        comments,
        featured_on,
        repo,
        stars,
        page,
        summary,
        tuple(keywords or ()),
        seen,
        checked,
    )


def hf_seed_record(paper: HFPaper, now: datetime) -> PaperRecord:
    """A paper row seeded from HF before arXiv has told us about it: version 0 and no categories.

    Version 0 marks "metadata from Hugging Face only": any arXiv record (version >= 1) replaces it whole
    (see merge_paper), and db.reads.hf_only_ids finds the rows still waiting for arXiv.
    """
    published = paper.published or now
    return PaperRecord(
        arxiv_id=paper.arxiv_id,
        version=0,
        title=paper.title,
        abstract=paper.abstract,
        authors=paper.authors,
        categories=(),
        primary_category="",
        published=published,
        updated=published,
    )


def owner_key(arxiv_id: str | None, topic_id: str | None) -> str:
    """The never-NULL key of what a resource belongs to: "paper:ID", "topic:ID" or both."""
    if arxiv_id is None and topic_id is None:
        raise ValueError("a resource belongs to a paper, a topic, or both")
    parts = ([f"paper:{arxiv_id}"] if arxiv_id else []) + ([f"topic:{topic_id}"] if topic_id else [])
    return " ".join(parts)


def resource_values(resource: Resource, now: datetime) -> dict[str, Any]:
    return {
        "owner": owner_key(resource.arxiv_id, resource.topic_id),
        "url": resource.url,
        "arxiv_id": resource.arxiv_id,
        "topic_id": resource.topic_id,
        "kind": resource.kind,
        "title": resource.title,
        "source": resource.source,
        "position": resource.position,
        "stars": resource.stars,
        "likes": resource.likes,
        "downloads": resource.downloads,
        "published": resource.published,
        "first_seen": now,
        "last_seen": now,
    }


def resource_record(row: Any) -> Resource:
    return Resource(
        kind=row.kind,
        url=row.url,
        title=row.title,
        arxiv_id=row.arxiv_id,
        topic_id=row.topic_id,
        source=row.source,
        stars=row.stars,
        likes=row.likes,
        downloads=row.downloads,
        published=row.published,
        position=row.position,
    )


def lock_row(row: Any) -> LockRow:
    return LockRow(row.name, row.holder, row.acquired_at, row.heartbeat_at, row.expires_at)
