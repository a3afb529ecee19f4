"""Hugging Face, resources, feeds and trending through the whole pipeline, against the replay server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import db
from collector import source_runs
from collector.cli import main
from collector.config import Settings
from collector.http import RateLimiter
from collector.pipeline import Collection, Request, Source
from collector.roadmap import Roadmap, load_roadmap
from collector.store import Store
from collector.upstreams import Limiters
from tests.conftest import radar_env
from tests.replay import API, Reply
from tests.replay_hf import HF, HFReplay, recorded_papers

FEATURED = datetime(2025, 5, 28, tzinfo=UTC)  # a recorded day: 39 papers, 31 of them in the arXiv corpus
NOW = datetime(2025, 5, 30, 12, tzinfo=UTC)


@dataclass
class Run:
    settings: Settings
    roadmap: Roadmap
    engine: Engine
    hf: HFReplay

    def collection(self, now: datetime = NOW) -> Collection:
        limiters = Limiters(RateLimiter(0), RateLimiter(0))
        return Collection.open(self.settings, self.roadmap, self.engine, now, limiters=limiters)

    def collect(self, *sources: Source, **request: Any) -> list[db.RunRow]:
        with self.collection() as collection:
            return list(collection.run(Request(sources, **request)).runs)

    def count(self, sql: str) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())


def make_run(hf: HFReplay, tmp_path: Path, roadmap_path: Path | None = None, **overrides: object) -> Run:
    settings = hf.settings(database_url=f"sqlite:///{tmp_path / 'radar.sqlite'}", **overrides)
    if roadmap_path is not None:
        settings = settings.model_copy(update={"roadmap_path": roadmap_path})
    roadmap = load_roadmap(settings.roadmap_path)
    engine = db.make_engine(settings.database_url)
    db.migrate(engine)
    Store(engine, roadmap, NOW).prepare(roadmap)
    return Run(settings, roadmap, engine, hf)


@pytest.fixture
def run(hf: HFReplay, tmp_path: Path) -> Iterator[Run]:
    made = make_run(hf, tmp_path)
    yield made
    made.engine.dispose()


def test_featured_days_then_arxiv_metadata_then_paper_pages(run: Run) -> None:
    days, arxiv, pages = run.collect(Source.HF)  # the default window: the 7 days up to NOW
    assert (days.source, days.query) == ("hf", "featured 2025-05-24..2025-05-30")
    assert (days.fetched, days.new, days.errors, days.requests) == (39, 39, 0, 7)
    assert (arxiv.fetched, arxiv.errors, arxiv.requests) == (31, 0, 1)  # one id_list request for 39 ids
    assert pages.errors == 0 and pages.requests <= run.settings.hf_paper_lookups
    assert days.requests + pages.requests <= 20  # the HF budget of a daily cycle
    assert run.count("SELECT count(*) FROM papers WHERE version = 0") == 8  # arXiv's corpus lacks them
    assert run.count("SELECT count(*) FROM papers WHERE hf_featured_on = '2025-05-28'") == 39
    with db.session_scope(run.engine) as session:
        paper = db.get_paper(session, "2505.18445")
        (signals,) = db.hf_signals_by_id(session, ["2505.18445"]).values()
        (code, project) = db.paper_resources(session, ["2505.18445"]).get("2505.18445", [None, None])
    assert paper is not None and paper.version == 1 and paper.categories == ("cs.CV",)
    assert (signals.upvotes, signals.comments, signals.featured_on) == (47, 1, date(2025, 5, 28))
    assert signals.ai_summary and signals.ai_keywords
    assert code is None and project is None  # this paper gave HF no code link
    assert run.count("SELECT count(*) FROM resources WHERE kind = 'code' AND source = 'hf'") == 20


def test_polling_the_window_again_updates_instead_of_adding(run: Run) -> None:
    window = {"since": FEATURED, "until": FEATURED}
    run.collect(Source.HF, **window)
    (days, *_rest) = run.collect(Source.HF, **window)
    assert (days.fetched, days.new, days.updated) == (39, 0, 0)
    assert run.count("SELECT count(*) FROM papers") == 39


@pytest.mark.parametrize("hf_first", [True, False], ids=["hf-then-listing", "listing-then-hf"])
def test_a_paper_from_the_listing_and_from_hf_is_one_row(run: Run, hf_first: bool) -> None:
    run.hf.server.serve_corpus_listing("2025-05-24")  # 2505.18445's arXiv announcement day in the corpus

    def from_hf(collection: Collection) -> None:  # the featured day alone, not arXiv's metadata after it
        days = partial(source_runs.ingest_hf_days, collection.context, "x", [FEATURED.date()])
        collection.recorder.run("hf", "2025-05-28", days)

    with run.collection() as collection:
        steps = [from_hf, lambda c: c.run(Request((Source.LISTING,)))]
        for step in steps if hf_first else reversed(steps):
            step(collection)
    with db.session_scope(run.engine) as session:
        paper = db.get_paper(session, "2505.18445")
        signals = db.hf_signals_by_id(session, ["2505.18445"])["2505.18445"]
        matched = db.stored_ids(session, ["2505.18445"])
    assert matched == {"2505.18445"} and paper is not None
    assert (paper.version, paper.categories) == (1, ("cs.CV",))
    assert paper.published == datetime(2025, 5, 24, tzinfo=UTC)  # the listing's day is earlier than HF's time
    assert (signals.upvotes, signals.featured_on) == (47, date(2025, 5, 28))
    assert run.count("SELECT count(*) FROM papers WHERE arxiv_id = '2505.18445'") == 1


def test_one_failing_day_is_recorded_and_the_other_days_are_kept(run: Run) -> None:
    run.hf.server.script(HF, [Reply(status=503)] * 3)  # the first day asked, and its two retries
    days = run.collect(Source.HF, since=datetime(2025, 5, 27, tzinfo=UTC), until=FEATURED)[0]
    assert days.errors == 1 and days.fetched == 39
    assert days.error and "1 of 2 featured day(s) failed" in days.error and "503" in days.error


def test_malformed_items_are_counted_in_the_run(run: Run) -> None:
    items = json.loads((Path(__file__).parent / "fixtures/hf/daily_papers_2024-05-27.json").read_text())
    body = json.dumps([items[0], {"paper": {"id": "2405.99999"}}, "junk"]).encode()
    run.hf.server.script(HF, [Reply(body=body, content_type="application/json")])
    days = run.collect(Source.HF, since=FEATURED, until=FEATURED)[0]
    assert (days.fetched, days.errors) == (1, 0) and days.error == "2 malformed item(s) skipped"


def test_paper_pages_404_is_a_note_and_marks_the_paper_checked(run: Run) -> None:
    run.hf.server.serve_corpus_listing("2025-05-24")
    with run.collection() as collection:
        collection.run(Request((Source.LISTING,)))
        source_runs.hf_paper_pages(collection.context)
        pages = collection.recorder.rows[-1]
    assert pages is not None and pages.errors == 0
    asked = [r.path for r in run.hf.requests()]
    assert len(asked) == run.settings.hf_paper_lookups
    assert run.count("SELECT count(*) FROM papers WHERE hf_checked_at IS NOT NULL") == len(asked)
    found = [p for p in asked if p.rsplit("/", 1)[1] in recorded_papers()]
    assert pages.error is None or f"{len(asked) - len(found)} without an HF page" in pages.error
    with db.session_scope(run.engine) as session:  # the next run asks the next papers in line
        due = db.hf_lookup_candidates(session, datetime(2025, 5, 1, tzinfo=UTC), NOW, limit=100)
    assert not {p.rsplit("/", 1)[1] for p in asked} & set(due)


def test_github_links_in_arxiv_abstracts_become_code_resources(run: Run) -> None:
    run.hf.server.serve_corpus_listing("2025-05-24")
    run.collect(Source.LISTING)
    with db.session_scope(run.engine) as session:
        linked = session.execute(text("SELECT arxiv_id, url FROM resources WHERE source = 'arxiv'")).all()
        abstracts = {
            p.arxiv_id: p.abstract for p in db.papers_by_id(session, [a for a, _ in linked]).values()
        }
    assert len(linked) >= 3
    assert all(url.removeprefix("https://") in abstracts[arxiv_id] for arxiv_id, url in linked)


def test_hf_search_finds_papers_per_topic_and_arxiv_completes_them(run: Run) -> None:
    search, arxiv = run.collect(Source.HF_SEARCH, topic_ids=("diffusion", "vit"))
    assert (search.errors, search.requests, search.topic_ids) == (0, 2, ("diffusion", "vit"))
    queries = [r.query["q"] for r in run.hf.requests()]
    assert queries == [run.roadmap.topic(t).name_en.split(" (")[0] for t in ("diffusion", "vit")]
    assert search.fetched >= 1 and arxiv is not None and arxiv.fetched >= 1


FEED_ROADMAP = """
version: 1
levels: {L4: {name_zh: 前沿, name_en: Frontier}}
topics:
  - id: frontier
    level: L4
    name_zh: 前沿
    name_en: Research frontier
    query: null
    resources:
      - {title: "A lab blog", url: "%(url)s/blog/lab.xml", kind: feed}
      - {title: "Not a feed", url: "%(url)s/blog/trending.html", kind: feed}
      - {title: "Docs", url: "https://example.org/docs", kind: docs}
