"""A dashboard database whose papers' ids agree with their dates, for the Topic and What's new list tests.

tests/seed.py shifts the corpus's dates so the newest paper is a day old but keeps the real ids (2503.…),
which carry the month arXiv numbered them in; the reading lists read a window by id range first
(db.ranges.id_floor), so there a 90-day window finds none of them and only a widened one does. Here
every paper is renumbered by its shifted month (YYMM.NNNNN), as arXiv would have: the default window holds
its papers, about the topic and only using it, as a live database does. Text, matcher, aboutness, the
hostile paper, the batches and the HF signals are tests/seed.py's.

The pages read windows from the wall clock at the minute: no paper is published within QUIET of a window's
edge (the windows the pages offer, and trending's), so a test comparing a page with the list it computes
a minute apart sees the same papers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

import db
from collector.config import PROJECT_ROOT
from collector.roadmap import load_roadmap
from collector.store import Store
from db import PaperRecord
from tests.factories import papers
from tests.seed import fill, shifted

EDGES = (1, 3, 7, 14, 30, 90, 180, 365)  # days: What's new, Topic and trending windows
QUIET = timedelta(minutes=15)


def off_the_edges(records: list[PaperRecord], now: datetime) -> list[PaperRecord]:
    edges = [now - timedelta(days=days) for days in EDGES]
    return [r for r in records if all(abs(r.published - edge) > QUIET for edge in edges)]


def renumbered(records: list[PaperRecord]) -> list[PaperRecord]:
    """Each paper with a new-style id of its publication month, numbered in publication order."""
    per_month: Counter[str] = Counter()
    found = []
    for record in sorted(records, key=lambda r: (r.published, r.arxiv_id)):
        month = f"{record.published:%y%m}"
        per_month[month] += 1
        found.append(replace(record, arxiv_id=f"{month}.{per_month[month]:05d}"))
    return found


def seed_dated(path: Path, count: int = 3000, now: datetime | None = None) -> Engine:
    """A migrated SQLite file at `path`: the roadmap, `count` corpus papers renumbered by date, their
    matches, the hostile paper (stored an hour ago), HF signals on a tenth of them and a collection run."""
    now = now or datetime.now(UTC)
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
    store = Store(engine, roadmap, now)
    return fill(engine, roadmap, store, renumbered(off_the_edges(shifted(papers(count), now), now)), now)
