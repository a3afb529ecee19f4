"""The whole data path against the replay server: roadmap → fetch → normalise → store → match → rank."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import db
from collector import plan, source_runs
from collector.config import Settings
from collector.http import RateLimiter
from collector.matching import build_matcher
from collector.pipeline import Collection, CollectReport, Request, Source
from collector.reading_lists import reading_list
from collector.roadmap import Roadmap, load_roadmap
from collector.store import Store as DataStore
from collector.upstreams import Limiters
from tests.conftest import radar_env
from tests.replay import API, LISTING, ReplayServer, Reply
from tests.replay_hf import HFReplay

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)  # the corpus runs to mid-2026


@dataclass
class Store:
    settings: Settings
    roadmap: Roadmap
    engine: Engine
    replay: ReplayServer
    opened: list[Collection]

    def collection(self, now: datetime = NOW, **overrides: object) -> Collection:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        limiters = Limiters(RateLimiter(0), RateLimiter(0))
        collection = Collection.open(settings, self.roadmap, self.engine, now, limiters=limiters)
        self.opened.append(collection)
        return collection

    def collect(self, *sources: Source, topics: tuple[str, ...] = (), **overrides: object) -> CollectReport:
        return self.collection(**overrides).run(Request(sources, topics))

    def listing(self) -> db.RunRow:
        (run,) = self.collect(Source.LISTING).runs
        return run

    def runs(self) -> list[db.RunRow]:
        with db.session_scope(self.engine) as session:
            return db.last_runs(session, limit=1000)


@pytest.fixture
def store(replay: ReplayServer, hf: HFReplay, tmp_path: Path) -> Iterator[Store]:
    settings = hf.settings(database_url=f"sqlite:///{tmp_path / 'radar.sqlite'}")
    roadmap = load_roadmap(settings.roadmap_path)
    engine = db.make_engine(settings.database_url)
    db.migrate(engine)
    DataStore(engine, roadmap, NOW).prepare(roadmap)
    store = Store(settings, roadmap, engine, replay, [])
    yield store
    for collection in store.opened:
        collection.close()
    engine.dispose()


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
            for t in ("papers", "paper_topics")
        }


def paper_topics(engine: Engine, arxiv_id: str) -> dict[str, float]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT topic_id, score FROM paper_topics WHERE arxiv_id = ?", (arxiv_id,)
        )
        return {topic: score for topic, score in rows}


def test_cold_backfill_then_daily_cycle_builds_reading_lists(store: Store) -> None:
    report = store.collect(*Source)
    assert not report.failed, [r.error for r in report.runs if r.errors]
    api_runs = [r for r in report.runs if r.source == "api"]
    # Topic queries are grouped: far fewer requests than topics with a query.
    assert 1 <= len(api_runs) < len(store.roadmap.queries()) / 3
    assert sum(r.new for r in report.runs) == table_counts(store.engine)["papers"] > 1000
    # Every group remembers where its backfill ended, so the next one starts there.
    with db.session_scope(store.engine) as session:
        ends = db.topic_backfills(session)
    assert {ends[t] for t, _ in store.roadmap.queries()} == {NOW}
    later = NOW + timedelta(days=1)
    groups = plan.backfill_groups(store.roadmap, (), ends, later, 365, store.settings.arxiv_query_max_chars)
    assert {g.since for g in groups} == {NOW} and {g.until for g in groups} == {later}


def test_every_paper_is_matched_against_every_topic(store: Store) -> None:
    """A paper fetched by one group's query is also assigned to topics of other groups."""
    store.collect(Source.API, topics=("lora",))
    with db.session_scope(store.engine) as session:
        papers = [p for batch in db.iter_papers(session) for p in batch]
    matcher = build_matcher(store.roadmap.queries())
    expected = {(p.arxiv_id, m.topic_id) for p in papers for m in matcher.match(p)}
    with store.engine.connect() as conn:
        stored = set(conn.exec_driver_sql("SELECT arxiv_id, topic_id FROM paper_topics").all())
    assert stored == expected
    assert {t for _, t in stored} - {"lora"}, "papers fetched for lora also match other topics"


