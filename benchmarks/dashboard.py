"""The dashboard's reads at 1,000,000 papers, SQLite and PostgreSQL side by side in one run.

    .venv/bin/python -m benchmarks.dashboard [--papers 1000000] [--path /tmp/radar-1m.sqlite]
        [--database-url postgresql+psycopg://…/radar_bench] [--reuse] [--readers 32] [--load-seconds 20]
        [--before main] [--roadmap-only]

The SQLite database holds the real corpus (tests/fixtures/corpus) replicated with new ids (YYMM.NNNNN, as
arXiv numbers them) and publication dates spread evenly over the three years before today; each replica
keeps the matches the real matcher gives its original. Rows go in with executemany on one sqlite3
connection, then the full-text index is synced. The PostgreSQL database (emptied first) gets the same rows
through `radar db copy`'s own functions, then its search index and ANALYZE. `--reuse` keeps databases that
already hold `--papers` papers (building them takes many minutes).

Measured on each: the reading-list read every surface does (collector.reading_lists.reading_list) for
every topic; searches of common words, of rare ones (in one corpus record: about 80 papers) and of phrases,
OR and prefixes (plain and filtered); one Topic page script run under AppTest; Search page runs for the
ten commonest words, each typed and then paged on (`--pages-only`: the page runs alone); `--readers`
processes each opening reading lists with a second's think time (p95 under load, failures), and back to
back (a stress figure, no target); ingest of 20,000 new papers into the 1M database (Store.store_papers:
upsert + match, each dialect's bulk path), removed again afterwards. Targets on PostgreSQL: reading list
p95 ≤ 20 ms, search p95 ≤ 100 ms, Topic page ≤ 0.5 s, Search page p95 ≤ 300 ms, readers p95 ≤ 50 ms
with no failure, ingest ≥ 0.5 × SQLite.

On the SQLite database it also times two pages of `--before` (a git ref, exported with git archive) and of
this tree, one after the other in the same run: What's new page runs (target p95 ≤ 0.5 s;
benchmarks/page_runs.py, a process for each tree) and Roadmap page runs on L3 (target p95 ≤ 300 ms, warm;
`--roadmap-only` times only those).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

import db
from benchmarks.readers import load
from collector.aboutness import VERSION
from collector.config import PROJECT_ROOT, Settings
from collector.reading_lists import reading_list
from collector.roadmap import load_roadmap
from collector.store import Store
from db.columns import sqlite_text
from db.schema import PAPERS
from tests.factories import corpus, to_record

WHATS_NEW_TARGET = 0.5  # seconds, p95 of What's new page runs
# What's new as readers open it: everything new since the last visit, a level, a topic, by date; a first-time
# reader each (its first visit counts the last seven days as new), the same in both trees.
WHATS_NEW_VIEWS = ({}, {"level": "L2"}, {"level": "L3"}, {"level": "L3", "topic": "lora"}, {"sort": "date"})
ROADMAP_TARGET = 0.300  # seconds, p95 of warm Roadmap page runs
SEARCHES = (
    "diffusion", "low-rank adaptation", '"large language model"', "transformer attention", "quantiz*",
    "reinforcement learning", "vision transformer", "retrieval augmented generation", "mixture of experts",
    "graph neural network", "contrastive learning", "speculative decoding OR medusa",
    "knowledge distillation", "batch normalization", "federated NOT privacy", "agent", "prompt", "GAN",
    "LoRA", "adversarial robustness",
)  # fmt: skip
STOPWORDS = {"the", "and", "for", "with", "that", "this", "are", "from", "which", "can", "our", "these",
             "their", "have", "has", "been", "its", "not"}  # fmt: skip
PAPER_SQL = (
    "INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, primary_category,"
    " published, updated, comment, journal_ref, doi, first_seen, last_seen)"
    " VALUES (?,?,?,?,?,?,?,?,?,NULL,NULL,NULL,?,?)"
)
MATCH_SQL = (
    "INSERT INTO paper_topics (arxiv_id, topic_id, score, reasons, aboutness, about, about_reasons, kind,"
    " matched_at, published) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
Match = tuple[str, float, str, float, bool, str, str]  # topic, score, reasons, aboutness, about, why, kind
INGESTED = 20_000


# -- the SQLite database ------------------------------------------------------------------------------
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
        when, seen = sqlite_text(published), sqlite_text(published + timedelta(days=1))
        row = (f"{month}.{per_month[month]:05d}", 1, raw["title"], raw["abstract"],
               json.dumps(raw["authors"]), json.dumps(raw["categories"]), raw["categories"][0],
               when, when, seen, seen)  # fmt: skip
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


def build_sqlite(path: Path, count: int, now: datetime) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = db.make_engine(f"sqlite:///{path}")
    prepare(engine)
    matches = base_matches(engine, now)
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    papers: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    for row, original in replicas(count, now):
        papers.append(row)
        links += [(row[0], *match, row[9], row[7]) for match in matches[original]]
        if len(papers) == 50_000:
            flush(connection, papers, links)
    flush(connection, papers, links)
    connection.close()
    engine = db.make_engine(f"sqlite:///{path}")
    db.index_for_search(engine, 50_000)  # what the dashboard does before its first search
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def prepare(engine: Engine) -> None:
    db.migrate(engine)
    roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
    with db.session_scope(engine) as session:
        db.sync_levels(session, roadmap.level_rows())
        db.sync_topics(session, roadmap.rows(), datetime.now(UTC), version=VERSION)


def flush(
    connection: sqlite3.Connection, papers: list[tuple[Any, ...]], links: list[tuple[Any, ...]]
) -> None:
    with connection:
        connection.executemany(PAPER_SQL, papers)
        connection.executemany(MATCH_SQL, links)
    papers.clear()
    links.clear()


# -- the PostgreSQL database: the same rows, through `radar db copy`'s functions -----------------------
def build_postgres(url: str, sqlite_url: str) -> None:
    target, source = db.make_engine(url), db.make_engine(sqlite_url)
    with target.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    db.migrate(target)
    for table in db.copied_tables():
        started = time.perf_counter()
        rows = db.copy_table(source, target, table, 10_000, lambda n: None)
        print(f"  copied {table.name}: {rows:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    indexed = db.index_for_search(target, 10_000)
    print(f"  search index: {indexed:,} papers in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    db.analyze(target, db.copied_tables())  # as `radar db copy` ends
    print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)
    source.dispose()
    target.dispose()


# The server settings the figures depend on; docker-compose.yml's `db` service sets the same.
SERVER_SETTINGS = ("server_version", "shared_buffers", "effective_cache_size", "jit", "random_page_cost")


def server_settings(engine: Engine) -> str:
    with engine.connect() as connection:
        return ", ".join(
            f"{name} {connection.exec_driver_sql(f'SHOW {name}').scalar_one()}" for name in SERVER_SETTINGS
        )


def reusable(url: str, papers: int) -> bool:
    """The database holds `papers` papers, its schema current and its search index synced."""
    engine = db.make_engine(url)
    try:
        db.ensure_schema(engine)
        with db.session_scope(engine) as session:
            return db.paper_count(session) == papers and db.unindexed_count(session) == 0
    except db.StorageError:
        return False
    finally:
        engine.dispose()


# -- measurements ---------------------------------------------------------------------------------------
def timed(work: Callable[[], object], repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def p95(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 else samples[0]


def words_by_frequency() -> tuple[list[str], list[str]]:
    """The corpus' ten commonest content words, and twenty words found in exactly one of its records."""
    documents = Counter(
        word
        for raw in corpus()
        for word in set(re.findall(r"[a-z]+", f"{raw['title']} {raw['abstract']}".lower()))
    )
    common = [w for w, _ in documents.most_common(200) if len(w) > 3 and w not in STOPWORDS][:10]
    rare = sorted(w for w, n in documents.items() if n == 1 and len(w) >= 9)
    return common, random.Random(12).sample(rare, 20)


