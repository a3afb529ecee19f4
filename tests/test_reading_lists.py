"""Reading lists: the one composition every surface uses, on a real database (SQLite and PostgreSQL).

Matches are stored with their aboutness as given here (the classifier has its own tests), so each test
says exactly which papers are about the topic and which only use it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from sqlalchemy.engine import Engine

import db
from collector.config import Settings
from collector.ranking import rank_about
from collector.reading_lists import ReadingList, reading_list, window_note
from tests.factories import papers, topic

NOW = datetime(2026, 7, 10, 12, tzinfo=UTC)
# Real papers of June-July 2026: their ids carry the month, which the window's range scan relies on.
RECENT = [p for p in papers(12000) if p.arxiv_id >= "2606"]


def aged(index: int, days_old: float) -> db.PaperRecord:
    published = NOW - timedelta(days=days_old)
    return replace(RECENT[index], published=published, updated=published)


def matched(paper: db.PaperRecord, aboutness: float, topic_id: str = "lora", **fields: Any) -> db.MatchRow:
    about = aboutness >= 0.5
    verdict = ("about: the title is about LoRA",) if about else ("uses: LoRA is a tool in the title",)
    return db.MatchRow(paper.arxiv_id, topic_id, fields.pop("score", 3.0), ('title: "LoRA"',), aboutness,
                       about, verdict, **fields)  # fmt: skip


def store(engine: Engine, topics: list[db.TopicRow], found: list[tuple[db.PaperRecord, db.MatchRow]]) -> None:
    with db.session_scope(engine) as session:
        db.sync_topics(session, topics, NOW)
        db.upsert_papers(session, list({p.arxiv_id: p for p, _ in found}.values()), NOW)
        db.replace_matches(session, [p.arxiv_id for p, _ in found], [m for _, m in found], NOW)


def read(engine: Engine, row: db.TopicRow, **options: Any) -> ReadingList:
    with db.session_scope(engine) as session:
        return reading_list(session, row, Settings(_env_file=None), NOW, **options)  # type: ignore[call-arg]


LORA = topic("lora", 0, "ti:LoRA", level="L3")


def test_classics_then_trending_then_about_then_applications_without_repeats(engine: Engine) -> None:
    classic, hot, about, uses = aged(50, 3), aged(51, 2), aged(52, 1), aged(53, 1)
    lora = replace(LORA, seminal=(db.SeminalRow(0, classic.title, 2021, classic.arxiv_id),))
    store(
        engine,
        [lora],
        [(p, matched(p, a)) for p, a in ((classic, 0.9), (hot, 0.9), (about, 0.9), (uses, 0.2))],
    )
    with db.session_scope(engine) as session:
        signals = [
            db.HFPaper(hot.arxiv_id, hot.title, upvotes=12),
            db.HFPaper(classic.arxiv_id, "", upvotes=99),
        ]
        db.upsert_hf_papers(session, signals, NOW)
    listed = read(engine, lora)
    assert [(i.section, i.arxiv_id) for i in listed.items] == [
        ("classic", classic.arxiv_id),
        ("trending", hot.arxiv_id),
        ("recent", about.arxiv_id),
        ("applications", uses.arxiv_id),
    ]
    assert listed.trending[0].reasons[0] == "12 upvotes on Hugging Face"
    assert listed.recent[0].reasons[0].startswith("about: ") and listed.recent[0].aboutness == 0.9
    assert listed.applications[0].reasons[0].startswith("uses: ")


def test_about_papers_go_by_aboutness_then_newest_and_never_below_an_application(engine: Engine) -> None:
    chances = (0.55, 0.95, 0.9, 0.62, 0.3, 0.97)
    found = [(aged(60 + i, 1 + 3 * i), c) for i, c in enumerate(chances)]
    store(engine, [LORA], [(p, matched(p, c)) for p, c in found])
    listed = read(engine, LORA)
    # Bands of a tenth: 0.9, 0.95 and 0.97 share the top band [0.9, 1) (newest first), then 0.62, 0.55.
    assert [i.arxiv_id for i in listed.recent] == [found[i][0].arxiv_id for i in (1, 2, 5, 3, 0)]
    assert [i.rank for i in listed.recent] == sorted((i.rank or 0 for i in listed.recent), reverse=True)
    assert [i.arxiv_id for i in listed.applications] == [found[4][0].arxiv_id]
    assert listed.recent_total == 5 and listed.applications_total == 1


def test_hidden_papers_go_and_the_limit_keeps_the_order(engine: Engine) -> None:
    found = [aged(70 + i, 1 + i) for i in range(6)]
    store(engine, [LORA], [(p, matched(p, 0.9)) for p in found])
    everything = [i.arxiv_id for i in read(engine, LORA).recent]
    assert [i.arxiv_id for i in read(engine, LORA, hidden={everything[0]}).recent] == everything[1:]
    first_two = read(engine, LORA, recent_limit=2)
    assert [i.arxiv_id for i in first_two.recent] == everything[:2] and first_two.recent_total == 6


def test_a_window_with_few_papers_about_the_topic_widens_and_says_so(engine: Engine) -> None:
    old = [(aged(80 + i, 200 + i), 0.9) for i in range(3)]
    applications = [(aged(90 + i, 5 + i), 0.1) for i in range(12)]
    store(engine, [LORA], [(p, matched(p, c)) for p, c in old + applications])
    listed = read(engine, LORA, days=90)  # 3 of the last 3 years, fewer than 10 even then: three years
    assert listed.window.widened and listed.window.days == 1095 and listed.window.asked == 90
    assert {i.arxiv_id for i in listed.recent} == {p.arxiv_id for p, _ in old}
    assert "widened" in window_note(listed)
    assert len(listed.applications) == 12, "papers that only use the topic never pad the list"
    a_year = [(aged(100 + i, 100 + i), 0.9) for i in range(7)]  # 10 about it in the last year
    store(engine, [LORA], [(p, matched(p, c)) for p, c in old + applications + a_year])
    assert read(engine, LORA, days=90).window.days == 365
    recent = [(aged(110 + i, 10 + i), 0.9) for i in range(10)]
    store(engine, [LORA], [(p, matched(p, c)) for p, c in old + applications + a_year + recent])
    assert not read(engine, LORA, days=90).window.widened


def test_widening_stops_at_three_years_and_an_empty_list_says_so(engine: Engine) -> None:
    uses_only = [(aged(125 + i, 10 + i), 0.2) for i in range(3)]
    store(engine, [LORA], [(p, matched(p, c)) for p, c in uses_only])
    listed = read(engine, LORA, days=90)
    assert listed.window.days == 1095 and listed.recent == () and listed.recent_total == 0
    assert window_note(listed).startswith("No paper of the last 1095 days is about this topic")


def test_basics_topics_put_surveys_and_analyses_first(engine: Engine) -> None:
    cnn = topic("cnn", 0, "ti:CNN", level="L2")
    newest, survey = aged(120, 1), aged(121, 30)
    found = [(newest, matched(newest, 0.95, "cnn")), (survey, matched(survey, 0.6, "cnn", kind="survey"))]
    store(engine, [cnn], found)
    assert [i.arxiv_id for i in read(engine, cnn).recent] == [survey.arxiv_id, newest.arxiv_id]
    store(engine, [replace(cnn, level="L3")], found)
    assert [i.arxiv_id for i in read(engine, replace(cnn, level="L3")).recent] == [
        newest.arxiv_id,
        survey.arxiv_id,
    ]


def test_the_frontier_without_trending_shows_the_newest_papers_most_about_a_topic(engine: Engine) -> None:
    frontier = topic("frontier", 2, None, level="L4")
    rag = topic("rag", 1, "ti:RAG", level="L3")
    lora_papers = [aged(130 + i, 1 + i) for i in range(5)]
    rag_paper, unrelated = aged(140, 3), aged(141, 1)
    found = [(p, matched(p, 0.9)) for p in lora_papers] + [
        (rag_paper, matched(rag_paper, 0.8, "rag")),
        (unrelated, matched(unrelated, 0.1, "rag")),
    ]
    store(engine, [LORA, rag, frontier], found)
    listed = read(engine, frontier)
    ids = [i.arxiv_id for i in listed.recent]
    assert listed.frontier and not listed.trending
    assert unrelated.arxiv_id not in ids and set(ids) == {p.arxiv_id for p in lora_papers} | {
        rag_paper.arxiv_id
    }
    assert ids.index(rag_paper.arxiv_id) < 4, "no topic floods the top: rag's paper comes in the first round"
    assert listed.recent[ids.index(rag_paper.arxiv_id)].topic_ids == ("rag",)
    assert window_note(listed).startswith("Nothing is trending")


def test_the_order_does_not_depend_on_the_moment_it_is_computed(engine: Engine) -> None:
    found = [aged(150 + i, days) for i, days in enumerate((1, 2, 3, 10, 11, 30))]
    store(engine, [LORA], [(p, matched(p, 0.5 + 0.08 * i)) for i, p in enumerate(found)])
    with db.session_scope(engine) as session:
        window = db.topic_matches(session, "lora", NOW - timedelta(days=90))
    orders = {
        tuple(s.arxiv_id for s, _ in rank_about(window, NOW + timedelta(seconds=offset), 30.0))
        for offset in (0, 1, 59, 3600, 86400)
    }
    assert len(orders) == 1


def test_a_limited_list_is_the_head_of_the_whole_list(engine: Engine) -> None:
    """The database reads only what a list of N can show (the newest N of each aboutness band and of each
    match score): with random aboutness (band edges included), scores, kinds and ages, the first N of every
    section, for a topic, a basics topic and the frontier, are exactly those of the whole list."""
    chooser = Random(8)
    topics = [LORA, topic("rag", 1, "ti:RAG", level="L3"), topic("cnn", 2, "ti:CNN", level="L2")]
    frontier = topic("frontier", 3, None, level="L4")
    found = []
    for index in range(160):
        paper = aged(200 + index, chooser.choice([0.5, 1, 2, 5, 5, 9, 30, 31, 60, 89]))
        for row in chooser.sample(topics, chooser.randint(1, 3)):
            chance = chooser.choice([0.05, 0.3, 0.49, 0.5, 0.55, 0.6, 0.62, 0.7, 0.8, 0.9, 0.95, 0.97, 1.0])
            kind = chooser.choice(["", "", "survey", "analysis"])
            found.append((paper, matched(paper, chance, row.id, score=chooser.choice([1, 2, 3, 4.5, 6]),
                                         kind=kind)))  # fmt: skip
    store(engine, [*topics, frontier], found)
    for row in [*topics, frontier]:
        whole = read(engine, row)
        assert whole.recent_total >= 10, "enough papers for the comparison to mean something"
        for limit in (1, 3, 7):
            head = read(engine, row, recent_limit=limit)
            for section in ("recent", "applications"):
                shown = [(i.arxiv_id, i.rank) for i in getattr(head, section)]
                everything = [(i.arxiv_id, i.rank) for i in getattr(whole, section)]
                assert shown == everything[:limit], (row.id, limit, section)
            assert head.recent_total == whole.recent_total
            assert head.applications_total == whole.applications_total
