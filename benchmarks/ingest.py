"""Ingest benchmark: real corpus records as arXiv API pages → parse → normalise → upsert → match, on SQLite.

    python benchmarks/ingest.py [--papers 60000] [--page-size 2000] [--database-url postgresql+psycopg://…]

The 12,120 real records of tests/fixtures/corpus are replicated under new arXiv ids (same month, fresh
sequence numbers) until there are `--papers` of them, rendered in arXiv's own API layout in pages of
`--page-size`, and pushed through the product's functions into a fresh SQLite file (and, with
`--database-url`, into that PostgreSQL database, emptied first, in the same run): `parse_api_page`
(the API source's parser), `record_from_result` (normalise) and `Store.store_papers` (upsert + match every
paper against every roadmap topic and judge whether it is about each topic it matched, one transaction
per page). Rendering is outside the timed sections.
Pages go through `Store.store_papers` one by one, as the API source's pages do. In the same run it times
parse-only over the same bytes, the baseline the end-to-end speed is compared to.

Targets (issue 8, with aboutness in the measured path; issue 2's were 5,000 papers/s and 0.3 × without
it): ≥ 3,000 papers/s end to end, ≥ 0.2 × parse-only, peak RSS ≤ 300 MB; (issue 12) PostgreSQL ≥ 0.5 ×
SQLite's papers/s. New papers take each dialect's bulk path (db.dialect).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import Engine  # noqa: E402

import db  # noqa: E402
from collector.config import Settings  # noqa: E402
from collector.normalise import record_from_result  # noqa: E402
from collector.roadmap import load_roadmap  # noqa: E402
from collector.runs import RunTally  # noqa: E402
from collector.sources.arxiv_api import parse_api_page  # noqa: E402
from collector.store import Store  # noqa: E402
from db import PaperRecord  # noqa: E402
from tests.replay import CorpusPaper, _api_entry, load_corpus, render_api_feed  # noqa: E402

NOW = datetime(2026, 8, 1, tzinfo=UTC)
SEARCH = "cat:cs.LG OR cat:cs.CV OR cat:cs.CL OR cat:cs.AI"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def replicated(papers: tuple[CorpusPaper, ...], count: int) -> Iterator[CorpusPaper]:
    """`count` papers: the real records again and again, each copy under a fresh id of its own month."""
    next_number: dict[str, int] = defaultdict(lambda: 90000)  # above the corpus' own numbers of a month
    for i in range(count):
        paper = papers[i % len(papers)]
        if i < len(papers):
            yield paper
            continue
        month = paper.published[2:4] + paper.published[5:7]
        next_number[month] += 1
        yield dataclasses.replace(paper, arxiv_id=f"{month}.{next_number[month]:05d}")


def pages(papers: Iterator[CorpusPaper], total: int, page_size: int) -> Iterator[bytes]:
    batch: list[str] = []
    start = 0
    for paper in papers:
        batch.append(_api_entry(paper, 1, paper.published))
        if len(batch) == page_size:
            yield render_api_feed(batch, total=total, start=start, max_results=page_size, search_query=SEARCH)
            start += len(batch)
            batch = []
    if batch:
        yield render_api_feed(batch, total=total, start=start, max_results=page_size, search_query=SEARCH)


def parsed_pages(files: list[Path]) -> Iterator[list[PaperRecord]]:
    """What the API source yields: one list of normalised records per page (parse + normalise)."""
    for file in files:
        yield [record_from_result(r) for r in parse_api_page(file.read_bytes()).results]


def parse_only(files: list[Path]) -> int:
    return sum(len(parse_api_page(file.read_bytes()).results) for file in files)


@dataclasses.dataclass
class Ingested:
    """One database's end-to-end run over the pages."""

    name: str
    tally: RunTally
    seconds: float
    rows: int
    matches: int
    sync_seconds: float  # the search index, synced after the ingest (both databases defer it)

    @property
    def rate(self) -> float:
        return self.tally.fetched / self.seconds


def fresh_engine(url: str) -> Engine:
    """An engine on an empty, migrated database: PostgreSQL's public schema is dropped and made again."""
    engine = db.make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    db.migrate(engine)
    return engine


