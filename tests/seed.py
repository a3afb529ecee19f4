"""A populated database for dashboard tests: the real roadmap, real corpus papers, the real matcher and
aboutness (collector.store.Store.match, as the collector stores them).

Publication dates are shifted so the newest paper is a day old (the pages rank by recency against the
wall clock); the first batch was stored a month ago, the second an hour ago (new for every reader).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

import db
from collector import aboutness
from collector.config import PROJECT_ROOT
from collector.roadmap import load_roadmap
from collector.roadmap_model import Roadmap
from collector.store import Store
from db import PaperRecord, RunRow
from tests.factories import papers

HOSTILE_TITLE = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) LoRA for **everyone** $x$"
HOSTILE_ID = "2607.99999"


def shifted(records: list[PaperRecord], now: datetime) -> list[PaperRecord]:
    offset = now - timedelta(days=1) - max(r.published for r in records)
    return [replace(r, published=r.published + offset, updated=r.updated + offset) for r in records]


def hostile_paper(now: datetime) -> PaperRecord:
    """A LoRA paper whose title, authors and abstract try HTML, Markdown links, emphasis and math."""
    return PaperRecord(
        arxiv_id=HOSTILE_ID,
        version=1,
        title=HOSTILE_TITLE,
        abstract="<script>alert(1)</script> [click](javascript:alert(1)) low-rank adaptation",
        authors=("Mallory <b>Bold</b>", "[Eve](javascript:alert(1))"),
        categories=("cs.LG",),
        primary_category="cs.LG",
        published=now - timedelta(hours=12),
        updated=now - timedelta(hours=12),
    )


def seed_database(path: Path, count: int = 3000, now: datetime | None = None) -> Engine:
    """A migrated SQLite file at `path` holding the roadmap, `count` corpus papers and their matches."""
    return seed_engine(db.make_engine(f"sqlite:///{path}"), count, now)


def seed_engine(engine: Engine, count: int = 3000, now: datetime | None = None) -> Engine:
    """`engine`'s empty database, migrated and filled as seed_database describes; a paper in ten has
    Hugging Face upvotes (some with a GitHub repository), so trending sections have something to rank."""
    now = now or datetime.now(UTC)
    db.migrate(engine)
    roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
    store = Store(engine, roadmap, now)
    return fill(engine, roadmap, store, shifted(papers(count), now), now)


def fill(engine: Engine, roadmap: Roadmap, store: Store, records: list[PaperRecord], now: datetime) -> Engine:
    """The roadmap, then `records` in two batches (half stored 30 days ago, half an hour ago with the
    hostile paper), their matches, HF signals on a tenth of them and a collection run."""
    half = len(records) // 2
    batches = [(records[:half], now - timedelta(days=30)), (records[half:], now - timedelta(hours=1))]
    batches[1][0].append(hostile_paper(now))
    with db.session_scope(engine) as session:
        db.sync_levels(session, roadmap.level_rows())
        db.sync_topics(session, roadmap.rows(), now, version=aboutness.VERSION)
        for batch, stored_at in batches:
            db.upsert_papers(session, batch, stored_at)
            matches = [m for paper in batch for m in store.match(paper)]
            db.replace_matches(session, [p.arxiv_id for p in batch], matches, stored_at)
        db.upsert_hf_papers(session, hf_signals(records, now), now)
        db.record_run(session, collection_run(now, len(records)))
    return engine


def hf_signals(records: list[PaperRecord], now: datetime) -> list[db.HFPaper]:
    """Upvotes (and stars for some) on every tenth paper, deterministic by position."""
    return [
        db.HFPaper(
            paper.arxiv_id,
            paper.title,
            upvotes=(i * 7) % 50 + 1,
            github_repo=f"https://github.com/example/repo{i}" if i % 3 == 0 else None,
            github_stars=(i * 13) % 400 if i % 3 == 0 else None,
            featured_on=(now - timedelta(days=i % 20)).date(),
        )
        for i, paper in enumerate(records)
        if i % 10 == 0
    ]


def collection_run(now: datetime, fetched: int) -> RunRow:
    return RunRow(
        run_id="seed",
        source="listing",
        query="cs.AI+cs.CL+cs.CV+cs.LG",
        started_at=now - timedelta(hours=1, minutes=1),
        finished_at=now - timedelta(hours=1),
        fetched=fetched,
        new=fetched,
        requests=1,
    )
