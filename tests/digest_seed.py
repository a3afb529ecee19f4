"""A database for digest and feed tests: the real roadmap and real corpus papers of 2026 with their real ids
and dates (arXiv ids carry their month, which the reads rely on), matched by the real matcher and recorded
in batches around the moment subscriptions are made. Each match carries its aboutness, as the pipeline
stores it (collector.store.Store.match): digests list the papers about a topic and count the others.

    NOW         2026-07-24 06:00 UTC (the corpus's newest papers are of 2026-07-23)
    old         papers published 2026-05-01 .. 2026-06-24, recorded NOW - 10 days: before SUBSCRIBED
    new         papers published 2026-06-25 .. NOW, recorded NOW - 2 hours, plus one LoRA paper whose
                title, authors and abstract try HTML, Markdown and control characters
    backfill    papers published in February 2026, recorded NOW - 2 hours: old news, never sent
    SUBSCRIBED  NOW - 5 days
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

import db
from collector import aboutness
from collector.config import PROJECT_ROOT
from collector.roadmap import load_roadmap
from collector.store import Store
from db import MatchRow, PaperRecord
from tests.factories import corpus, to_record

NOW = datetime(2026, 7, 24, 6, 0, tzinfo=UTC)
SUBSCRIBED = NOW - timedelta(days=5)
NEW_SINCE = datetime(2026, 6, 25, tzinfo=UTC)
OLD_SINCE = datetime(2026, 5, 1, tzinfo=UTC)
RECORDED = {
    "old": NOW - timedelta(days=10),
    "new": NOW - timedelta(hours=2),
    "backfill": NOW - timedelta(hours=2),
}
HOSTILE_ID = "2607.99999"
HOSTILE_TITLE = "<script>alert(1)</script> LoRA \x1b[31mred\x1b[0m & <b>bold</b> low-rank adaptation"


def hostile_paper() -> PaperRecord:
    return PaperRecord(
        arxiv_id=HOSTILE_ID,
        version=1,
        title=HOSTILE_TITLE,
        abstract="<img src=x onerror=alert(1)> [click](javascript:alert(1)) \x07low-rank adaptation",
        authors=("Mallory <b>Bold</b>", "Eve\r\nBcc: victim@example.org"),
        categories=("cs.LG",),
        primary_category="cs.LG",
        published=NOW - timedelta(hours=12),
        updated=NOW - timedelta(hours=12),
    )


def batches() -> dict[str, list[PaperRecord]]:
    records = [to_record(raw) for raw in corpus() if "/" not in raw["id"] and raw["id"] >= "2602"]
    return {
        "old": [r for r in records if OLD_SINCE <= r.published < NEW_SINCE],
        "new": [r for r in records if r.published >= NEW_SINCE] + [hostile_paper()],
        "backfill": [r for r in records if r.arxiv_id.startswith("2602")][:200],
    }


@dataclass(frozen=True)
class Seeded:
    """What was stored: each batch's matches (the real matcher's), to compute what digests must carry."""

    matches: dict[str, list[MatchRow]]

    def news(self, topic_ids: set[str]) -> set[str]:
        """Papers new for a subscription to these topics made at SUBSCRIBED: the new batch's matches."""
        return {m.arxiv_id for m in self.matches["new"] if m.topic_id in topic_ids}

    def about(self, topic_ids: set[str]) -> set[str]:
        """… of them, the papers about one of these topics (the others only use them: applications)."""
        return {m.arxiv_id for m in self.matches["new"] if m.topic_id in topic_ids and m.about}


def seed_digests(engine: Engine) -> Seeded:
    """Migrate `engine`'s empty database and store the roadmap and the three batches."""
    db.migrate(engine)
    roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
    pipeline = Store(engine, roadmap, NOW)
    with db.session_scope(engine) as session:
        db.sync_levels(session, roadmap.level_rows())
        db.sync_topics(session, roadmap.rows(), NOW - timedelta(days=60), version=aboutness.VERSION)
    found = {name: store(engine, pipeline, batch, RECORDED[name]) for name, batch in batches().items()}
    signals = [
        db.HFPaper(p.arxiv_id, p.title, upvotes=(i * 7) % 40 + 1, github_repo=f"https://github.com/ex/r{i}")
        for i, p in enumerate(batches()["new"][::5])
    ]
    code = [
        db.Resource("code", s.github_repo or "", f"ex/r{i}", arxiv_id=s.arxiv_id)
        for i, s in enumerate(signals)
    ]
    with db.session_scope(engine) as session:
        db.upsert_hf_papers(session, signals, RECORDED["new"])
        db.upsert_resources(session, code, RECORDED["new"])
    return Seeded(found)


def store(engine: Engine, pipeline: Store, records: list[PaperRecord], when: datetime) -> list[MatchRow]:
    matches = [m for paper in records for m in pipeline.match(paper)]
    with db.session_scope(engine) as session:
        db.upsert_papers(session, records, when)
        db.add_matches(session, [p.arxiv_id for p in records], matches, when)
    return matches