def ingest(name: str, url: str, files: list[Path]) -> Ingested:
    """Parse, normalise, then upsert + match every page into a fresh database, as the API source does."""
    engine = fresh_engine(url)
    roadmap = load_roadmap(Settings(_env_file=None).roadmap_path)  # type: ignore[call-arg]
    store = Store(engine, roadmap, NOW)
    store.prepare(roadmap)
    tally = RunTally()
    started = time.perf_counter()
    for page in parsed_pages(files):
        tally.add(len(page), store.store_papers(page))
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    db.index_for_search(engine)
    sync_seconds = time.perf_counter() - started
    with db.session_scope(engine) as session:
        rows = db.paper_count(session)
    with engine.connect() as conn:
        matches = conn.exec_driver_sql("SELECT count(*) FROM paper_topics").scalar_one()
    engine.dispose()
    return Ingested(name, tally, seconds, rows, matches, sync_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=60000)
    parser.add_argument("--page-size", type=int, default=2000)
    parser.add_argument(
        "--database-url", help="also ingest into this PostgreSQL database (emptied first), side by side"
    )
    args = parser.parse_args()

    corpus = load_corpus()
    # The harness' 12k corpus records live all run; keep the cyclic GC from re-walking them on every
    # collection, which would bill the product for the harness (a running collector holds no such heap).
    gc.freeze()
    with tempfile.TemporaryDirectory() as tmp:
        # Rendering is the harness' work: pages go to files first, outside every timed section.
        files = []
        for number, body in enumerate(
            pages(replicated(corpus.papers, args.papers), args.papers, args.page_size)
        ):
            files.append(Path(tmp, f"page-{number:04d}.xml"))
            files[-1].write_bytes(body)
        n_bytes = sum(f.stat().st_size for f in files)
        rss_harness = peak_rss_mb()
        t0 = time.perf_counter()
        parsed = parse_only(files)  # the baseline: parse only, same bytes
        parse_s = time.perf_counter() - t0
        runs = [ingest("SQLite", f"sqlite:///{tmp}/bench.sqlite", files)]
        size_mb = Path(tmp, "bench.sqlite").stat().st_size / 1e6
        if args.database_url:
            runs.append(ingest("PostgreSQL", args.database_url, files))
    report(args, runs, parsed / parse_s, parse_s, n_bytes, size_mb, rss_harness)


def report(
    args: argparse.Namespace,
    runs: list[Ingested],
    parse_rate: float,
    parse_s: float,
    n_bytes: int,
    size_mb: float,
    rss_harness: float,
) -> None:
    print(f"bytes parsed             {n_bytes / 1e6:>10.1f} MB in pages of {args.page_size}")
    print(f"parse only (baseline)    {parse_rate:>10,.0f} papers/s  ({parse_s:.1f} s, same bytes, same run)")
    for run in runs:
        print(
            f"{run.name + ' end to end':24s} {run.rate:>10,.0f} papers/s  ({run.tally.fetched:,} papers,"
            f" {run.tally.new:,} new, {run.rows:,} rows, {run.matches:,} matches, {run.seconds:.1f} s;"
            " parse, normalise, upsert, match, aboutness)"
        )
        print(
            f"{run.name + ' search sync':24s} {run.rows / run.sync_seconds:>10,.0f} papers/s"
            f"  (the search index, after the ingest: {run.sync_seconds:.1f} s)"
        )
    sqlite = runs[0]
    print(f"SQLite file              {size_mb:>10.0f} MB")
    print(f"ratio SQLite e2e/parse   {sqlite.rate / parse_rate:>10.2f}   (target >= 0.20)")
    ok = sqlite.rate >= 3000 and sqlite.rate / parse_rate >= 0.2 and sqlite.rows == args.papers
    if len(runs) > 1:
        ratio = runs[1].rate / sqlite.rate
        print(f"ratio PostgreSQL/SQLite  {ratio:>10.2f}   (target >= 0.50)")
        ok = ok and ratio >= 0.5 and runs[1].rows == args.papers
    peak = peak_rss_mb()
    print(f"peak RSS                 {peak:>10.0f} MB  (harness: {rss_harness:.0f} MB; target <= 300)")
    print("targets                  " + ("met" if ok and peak <= 300 else "MISSED"))


if __name__ == "__main__":
    main()
