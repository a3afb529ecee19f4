"""`radar demo`: recorded real data (collector/demo_data) through the normal ingest path, for an offline look.

    papers.jsonl.gz ─▶ PaperRecord ─┐
    listing feed ──parse_listing──▶ ├─▶ Collector.store (upsert, match)      [one run row each]
    HF daily papers ──parse_items──▶ Collector.store_hf (HF fields, resources)

Dates are kept as recorded: topics show their latest papers when nothing is recent (see PROVENANCE.md).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from collector.pipeline import Collector, RunTally
from collector.sources.arxiv_listing import parse_listing
from collector.sources.huggingface import HFItem, parse_items
from db import PaperRecord, RunRow

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
PAPERS = DEMO_DATA / "papers.jsonl.gz"
LISTING = DEMO_DATA / "zotero_arxiv_daily_cs.AI_2025-08-20.xml"
HF_DAY = DEMO_DATA / "daily_papers_2026-08-18.json"
HF_SITE = "https://huggingface.co"


def corpus_records() -> Iterator[PaperRecord]:
    """The bundled arXiv records as the API would give their first version."""
    with gzip.open(PAPERS, "rt", encoding="utf-8") as lines:
        for line in lines:
            raw = json.loads(line)
            published = datetime.fromisoformat(raw["published"]).replace(tzinfo=UTC)
            yield PaperRecord(
                raw["id"], 1, raw["title"], raw["abstract"], tuple(raw["authors"]), tuple(raw["categories"]),
                raw["categories"][0], published, published,
            )  # fmt: skip


def listing_records() -> list[PaperRecord]:
    listing = parse_listing(LISTING.read_bytes(), "https://rss.arxiv.org/atom/cs.AI")
    return [entry.record for entry in listing.entries]


def hf_items() -> list[HFItem]:
    data: Any = json.loads(HF_DAY.read_text(encoding="utf-8"))
    return parse_items(data, date(2026, 8, 18), HF_SITE).items


def load_demo(collector: Collector) -> list[RunRow]:
    """Store the demo data with `collector`, one run row per file."""
    items = hf_items()
    return [
        store_papers(collector, "corpus sample", list(corpus_records())),
        store_papers(collector, "listing cs.AI 2025-08-20", listing_records()),
        collector.run_one("demo", "hf daily 2026-08-18", lambda tally: collector.store_hf(items, tally)),
    ]


def store_papers(collector: Collector, label: str, records: list[PaperRecord]) -> RunRow:
    def work(tally: RunTally) -> None:
        tally.add(len(records), collector.store(records))

    return collector.run_one("demo", label, work)