"""


def test_blog_feeds_become_posts_of_their_topic_and_a_page_that_is_no_feed_fails(
    hf: HFReplay, tmp_path: Path
) -> None:
    roadmap = tmp_path / "roadmap.yaml"
    roadmap.write_text(FEED_ROADMAP % {"url": hf.server.url}, encoding="utf-8")
    made = make_run(hf, tmp_path, roadmap, feed_max_posts=5, http_max_retries=0)
    good, bad = made.collect(Source.FEEDS)
    again = made.collect(Source.FEEDS)[0]
    assert (good.source, good.fetched, good.new, good.errors, good.topic_ids) == (
        "feeds",
        5,
        5,
        0,
        ("frontier",),
    )
    assert bad.errors == 1 and bad.error and "not a feed" in bad.error
    assert (again.fetched, again.new) == (5, 0)
    with db.session_scope(made.engine) as session:
        posts = db.topic_resources(session, "frontier", source="feed")
    assert [p.kind for p in posts] == ["post"] * 5 and all(p.published for p in posts)
    made.engine.dispose()


def test_no_feed_is_read_when_feed_reading_is_off(run: Run) -> None:
    assert run.collect(Source.FEEDS) == []
    assert run.hf.server.requests == []


# -- the CLI: collect --source hf, list with trending and resources, trending -------------------------
@pytest.fixture
def cli_env(hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The recorded days are in the past; so is everything "recent".
    radar_env(hf, tmp_path, monkeypatch, RADAR_TRENDING_DAYS="1000")


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_cli_collects_hf_days_and_lists_trending_papers_with_resources(
    cli_env: None, hf: HFReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = cli_json(
        capsys, "collect", "--source", "hf", "--since", "2025-05-28", "--until", "2025-05-28", "--json"
    )
    assert code == 0 and [r["source"] for r in data["runs"]][:2] == ["hf", "hf"]
    assert data["runs"][0]["query"] == "featured 2025-05-28..2025-05-28" and data["runs"][0]["fetched"] == 39
    assert {r.query["date"] for r in hf.requests() if r.path.endswith("/daily_papers")} == {"2025-05-28"}

    code, frontier = cli_json(capsys, "trending", "--days", "1000", "--json")
    assert code == 0 and frontier["days"] == 1000
    (week,) = frontier["weeks"]
    assert week["week"] == "2025-W22" and week["start"] == "2025-05-26"
    papers = week["papers"]
    assert all(
        p["section"] == "trending" and p["topics"] and p["hf_featured_on"] == "2025-05-28" for p in papers
    )
    assert [p["rank"] for p in papers] == sorted((p["rank"] for p in papers), reverse=True)

    topic = papers[0]["topics"][0]
    code, listing = cli_json(capsys, "list", "--topic", topic, "--limit", "0", "--json")
    sections = [p["section"] for p in listing["papers"]]
    assert code == 0 and "trending" in sections
    assert sections.index("trending") > max((i for i, s in enumerate(sections) if s == "classic"), default=-1)
    trending = [p for p in listing["papers"] if p["section"] == "trending"]
    assert trending[0]["arxiv_id"] == papers[0]["arxiv_id"]
    assert {"hf_upvotes", "github_repo", "github_stars", "ai_summary", "resources"} <= set(trending[0])
    with_code = [p for p in listing["papers"] if p["github_repo"]]
    assert all(any(r["kind"] == "code" for r in p["resources"]) for p in with_code)
    assert isinstance(listing["resources"], list) and listing["resources"][0]["source"] == "roadmap"


def test_cli_frontier_topic_trends_across_the_roadmap(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["collect", "--source", "hf", "--since", "2025-05-28", "--until", "2025-05-28", "--json"]) == 0
    )
    capsys.readouterr()
    code, listing = cli_json(capsys, "list", "--topic", "frontier", "--json")
    assert code == 0 and listing["level"] == "L4"
    assert [p["section"] for p in listing["papers"]].count("trending") == 10  # RADAR_TRENDING_LIMIT
    assert main(["trending", "--days", "3"]) == 0
    assert "Nothing trending in the last 3 day(s)" in capsys.readouterr().out


def test_cli_hf_failure_exits_1_and_keeps_the_rest(
    cli_env: None, hf: HFReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    hf.server.script(HF, [Reply(status=500)] * 5)
    hf.server.script(API, [])
    code, data = cli_json(
        capsys, "collect", "--source", "hf", "--since", "2025-05-27", "--until", "2025-05-28", "--json"
    )
    assert code == 1 and data["runs"][0]["errors"] == 1 and data["runs"][0]["fetched"] == 39
