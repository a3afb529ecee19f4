"""Conversions between database rows and the plain records of db.records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table

from db.models import Base
from db.records import PaperRecord, ResourceRow, RunRow, SeminalRow

PAPERS: Table = Base.metadata.tables["papers"]
TOPICS: Table = Base.metadata.tables["topics"]
SEMINAL: Table = Base.metadata.tables["topic_seminal"]
RESOURCES: Table = Base.metadata.tables["topic_resources"]
MATCHES: Table = Base.metadata.tables["paper_topics"]
RUNS: Table = Base.metadata.tables["runs"]

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
