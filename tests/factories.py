"""PaperRecords and topic rows for storage tests, built from the real corpus (tests/fixtures/corpus)."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

import db
from collector.demo import corpus_record
from db import MatchRow, PaperRecord, ResourceRow, SeminalRow, TopicRow

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "papers.jsonl.gz"
NOW = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


@cache
def corpus() -> tuple[dict[str, Any], ...]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        return tuple(json.loads(line) for line in lines)


# A corpus entry as the API would give its v1 (the corpus has the day of v1, no comment or DOI).
to_record = corpus_record


def papers(count: int, start: int = 0) -> list[PaperRecord]:
    """`count` new-style-id papers (2025-2026) from the corpus, in corpus order."""
    recent = [raw for raw in corpus() if "/" not in raw["id"] and raw["id"] >= "2501"]
    return [to_record(raw) for raw in recent[start : start + count]]


def paper(arxiv_id: str) -> PaperRecord:
    return next(to_record(raw) for raw in corpus() if raw["id"] == arxiv_id)


def old_style_papers() -> list[PaperRecord]:
    """Pre-2007 ids with an archive prefix (`math/9501234`, `astro-ph/9812133`, ...)."""
    return [to_record(raw) for raw in corpus() if "/" in raw["id"]]


def all_papers() -> list[PaperRecord]:
    return [to_record(raw) for raw in corpus()]


def listing_like(record: PaperRecord, announced: datetime) -> PaperRecord:
    """How the daily listing feed describes a paper: announcement time as both dates, no comment/DOI."""
    return replace(record, published=announced, updated=announced, comment=None, journal_ref=None, doi=None)


def bethe_lattice_v2() -> PaperRecord:
    """1111.2011 as the arXiv API gives it (fixtures/arxiv_api/arxivpy2016_id_list_1111.2011v2.xml)."""
    return replace(
        paper("1111.2011"),
        version=2,
        published=datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC),
        updated=datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC),
        comment="8 pages, 3 figures. Published version",
        journal_ref="Phys. Rev. B 85, 115117 (2012)",
        doi="10.1103/PhysRevB.85.115117",
    )


def topic(topic_id: str, position: int, query: str | None, **fields: Any) -> TopicRow:
    defaults: dict[str, Any] = {
        "level": "L2",
        "name_zh": topic_id,
        "name_en": topic_id.replace("-", " ").title(),
        "group": None,
        "aliases": (),
    }
    return TopicRow(id=topic_id, query=query, position=position, **{**defaults, **fields})


def seminal(position: int, record: PaperRecord | None = None, **fields: Any) -> SeminalRow:
    if record is None:
        return SeminalRow(position=position, **fields)
    return SeminalRow(
        position=position, title=record.title, year=record.published.year, arxiv_id=record.arxiv_id
    )


def resource(position: int, title: str, url: str, kind: str = "docs") -> ResourceRow:
    return ResourceRow(position=position, title=title, url=url, kind=kind)


def match(record: PaperRecord, topic_id: str, score: float, *reasons: str) -> MatchRow:
    return MatchRow(arxiv_id=record.arxiv_id, topic_id=topic_id, score=score, reasons=reasons or ("title",))


# -- engines ---------------------------------------------------------------------------------------------
BACKENDS = ["sqlite", "postgresql"]


def blank_engine(backend: str, tmp_path: Path) -> Engine:
    """An engine on an empty database: a new SQLite file, or TEST_DATABASE_URL with a fresh public schema."""
    if backend == "sqlite":
        return db.make_engine(f"sqlite:///{tmp_path / 'radar.sqlite'}")
    engine = db.make_engine(postgres_url())
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return engine


def postgres_url() -> str:
    """TEST_DATABASE_URL, or skip the test: it needs a PostgreSQL server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set (a throw-away PostgreSQL database)")
    return url


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """A new database on TEST_DATABASE_URL's server, named like it plus `_suffix`, dropped afterwards."""
    base = make_url(postgres_url())
    name = f"{base.database}_{suffix}"
    admin = db.make_engine(base.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
