"""Dashboard speed on a 1,000,000-paper SQLite database: reading-list and search p95, one Topic page run.

    .venv/bin/python -m benchmarks.dashboard [--papers 1000000] [--path /tmp/radar-1m.sqlite] [--keep]
        [--roadmap-only] [--before DIR]   # DIR: another checkout, e.g. `git archive main | tar -x -C DIR`

The database holds the real corpus (tests/fixtures/corpus) replicated with new ids (YYMM.NNNNN, as arXiv
numbers them) and publication dates spread evenly over the three years before today; each replica keeps
the matches the real matcher gives its original. Rows go in with executemany on one sqlite3 connection
(then the full-text index is synced, as the dashboard does before a search). Targets: reading-list query
p95 <= 20 ms, search p95 <= 100 ms, one Topic page script run under AppTest <= 0.5 s, a Roadmap page run
p95 <= 300 ms (with --before, another checkout's Roadmap page timed first in the same run: before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import db
from collector.aboutness import VERSION
from collector.config import PROJECT_ROOT, Settings
from collector.reading_lists import reading_list
from collector.roadmap import load_roadmap
from collector.store import Store
from db.columns import sqlite_text
from db.search import search_papers
from tests.factories import corpus, to_record

TARGETS = {"reading list": 0.020, "search": 0.100, "topic page": 0.5, "roadmap page": 0.300}
SEARCHES = (
    "diffusion", "low-rank adaptation", '"large language model"', "transformer attention", "quantization",
    "reinforcement learning", "vision transformer", "retrieval augmented generation", "mixture of experts",
    "graph neural network", "contrastive learning", "speculative decoding", "knowledge distillation",
    "batch normalization", "federated", "agent", "prompt", "GAN", "LoRA", "adversarial robustness",
)  # fmt: skip
PAPER_SQL = (
    "INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, primary_category,"
    " published, updated, comment, journal_ref, doi, first_seen, last_seen)"
    " VALUES (?,?,?,?,?,?,?,?,?,NULL,NULL,NULL,?,?)"
)
MATCH_SQL = (
    "INSERT INTO paper_topics (arxiv_id, topic_id, score, reasons, aboutness, about, about_reasons, kind,"
    " matched_at) VALUES (?,?,?,?,?,?,?,?,?)"
)
Match = tuple[str, float, str, float, bool, str, str]  # topic, score, reasons, aboutness, about, why, kind


def replicas(count: int, now: datetime) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(papers row, original id) for `count` papers, oldest first, ids numbered per month."""
    base = [raw for raw in corpus() if raw["categories"]]
    start, span = now - timedelta(days=3 * 365), timedelta(days=3 * 365 - 1)
    per_month: dict[str, int] = {}
    for n in range(count):
        raw = base[n % len(base)]
        published = start + span * (n / count)
        month = f"{published:%y%m}"
        per_month[month] = per_month.get(month, 0) + 1
        arxiv_id = f"{month}.{per_month[month]:05d}"
        when, seen = sqlite_text(published), sqlite_text(published + timedelta(days=1))
        authors, categories = json.dumps(raw["authors"]), json.dumps(raw["categories"])
        row = (
            arxiv_id,
            1,
            raw["title"],
            raw["abstract"],
            authors,
            categories,
            raw["categories"][0],
            when,
            when,
            seen,
            seen,
        )
        yield row, raw["id"]


def base_matches(engine: Any, now: datetime) -> dict[str, list[Match]]:
    """What the pipeline stores for every corpus record's matches (score, reasons, aboutness), by id."""
    store = Store(engine, load_roadmap(PROJECT_ROOT / "roadmap.yaml"), now)
    found: dict[str, list[Match]] = {}
    for raw in corpus():
        if raw["categories"]:
            found[raw["id"]] = [
                (m.topic_id, m.score, json.dumps(list(m.reasons)), m.aboutness, m.about,
                 json.dumps(list(m.about_reasons)), m.kind)
                for m in store.match(to_record(raw))
            ]  # fmt: skip
    return found


def build(path: Path, count: int, now: datetime) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    with db.session_scope(engine) as session:
        roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
        db.sync_levels(session, roadmap.level_rows())
        db.sync_topics(session, roadmap.rows(), datetime.now(UTC), version=VERSION)
    matches = base_matches(engine, now)
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    papers: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    for row, original in replicas(count, now):
        papers.append(row)
        links += [(row[0], *match, row[9]) for match in matches[original]]
        if len(papers) == 50_000:
            flush(connection, papers, links)
    flush(connection, papers, links)
    with connection:  # what db.sync_search_index does before the dashboard's first search
        connection.execute(
            "INSERT INTO papers_fts(rowid, title, abstract) SELECT rowid, title, abstract FROM papers"
            " WHERE rowid > (SELECT coalesce(max(id), 0) FROM papers_fts_docsize)"
        )
    connection.execute("ANALYZE")
    connection.close()


def flush(
    connection: sqlite3.Connection, papers: list[tuple[Any, ...]], links: list[tuple[Any, ...]]
) -> None:
    with connection:
        connection.executemany(PAPER_SQL, papers)
        connection.executemany(MATCH_SQL, links)
    papers.clear()
    links.clear()