def test_the_same_listing_twice_changes_nothing(store: Store) -> None:
    store.replay.serve_corpus_listing("2026-05-12")
    first = store.listing()
    counts = table_counts(store.engine)
    second = store.listing()
    assert first.new > 50 and first.errors == 0
    assert (second.new, second.updated, second.fetched) == (0, 0, first.fetched)
    assert table_counts(store.engine) == counts


def test_replacement_in_listing_updates_version_not_a_new_paper(store: Store) -> None:
    store.replay.serve_corpus_listing("2026-05-12", replaced=[])
    store.listing()
    with db.session_scope(store.engine) as session:
        known = next(p for batch in db.iter_papers(session) for p in batch)
    store.replay.serve_corpus_listing("2026-05-13", replaced=[known.arxiv_id])
    run = store.listing()
    with db.session_scope(store.engine) as session:
        after = db.get_paper(session, known.arxiv_id)
    assert after is not None and after.version == known.version + 1
    assert after.published == known.published  # v1's date is kept
    assert run.updated >= 1


def test_empty_listing_is_normal_and_said_so(store: Store) -> None:
    store.replay.serve_empty_listing()
    run = store.listing()
    assert run.errors == 0 and run.fetched == 0
    assert run.error is not None and "empty feed" in run.error


def test_failing_group_is_recorded_and_the_run_goes_on(store: Store) -> None:
    retries = store.settings.http_max_retries
    store.replay.script(API, [Reply(status=503)] * (retries + 1))
    report = store.collect(Source.API)
    failed = [r for r in report.runs if r.errors]
    assert len(failed) == 1 and "503" in (failed[0].error or "")
    assert any(r.new for r in report.runs if not r.errors)
    assert report.failed
    # The failed group's topics keep no backfill mark, so the next run tries them again.
    with db.session_scope(store.engine) as session:
        ends = db.topic_backfills(session)
    assert all(ends[t] is None for t in failed[0].topic_ids)
    assert [r.errors for r in store.runs()].count(1) == 1


def test_failure_mid_pagination_keeps_the_pages_already_stored(store: Store) -> None:
    retries = store.settings.http_max_retries
    store.replay.script(API, [Reply()] + [Reply(status=503)] * (retries + 1))
    group = plan.BackfillGroup(
        ("lora",), store.roadmap.topic("lora").query or "", NOW - timedelta(days=365), NOW
    )
    run = source_runs.backfill_group(store.collection(arxiv_page_size=50).context, group)
    assert run.errors == 1 and run.fetched == 50
    assert table_counts(store.engine)["papers"] == 50


def test_truncated_body_is_an_error_and_loses_nothing(store: Store) -> None:
    store.replay.serve_corpus_listing("2026-05-12")
    store.listing()
    before = table_counts(store.engine)
    retries = store.settings.http_max_retries
    store.replay.script(LISTING, [Reply(cut=400)] * (retries + 1))
    run = store.listing()
    assert run.errors == 1
    assert table_counts(store.engine) == before


def test_changed_topic_query_rematches_stored_papers(store: Store, tmp_path: Path) -> None:
    store.collect(Source.API, topics=("lora",))
    lora_before = {t for t in _topic_papers(store.engine, "lora")}
    assert lora_before
    text = store.roadmap.path.read_text(encoding="utf-8")
    old_query = store.roadmap.topic("lora").query
    assert old_query is not None
    edited = tmp_path / "roadmap.yaml"
    edited.write_text(
        text.replace(_yaml_scalar_line(text, old_query), "query: 'ti:\"low-rank\"'"), encoding="utf-8"
    )
    roadmap = load_roadmap(edited)
    assert roadmap.topic("lora").query == 'ti:"low-rank"'
    changed = DataStore(store.engine, roadmap, NOW).prepare(roadmap)
    assert changed == {"lora"}
    after = _topic_papers(store.engine, "lora")
    with db.session_scope(store.engine) as session:
        titles = {p.title.lower() for p in db.papers_by_id(session, after).values()}
    assert after != lora_before and all("low-rank" in t or "low rank" in t for t in titles)