def workload(now: datetime, topics: Sequence[db.TopicRow]) -> dict[str, list[tuple[str, Callable[..., Any]]]]:
    """Each group's (label, work on a session): reading lists (each topic thrice) and searches."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    common, rare = words_by_frequency()
    since = now - timedelta(days=180)

    def listed(topic: db.TopicRow) -> Callable[..., Any]:
        return lambda session: reading_list(session, topic, settings, now, recent_limit=20)

    def searched(query: str, *filters: Any) -> Callable[..., Any]:
        return lambda session: db.search_papers(session, query, *filters)

    return {
        "reading list": [(t.id, listed(t)) for t in topics for _ in range(3)],
        "search, common words": [(q, searched(q)) for q in common for _ in range(3)],
        "search, rare words": [(q, searched(q)) for q in rare for _ in range(3)],
        "search, phrases/OR/prefix": [(q, searched(q)) for q in SEARCHES for _ in range(2)]
        + [(f"{q} [diffusion, lora, 180 days]", searched(q, ["diffusion", "lora"], since)) for q in SEARCHES],
    }


def measure_queries(engines: dict[str, Engine], now: datetime) -> dict[str, dict[str, list[float]]]:
    """Every query of the workload on each database in turn, one query at a time (so that the load
    other programs put on the machine falls on both alike), one session per database as a page has.

    The workload runs twice and the second pass is measured: a dashboard that has been serving keeps its
    database's recent pages in memory, while the first pass reads them from disk (on this machine idle
    pages leave the OS cache within minutes, and a restarted PostgreSQL starts with empty buffers). The
    first pass's p95 is printed per group beside each group's three slowest queries per database."""
    with contextlib.ExitStack() as stack:
        sessions = {name: stack.enter_context(db.session_scope(e)) for name, e in engines.items()}
        topics = db.list_topics(next(iter(sessions.values())))
        found: dict[str, dict[str, list[float]]] = {name: {} for name in engines}
        for group, work in workload(now, topics).items():
            cold = one_pass(sessions, work)
            slow = one_pass(sessions, work)
            for name, times in slow.items():
                found[name][group] = [t for t, _ in times]
                worst = ", ".join(f"{label} {ms(t)}" for t, label in sorted(times, reverse=True)[:3])
                first = ms(p95([t for t, _ in cold[name]]))
                print(f"  {name}, {group}: first pass p95 {first}; slowest {worst}", flush=True)
    return found


def one_pass(
    sessions: dict[str, Any], work: Sequence[tuple[str, Callable[..., Any]]]
) -> dict[str, list[tuple[float, str]]]:
    """(seconds, label) of every query of `work` on each database, the databases in turn query by query."""
    times: dict[str, list[tuple[float, str]]] = {name: [] for name in sessions}
    for label, run in work:
        for name, session in sessions.items():
            times[name].append((timed(lambda run=run, session=session: run(session))[0], label))
    return times


def measure_topic_page(url: str) -> tuple[float, list[float]]:
    """(a first run, which imports Streamlit, Altair and pandas on the first database; warm runs of five
    topics)."""
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


def measure_search_page(url: str, words: Sequence[str]) -> tuple[list[float], list[float]]:
    """Search page script runs as a reader makes them: type each common word (one run), then Next (another).
    One AppTest for all, warmed up by a first run, so its one-off work (imports, discovering the installed
    components) is not counted; every run reads the database (the reads are cached per query and page)."""
    from streamlit.testing.v1 import AppTest

    os.environ["RADAR_DATABASE_URL"] = url
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.switch_page("app_pages/search.py").run()
    first, second = [], []
    for word in words:
        at.text_input(key="q").set_value(word)
        first += timed(at.run)
        following = [button for button in at.button if button.key == "bottom-next"]
        if following:  # (the page before issue 11 had no pages)
            following[0].click()
            second += timed(at.run)
    assert not at.exception, at.exception
    return first, second


def measure_ingest(engine: Engine, now: datetime, count: int = INGESTED) -> float:
    """Papers/s of Store.store_papers (upsert + match, pages of 2,000) for `count` papers new to the
    database; they are deleted again, so the database stays as built."""
    roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
    base = [to_record(raw) for raw in corpus() if raw["categories"]]
    records = [replace(base[n % len(base)], arxiv_id=f"{base[n % len(base)].published:%y%m}.9{n:04d}")
               for n in range(count)]  # fmt: skip
    store = Store(engine, roadmap, now)
    started = time.perf_counter()
    for start in range(0, count, 2000):
        store.store_papers(records[start : start + 2000])
    seconds = time.perf_counter() - started
    with engine.begin() as connection:
        for start in range(0, count, 900):
            ids = [r.arxiv_id for r in records[start : start + 900]]
            connection.execute(PAPERS.delete().where(PAPERS.c.arxiv_id.in_(ids)))
    return count / seconds


# -- one run, both databases -----------------------------------------------------------------------------
Figures = dict[str, Any]


def measure(name: str, url: str, now: datetime, args: argparse.Namespace) -> Figures:
    """One database's Topic page runs, readers and ingest, with a line per step (and the load average:
    the machine may be shared)."""
    engine = db.make_engine(url)
    figures: Figures = {}
    figures["topic page cold"], figures["topic page"] = measure_topic_page(url)
    first, second = measure_search_page(url, words_by_frequency()[0])
    figures["search page, common words"] = first + second
    print(f"{name}: search page p95 {ms(p95(first))} (first pages), {ms(p95(second or [0]))} (second)")
    print(f"{name}: pages measured (load {load_average()})", flush=True)
    if args.pages_only:
        return figures
    for think in (args.think, 0.0):
        figures[f"readers {think:g}"] = load(url, args.readers, args.load_seconds, think, now)
        print(
            f"{name}: {args.readers} readers, think {think:g} s, measured (load {load_average()})", flush=True
        )
    figures["ingest"] = measure_ingest(engine, now)
    engine.dispose()
    return figures


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def row(label: str, cells: Sequence[str], target: str = "", ratio: str = "") -> str:
    return f"| {label} | " + " | ".join(cells) + f" | {target} | {ratio} |"


def report(results: dict[str, Figures], args: argparse.Namespace) -> bool:
    """The side-by-side table (Markdown); True when PostgreSQL meets every target."""
    names = list(results)
    print("\n| figure | " + " | ".join(names) + " | target (PostgreSQL) | PostgreSQL / target |")
    print("|---|" + "---|" * len(names) + "---|---|")
    last, met = results[names[-1]], True
    targets = {"reading list": 0.020, "search, common words": 0.100, "search, rare words": 0.100,
               "search, phrases/OR/prefix": 0.100, "topic page": 0.5,
               "search page, common words": 0.3}  # fmt: skip
    for key, target in targets.items():
        if key not in last:
            continue
        cells = [ms(p95(r[key])) for r in results.values()]
        met &= p95(last[key]) <= target
        print(
            row(f"{key} p95 (n={len(last[key])})", cells, f"≤ {ms(target)}", f"{p95(last[key]) / target:.2f}")
        )
    print(row("Topic page, first run (imports)", [f"{r['topic page cold']:.2f} s" for r in results.values()]))
    if args.pages_only:
        return met
    loaded: list[Any] = [r[f"readers {args.think:g}"] for r in results.values()]
    met &= p95(loaded[-1].latencies) <= 0.050 and loaded[-1].errors == 0
    under_load = p95(loaded[-1].latencies)
    print(row(f"{args.readers} readers, think {args.think:g} s: reading list p95",
              [ms(p95(x.latencies)) for x in loaded], "≤ 50 ms", f"{under_load / 0.050:.2f}"))  # fmt: skip
    print(
        row("  … failures / lists per second", [f"{x.errors} / {x.rate:.0f}" for x in loaded], "0 failures")
    )
    stress: list[Any] = [r["readers 0"] for r in results.values()]
    print(row(f"{args.readers} readers back to back (stress): p95", [ms(p95(x.latencies)) for x in stress]))
    print(row("  … failures / lists per second", [f"{x.errors} / {x.rate:.0f}" for x in stress]))
    ingest = [r["ingest"] for r in results.values()]
    ratio = ingest[-1] / ingest[0]
    met &= len(ingest) == 1 or ratio >= 0.5
    print(row(f"ingest of {INGESTED:,} papers into the 1M database", [f"{x:,.0f} papers/s" for x in ingest],
              "≥ 0.5 × SQLite", f"{ratio:.2f} × SQLite"))  # fmt: skip
    return met


# -- What's new page runs, before and after -------------------------------------------------------------
def tree_of(ref: str, into: Path) -> Path:
    """The files of git ref `ref` (git archive), to run its pages beside this tree's."""
    archive = subprocess.run(["git", "archive", ref], cwd=PROJECT_ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def page_runs(root: Path, page: str, url: str, views: Sequence[dict[str, str]]) -> dict[str, Any]:
    """benchmarks/page_runs.py on `root`'s app in a process of its own: {"first", "again", "errors"}."""
    script = str(PROJECT_ROOT / "benchmarks" / "page_runs.py")
    command = [
        sys.executable, script, "--root", str(root), "--page", page, "--database-url", url,
        "--views", json.dumps(list(views)), "--repeat", "3",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure_whats_new(url: str, before: str, tree: Path) -> dict[str, dict[str, Any]]:
    """What's new page runs of `before` (its files in `tree`), then of this tree, each with a reader of its
    own."""
    found = {}
    for name, root in ((before, tree), ("this tree", PROJECT_ROOT)):
        reader = f"bench-{name.replace(' ', '-')}-{os.getpid()}-{int(time.time())}"
        found[name] = page_runs(root, "whats_new", url, [{**v, "reader": reader} for v in WHATS_NEW_VIEWS])
    return found


def report_whats_new(found: dict[str, dict[str, Any]]) -> bool:
    """Print each tree's What's new figures; whether this tree's p95 meets the target."""
    target = WHATS_NEW_TARGET
    for name, runs in found.items():
        samples = runs["first"] + runs["again"]
        first, again = (statistics.median(runs[which]) * 1000 for which in ("first", "again"))
        print(
            f"what's new page ({name}) p95 {p95(samples) * 1000:8.1f} ms  median "
            f"{statistics.median(samples) * 1000:7.1f} ms  (a view's first run {first:.1f} ms, again "
            f"{again:.1f} ms)  target {target * 1000:.0f} ms  ratio {p95(samples) / target:.2f}"
            f"  (n={len(samples)})"
        )
        for error in runs["errors"]:
            print(f"  ({name}) the page failed: {error[:200]}")
    after = found["this tree"]
    return not after["errors"] and p95(after["first"] + after["again"]) <= target


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
    """measure_roadmap_page of another tree's Roadmap page (`--before`'s files), in a child process that
    imports that tree's dashboard, collector and db first."""
    code = (
        "import json, runpy, sys; found = runpy.run_path(sys.argv[1]);"
        " print(json.dumps(found['measure_roadmap_page'](sys.argv[2])))"
    )
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    child = [sys.executable, "-c", code, str(Path(__file__).resolve()), url]
    done = subprocess.run(child, env=env, cwd=tree, capture_output=True, text=True, check=True)
    first, cleared, warm = json.loads(done.stdout.splitlines()[-1])
    return first, cleared, warm


def roadmap_figures(url: str, before: str, tree: Path) -> bool:
    """The Roadmap page of `before` (its files in `tree`), then this tree's, in the same run; whether this
    tree's warm p95 meets the target."""
    print_roadmap(before, *measure_roadmap_before(tree, url))
    first, cleared, warm = measure_roadmap_page(url)
    print_roadmap("this tree", first, cleared, warm)
    print(f"roadmap page p95 target {ROADMAP_TARGET * 1000:.0f} ms: ratio {p95(warm) / ROADMAP_TARGET:.2f}")
    return p95(warm) <= ROADMAP_TARGET


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
    parser.add_argument("--database-url", help="PostgreSQL to measure beside SQLite (emptied unless reused)")
    parser.add_argument("--reuse", "--keep", action="store_true", help="keep databases that hold --papers")
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    parser.add_argument("--pages-only", action="store_true", help="only the page runs (Topic, Search)")
    parser.add_argument("--think", type=float, default=1.0, help="a reader's mean pause between two lists")
    parser.add_argument("--before", default="main", help="the git ref whose pages are timed first (baseline)")
    parser.add_argument("--roadmap-only", action="store_true", help="time the Roadmap pages only")
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    sqlite_url = f"sqlite:///{args.path}"
    if not (args.reuse and args.path.exists() and reusable(sqlite_url, args.papers)):
        started = time.perf_counter()
        build_sqlite(args.path, args.papers, now)
        print(f"SQLite: built {args.papers:,} papers in {time.perf_counter() - started:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="radar-before-") as folder:
        tree = tree_of(args.before, Path(folder))
        print(f"Roadmap page runs, {args.before} then this tree (load {load_average()})", flush=True)
        roadmap_ok = roadmap_figures(sqlite_url, args.before, tree)
        if args.roadmap_only:
            return 0 if roadmap_ok else 1
        print(f"What's new page runs, {args.before} then this tree (load {load_average()})", flush=True)
        fast_enough = report_whats_new(measure_whats_new(sqlite_url, args.before, tree)) and roadmap_ok
    urls = {"SQLite": sqlite_url}
    if args.database_url:
        if not (args.reuse and reusable(args.database_url, args.papers)):
            started = time.perf_counter()
            build_postgres(args.database_url, sqlite_url)
            print(f"PostgreSQL: built in {time.perf_counter() - started:.0f} s", flush=True)
        urls["PostgreSQL"] = args.database_url
    engines = {name: db.make_engine(url) for name, url in urls.items()}
    if "PostgreSQL" in engines:
        print(f"PostgreSQL settings: {server_settings(engines['PostgreSQL'])}", flush=True)
    for engine in engines.values():
        db.analyze(engine, db.copied_tables())  # fresh statistics (and, on PostgreSQL, a vacuumed table)
    print(f"queries, both databases in turn (load {load_average()})", flush=True)
    queries = {name: {} for name in urls} if args.pages_only else measure_queries(engines, now)
    for engine in engines.values():
        engine.dispose()
    results = {name: queries[name] | measure(name, url, now, args) for name, url in urls.items()}
    print(f"done (load {load_average()})")
    return 0 if report(results, args) and fast_enough else 1


if __name__ == "__main__":
    sys.exit(main())
