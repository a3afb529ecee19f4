"""The counts every surface shows, defined once (db/counts.py, collector.reading_lists.recent_totals), on a
seeded SQLite file and PostgreSQL: each equals what it says it counts, computed another way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import db
from collector.config import Settings
from collector.reading_lists import reading_list, recent_totals, roadmap_wide
from tests.factories import BACKENDS, blank_engine, match, papers, topic
from tests.factories import NOW as FACTORY_NOW
from tests.seed import seed_engine

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The dashboard seed (real corpus papers, the real matcher), 1,200 papers, once per backend."""
    engine = blank_engine(request.param, tmp_path_factory.mktemp("counts"))
    seed_engine(engine, count=1200, now=NOW)
    yield engine
    engine.dispose()


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_stored_and_matched_papers(seeded: Engine) -> None:
    with db.session_scope(seeded) as session:
        stored = session.execute(text("SELECT arxiv_id FROM papers")).scalars().all()
        matched = set(session.execute(text("SELECT arxiv_id FROM paper_topics")).scalars())
        assert db.paper_count(session) == len(stored)
        assert db.matched_paper_count(session) == len(matched) < len(stored)  # each paper once


@pytest.mark.parametrize("values", [{}, {"widen_below": 0}, {"recent_days": 30, "trending_days": 3}])
def test_every_topics_new_count_is_its_reading_lists(seeded: Engine, values: dict[str, int]) -> None:
    """One pass over every topic gives what each topic's own reading list counts and its window."""
    chosen = settings(**values)
    with db.session_scope(seeded) as session:
        topics = db.list_topics(session)
        lora = reading_list(session, topics_by_id(topics)["lora"], settings(), NOW)
        hidden = {i.arxiv_id for i in lora.recent[:2] if i.arxiv_id}  # the reader hid two of LoRA's papers
        totals = recent_totals(session, topics, chosen, NOW, hidden)
        for topic in topics:
            if roadmap_wide(topic):
                assert topic.id not in totals  # the roadmap-wide frontier has no count of its own
                continue
            reading = reading_list(session, topic, chosen, NOW, recent_limit=1, hidden=hidden)
            assert totals[topic.id] == (reading.recent_total, reading.window), topic.id
    assert len(hidden) == 2


def topics_by_id(topics: list[db.TopicRow]) -> dict[str, db.TopicRow]:
    return {t.id: t for t in topics}


def test_classics_and_trending_papers_are_not_counted_as_new(seeded: Engine) -> None:
    """A paper about LoRA counts in its New section until it becomes one of its classics."""
    chosen = settings()
    with db.session_scope(seeded) as session:
        topics = db.list_topics(session)
        lora = topics_by_id(topics)["lora"]
        first = reading_list(session, lora, chosen, NOW).recent[0]
        before = recent_totals(session, topics, chosen, NOW)["lora"][0]
        as_classic = db.SeminalRow(position=99, title=first.title, year=2026, arxiv_id=first.arxiv_id)
        with_classic = [replace(t, seminal=(*t.seminal, as_classic)) if t.id == "lora" else t for t in topics]
        assert recent_totals(session, with_classic, chosen, NOW)["lora"][0] == before - 1


# The seed shifts publication dates but keeps the arXiv ids, whose month every window read checks first
# (db.ranges.id_floor): three years back, no seeded id is older than the window's floor.
THREE_YEARS = NOW - timedelta(days=1095)


def test_about_counts_per_topic_and_window(seeded: Engine) -> None:
    since = THREE_YEARS
    with db.session_scope(seeded) as session:
        rows = session.execute(
            text("SELECT m.topic_id, p.published FROM paper_topics m JOIN papers p ON p.arxiv_id = m.arxiv_id"
                 " WHERE m.about")
        ).all()  # fmt: skip
        expected: dict[str, int] = defaultdict(int)
        for topic_id, published in rows:
            expected[topic_id] += as_utc(published) >= since
        assert db.about_counts(session, since) == {t: n for t, n in expected.items() if n}
        assert db.about_counts(session, since, ["lora", "vit"]) == {
            t: n for t, n in expected.items() if n and t in ("lora", "vit")
        }


def test_papers_per_day_by_level_count_each_paper_once(seeded: Engine) -> None:
    since = THREE_YEARS
    with db.session_scope(seeded) as session:
        ids = [t.id for t in db.list_topics(session)]
        per_topic = db.daily_counts(session, ids, since)
        per_level = db.daily_level_counts(session, ids, since)
        rows = session.execute(
            text("SELECT p.arxiv_id, p.published, t.level FROM paper_topics m"
                 " JOIN papers p ON p.arxiv_id = m.arxiv_id JOIN topics t ON t.id = m.topic_id")
        ).all()  # fmt: skip
    papers: dict[tuple[object, str], set[str]] = defaultdict(set)
    for arxiv_id, published, level in rows:
        if as_utc(published) >= since:
            papers[(as_utc(published).date(), level)].add(arxiv_id)
    assert sorted(per_level) == sorted((day, level, len(ids)) for (day, level), ids in papers.items())
    assert sum(n for *_, n in per_topic) > sum(n for *_, n in per_level)  # papers in two topics of a level


def as_utc(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_counts_of_an_empty_database(tmp_path: Path) -> None:
    engine = blank_engine("sqlite", tmp_path)
    db.migrate(engine)
    with db.session_scope(engine) as session:
        assert (db.paper_count(session), db.matched_paper_count(session)) == (0, 0)
        assert db.about_counts(session, NOW) == {} and recent_totals(session, [], settings(), NOW) == {}
    engine.dispose()


def test_a_papers_day_is_its_utc_day_whatever_the_servers_time_zone(engine: Engine) -> None:
    late = replace(papers(1)[0], arxiv_id="2603.00001", published=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    with db.session_scope(engine) as session:
        if engine.dialect.name == "postgresql":
            session.execute(text("SET TIME ZONE 'Asia/Shanghai'"))  # 07:30 on March 3rd there
        db.sync_topics(session, [topic("lora", 0, "ti:LoRA", level="L3")], FACTORY_NOW)
        db.upsert_papers(session, [late], FACTORY_NOW)
        db.replace_matches(session, [late.arxiv_id], [match(late, "lora", 1.0)], FACTORY_NOW)
        since = datetime(2026, 2, 1, tzinfo=UTC)
        assert db.daily_counts(session, ["lora"], since) == [(date(2026, 3, 2), "lora", 1)]
        assert db.daily_level_counts(session, ["lora"], since) == [(date(2026, 3, 2), "L3", 1)]
