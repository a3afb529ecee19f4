"""`radar demo`: recorded real data (collector/demo_data) through the normal ingest path, for an offline look.

    papers.jsonl.gz ─▶ PaperRecord ─┐
    listing feed ──parse_listing──▶ ├─▶ Store.store_papers (upsert, match)      [one run row each]
    HF daily papers ──parse_items──▶ Store.store_hf (HF fields, resources)

Dates are kept as recorded: topics show their latest papers when nothing is recent (see PROVENANCE.md).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from collector.runs import RunRecorder, RunTally
from collector.sources.arxiv_listing import parse_listing
from collector.sources.huggingface import HFItem, parse_items
from collector.store import Store
from db import PaperRecord, RunRow, UpsertResult

T = TypeVar("T")

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
PAPERS = DEMO_DATA / "papers.jsonl.gz"
LISTING = DEMO_DATA / "zotero_arxiv_daily_cs.AI_2025-08-20.xml"
HF_DAY = DEMO_DATA / "daily_papers_2026-08-18.json"
HF_SITE = "https://huggingface.co"


def corpus_record(raw: dict[str, Any]) -> PaperRecord:
    """A record of the recorded corpus (`{"id", "title", "abstract", "authors", "categories",
    "published"}`, see PROVENANCE.md) as the API would give its first version."""
    published = datetime.fromisoformat(raw["published"]).replace(tzinfo=UTC)
    return PaperRecord(
        raw["id"], 1, raw["title"], raw["abstract"], tuple(raw["authors"]), tuple(raw["categories"]),
        raw["categories"][0], published, published,
    )  # fmt: skip


def corpus_records() -> Iterator[PaperRecord]:
    """The bundled arXiv records."""
    with gzip.open(PAPERS, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield corpus_record(json.loads(line))


def listing_records() -> list[PaperRecord]:
    listing = parse_listing(LISTING.read_bytes(), "https://rss.arxiv.org/atom/cs.AI")
    return [entry.record for entry in listing.entries]


def hf_items() -> list[HFItem]:
    data: Any = json.loads(HF_DAY.read_text(encoding="utf-8"))
    return parse_items(data, date(2026, 8, 18), HF_SITE).items


def load_demo(store: Store) -> list[RunRow]:
    """Store the demo data, one run row per file (source "demo"), as a collection run would."""
    recorder = RunRecorder(store, requests=lambda: 0)  # nothing is fetched
    arxiv = {"corpus sample": list(corpus_records()), "listing cs.AI 2025-08-20": listing_records()}
    for label, records in arxiv.items():
        recorder.run("demo", label, partial(store_batch, store.store_papers, records))
    recorder.run("demo", "hf daily 2026-08-18", partial(store_batch, store.store_hf, hf_items()))
    return recorder.rows


def store_batch(store: Callable[[Sequence[T]], UpsertResult], batch: Sequence[T], tally: RunTally) -> None:
    tally.add(len(batch), store(batch))