def test_reading_list_puts_classics_first_then_papers_about_lora_then_its_applications(store: Store) -> None:
    store.collect(Source.API, topics=("lora",))
    with db.session_scope(store.engine) as session:
        lora = next(t for t in db.list_topics(session) if t.id == "lora")
        listed = reading_list(session, lora, store.settings, NOW, days=365)
    n = len(store.roadmap.topic("lora").seminal)
    assert [i.section for i in listed.items[:n]] == ["classic"] * n
    assert listed.items[0].title == store.roadmap.topic("lora").seminal[0].title  # shown before it is fetched
    assert listed.recent and listed.applications, "the collected LoRA papers hold both kinds"
    assert all(i.reasons[0].startswith("about") and (i.aboutness or 0) >= 0.5 for i in listed.recent)
    assert all(i.reasons[0].startswith("uses") and (i.aboutness or 0) < 0.5 for i in listed.applications)
    assert [i.rank for i in listed.recent] == sorted((i.rank or 0 for i in listed.recent), reverse=True)


def _topic_papers(engine: Engine, topic_id: str) -> set[str]:
    with engine.connect() as conn:
        return {
            r
            for (r,) in conn.exec_driver_sql(
                "SELECT arxiv_id FROM paper_topics WHERE topic_id = ?", (topic_id,)
            )
        }