def timed(work: Callable[[], object], repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def p95(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 else samples[0]


def measure_queries(engine: Any, now: datetime) -> dict[str, list[float]]:
    """The reading list as every surface reads it (classics, trending, the window ranked, the shown 20
    with their text: collector.reading_lists), and searches."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with db.session_scope(engine) as session:
        topics = db.list_topics(session)
        lists = [
            t
            for topic in topics
            for t in timed(
                lambda topic=topic: reading_list(session, topic, settings, now, recent_limit=20), 3
            )
        ]
        plain = [t for q in SEARCHES for t in timed(lambda q=q: search_papers(session, q), 2)]
        since = now - timedelta(days=180)
        filtered = [
            t
            for q in SEARCHES
            for t in timed(lambda q=q: search_papers(session, q, ["diffusion", "lora"], since), 1)
        ]
    return {"reading list": lists, "search": plain + filtered}


def measure_topic_page(url: str) -> tuple[float, list[float]]:
    """(a cold first run, which imports Streamlit, Altair and pandas; warm runs of three topics)."""
    from streamlit.testing.v1 import AppTest

    os.environ["RADAR_DATABASE_URL"] = url
    app = str(PROJECT_ROOT / "dashboard" / "app.py")

    def topic_page(topic: str) -> AppTest:
        at = AppTest.from_file(app, default_timeout=60)
        at.query_params["topic"] = topic
        return at.switch_page("app_pages/topic.py")

    cold = timed(topic_page("transformer").run)[0]
    return cold, [
        t for topic in ("lora", "multimodal", "diffusion", "vit", "rag") for t in timed(topic_page(topic).run)
    ]


# -- the Roadmap page -----------------------------------------------------------------------------------
ROADMAP_RUNS = 20


def measure_roadmap_page(url: str) -> tuple[float, float, list[float]]:
    """The Roadmap page (on L3) under AppTest: (its first run, with Streamlit's imports and empty caches; a
    run after the caches were cleared, as every minute when the cached reads expire; ROADMAP_RUNS warm runs).

    Warm runs read the cached counts and record the reader's visit, as a reader reloading the page does;
    they are the figure against the target.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["RADAR_DATABASE_URL"] = url
    page = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=120)
    page.query_params["level"] = "L3"  # the level with the most topics (51 of 96)
    first = timed(page.run)[0]
    st.cache_resource.clear()
    cache_cold = timed(page.run)[0]
    return first, cache_cold, timed(page.run, ROADMAP_RUNS)


def measure_roadmap_before(tree: Path, url: str) -> tuple[float, float, list[float]]:
    """measure_roadmap_page of another checkout's Roadmap page (`--before`, e.g. main's: `git archive main |
    tar -x -C DIR`), in a child process that imports that tree's dashboard, collector and db first."""
    code = (
        "import json, runpy, sys; found = runpy.run_path(sys.argv[1]);"
        " print(json.dumps(found['measure_roadmap_page'](sys.argv[2])))"
    )
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    child = [sys.executable, "-c", code, str(Path(__file__).resolve()), url]
    done = subprocess.run(child, env=env, cwd=tree, capture_output=True, text=True, check=True)
    first, cleared, warm = json.loads(done.stdout.splitlines()[-1])
    return first, cleared, warm


def roadmap_figures(url: str, before: Path | None) -> list[float]:
    """The Roadmap page's warm runs; with `before`, that checkout's page is timed first, in the same run."""
    if before is not None:
        print_roadmap("before", *measure_roadmap_before(before, url))
    first, cleared, warm = measure_roadmap_page(url)
    print_roadmap("after" if before else "now", first, cleared, warm)
    return warm


def print_roadmap(which: str, first: float, cache_cold: float, warm: Sequence[float]) -> None:
    median = statistics.median(warm)
    print(
        f"roadmap page ({which}): p95 {p95(warm) * 1000:.1f} ms, median {median * 1000:.1f} ms"
        f" (n={len(warm)}); first run (imports, no cache) {first:.3f} s; caches cleared {cache_cold:.3f} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, default=Path("/tmp/radar-bench-1m.sqlite"))
    parser.add_argument("--keep", action="store_true", help="reuse the database at --path if it exists")
    parser.add_argument("--before", type=Path, help="a checkout whose Roadmap page to time first (baseline)")
    parser.add_argument("--roadmap-only", action="store_true", help="time the Roadmap page only")
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    if not (args.keep and args.path.exists()):
        started = time.perf_counter()
        build(args.path, args.papers, now)
        print(
            f"built {args.papers:,} papers in {time.perf_counter() - started:.0f} s"
            f" ({args.path.stat().st_size / 1e9:.2f} GB)"
        )
    url = f"sqlite:///{args.path}"
    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        print(f"{db.paper_count(session):,} papers, {sum(db.topic_paper_counts(session).values()):,} matches")
    figures = {} if args.roadmap_only else measure_queries(engine, now)
    if not args.roadmap_only:
        cold, figures["topic page"] = measure_topic_page(url)
    figures["roadmap page"] = roadmap_figures(url, args.before)
    for name, samples in figures.items():
        value, target = p95(samples), TARGETS[name]
        print(
            f"{name:13s} p95 {value * 1000:8.1f} ms  median {statistics.median(samples) * 1000:7.1f} ms  "
            f"max {max(samples) * 1000:7.1f} ms  target {target * 1000:5.0f} ms  ratio {value / target:.2f}"
            f"  (n={len(samples)})"
        )
    if "topic page" in figures:
        print(
            f"topic page runs: cold (first, with imports) {cold:.3f} s; warm "
            + ", ".join(f"{t:.3f} s" for t in figures["topic page"])
        )
    return 0 if all(p95(s) <= TARGETS[n] for n, s in figures.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