def _yaml_scalar_line(text: str, query: str) -> str:
    """The `query: …` line of roadmap.yaml that holds this query (however it is quoted)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("query:") and _unquote(stripped[len("query:") :].strip()) == query:
            return stripped
    raise AssertionError(f"query line not found: {query}")


def _unquote(value: str) -> str:
    import yaml

    loaded = yaml.safe_load(value)
    return str(loaded)


ERROR_FEED = next(
    (Path(__file__).parent / "fixtures" / "arxiv_api").glob("arxivpy_id_abc_*.xml")
).read_bytes()
# name -> (the reply, whether the client retries it); each one answers the second page of a backfill.
FAULTS = {
    "503": (Reply(status=503), True),
    "429 with Retry-After": (Reply(status=429, headers={"Retry-After": "0"}), True),
    "hung server": (Reply(hang=1.5), True),
    "truncated XML": (Reply(cut=700), True),
    "empty page mid-pagination": (Reply(empty=True), True),
    "HTTP 400 error feed": (Reply(status=400, body=ERROR_FEED), False),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_mid_run_is_recorded_the_run_goes_on_and_nothing_stored_is_lost(
    store: Store, fault: str
) -> None:
    store.replay.serve_corpus_listing("2026-05-12")
    store.listing()
    before = table_counts(store.engine)["papers"]

    reply, retried = FAULTS[fault]
    attempts = store.settings.http_max_retries + 1 if retried else 1
    store.replay.script(API, [Reply()] + [reply] * attempts)  # page one answers, page two fails for good
    collection = store.collection(arxiv_page_size=20, http_timeout_seconds=0.5)
    report = collection.run(Request((Source.API, Source.SEMINAL), ("lora",)))

    backfill, seminal = report.runs
    assert backfill.errors == 1 and backfill.fetched == 20 and backfill.error
    assert seminal.source == "seminal" and seminal.errors == 0, "the run went on after the failure"
    assert store.replay.pending(API) == 0
    assert table_counts(store.engine)["papers"] == before + backfill.new
    recorded = {(r.source, r.errors) for r in store.runs() if r.run_id == report.run_id}
    assert recorded == {("api", 1), ("seminal", 0)}


# -- an unreachable upstream, live rows, interrupted runs --------------------------------------------------
def test_an_unreachable_arxiv_is_tried_once_and_every_other_query_recorded_as_skipped(store: Store) -> None:
    refused = "http://127.0.0.1:9"
    report = store.collect(
        Source.LISTING, Source.API, Source.SEMINAL, arxiv_api_url=f"{refused}/api/query",
        arxiv_listing_url=f"{refused}/atom", http_max_retries=4, http_backoff_seconds=30.0,
    )  # fmt: skip
    assert [r.status for r in report.runs][:2] == ["failed", "skipped"]  # one host for both here
    assert all(r.status == "skipped" and r.requests == 0 for r in report.runs[1:])
    assert report.requests == 1 and len(report.runs) > 5
    (found,) = report.unreachable
    assert found.upstream == "arXiv" and found.skipped == len(report.runs) - 1
    assert found.sentence().startswith("arXiv cannot be reached from this machine: 127.0.0.1:9 refused")
    assert {r.status for r in store.runs()} == {"failed", "skipped"}  # recorded, none left running


def test_a_run_row_is_live_while_its_pages_arrive(store: Store) -> None:
    """Another connection (a dashboard, `radar status`) sees the row with its pages and papers so far."""
    store.replay.script(API, [Reply(), Reply(hang=1.5)])  # the second page keeps the run busy
    seen: list[db.RunRow] = []
    collection = store.collection(arxiv_page_size=50, http_timeout_seconds=10)
    done = threading.Thread(
        target=lambda: collection.run(Request((Source.API,), ("lora",), NOW - timedelta(days=200), NOW))
    )
    done.start()
    deadline = time.monotonic() + 20
    while done.is_alive() and time.monotonic() < deadline:
        seen += [r for r in store.runs() if r.running and r.pages]
        time.sleep(0.05)
    done.join()
    assert seen and seen[0].source == "api" and seen[0].pages >= 1 and seen[0].fetched == 50
    (final,) = [r for r in store.runs() if r.source == "api"]
    assert final.status == "ok" and final.pages > seen[0].pages and final.fetched > 50


def test_a_bug_in_a_source_is_recorded_as_failed_then_raised(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: object, records: object) -> object:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(DataStore, "store_papers", broken)  # stands for any bug past the upstream
    with pytest.raises(ZeroDivisionError):
        store.listing()
    (run,) = store.runs()
    assert run.status == "failed" and run.errors == 1 and "ZeroDivisionError: a bug" in (run.error or "")


def test_a_killed_collection_leaves_interrupted_rows_and_a_stopped_one_releases_the_lock(
    hf: HFReplay, replay: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = radar_env(hf, tmp_path, monkeypatch)
    replay.script(LISTING, [Reply(hang=30), Reply(hang=30)])
    command = [sys.executable, "-m", "collector.cli", "collect", "--source", "listing"]
    engine = db.make_engine(env["RADAR_DATABASE_URL"])
    db.migrate(engine)

    def newest() -> db.RunRow | None:
        with db.session_scope(engine) as session:
            return next(iter(db.last_runs(session, limit=1)), None)

    killed = subprocess.Popen(command, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(lambda: (row := newest()) is not None and row.running, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    dead = newest()
    assert dead is not None and dead.status == "running"  # nobody was left to close it
    with engine.begin() as connection:  # its lock expires unrenewed (RADAR_LOCK_TTL_SECONDS later)
        connection.exec_driver_sql("UPDATE locks SET expires_at = '2000-01-01 00:00:00.000000'")

    stopped = subprocess.Popen(command, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(lambda: (row := newest()) is not None and row.running and row.run_id != dead.run_id, stopped)
    stopped.send_signal(signal.SIGTERM)
    assert stopped.wait(timeout=30) == 130
    with db.session_scope(engine) as session:
        rows = db.last_runs(session)
        holder = db.lock_holder(session, db.COLLECTION_LOCK)
    assert [r.status for r in rows] == ["interrupted", "interrupted"]  # the second closed the first's row
    assert "its process stopped" in (rows[1].error or "") and holder is None  # and released the lock
    engine.dispose()


def wait(done: Callable[[], bool], process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert process.poll() is None, "the collection ended before it was stopped"
        assert time.monotonic() < deadline
        time.sleep(0.05)
