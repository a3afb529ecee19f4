"""Reading-list quality against blind expert labels: precision of each topic's New list, measured.

    python benchmarks/quality.py [--database PATH] [--own-labels TSV] [--show-unlabelled]

The replay corpus (tests/fixtures/corpus, 12,120 real arXiv papers) is collected cold into a fresh SQLite
file through the product's own pipeline against the local replay server — the topic backfill from
2025-01-01 and the classics, then one daily cycle — unless `--database` names a file that already holds
it. `now` is fixed at the corpus' last date. Each topic's New list (the reading list's `recent` section,
exactly what `radar list` and the Topic page show) is compared with tests/fixtures/relevance/dev.tsv:
blind labels 2 (about the topic) / 1 (related) / 0 (not), rubric in that folder's README.

Printed per topic and overall:
- strict p@20 (share of label 2 among the first min(20, length) papers), lenient (label >= 1), top-5 strict;
- the New list's length; papers without a label, counted as NOT relevant and listed with --show-unlabelled;
- with --own-labels, the same figures counting the project's own labels (made with the same rubric) too;
- agreement of the about/uses decision with the labels (2 vs 0/1) over every labelled (topic, paper).

Targets (issue 8, dev set): strict p@20 >= 0.8, top-5 strict >= 0.9, median New length >= 15 across the
L2-L3 topics, about/uses agreement >= 0.85. dev.tsv measures; it is never training data.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import db  # noqa: E402
from collector.config import Settings  # noqa: E402
from collector.http import RateLimiter  # noqa: E402
from collector.pipeline import Collection, Request, Source  # noqa: E402
from collector.reading_lists import ReadingList, reading_list  # noqa: E402
from collector.roadmap import load_roadmap  # noqa: E402
from collector.store import Store  # noqa: E402
from collector.upstreams import Limiters  # noqa: E402
from tests.replay import ReplayServer  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "relevance"
NOW = datetime(2026, 8, 4, 23, 59, tzinfo=UTC)  # the corpus' last date
BACKFILL_FROM = datetime(2025, 1, 1, tzinfo=UTC)
TOP = 20
MEASURES = ("strict", "lenient", "top5")

Labels = dict[tuple[str, str], int]


def read_labels(path: Path) -> Labels:
    with path.open(encoding="utf-8") as lines:
        return {
            (row["topic"], row["arxiv_id"]): int(row["label"])
            for row in csv.DictReader(lines, delimiter="\t")
        }


def collect(path: Path) -> None:
    """The replay corpus collected cold (backfill from 2025-01-01, classics), then one daily cycle."""
    with ReplayServer() as server:
        settings = server.settings(database_url=f"sqlite:///{path}", hf_api_url="http://127.0.0.1:9/hf-offline",
                                   http_max_retries=0, feed_max_posts=0)  # fmt: skip
        roadmap = load_roadmap(settings.roadmap_path)
        engine = db.make_engine(settings.database_url)
        db.migrate(engine)
        Store(engine, roadmap, NOW).prepare(roadmap)
        limiters = Limiters(RateLimiter(0), RateLimiter(0))
        with Collection.open(settings, roadmap, engine, NOW, limiters=limiters) as cold:
            cold.run(Request((Source.API, Source.SEMINAL), since=BACKFILL_FROM, until=NOW))
        server.serve_corpus_listing(NOW.date())
        with Collection.open(settings, roadmap, engine, NOW, limiters=limiters) as daily:
            daily.run(Request((Source.LISTING,), daily=True))
        engine.dispose()


@dataclass
class TopicScore:
    topic: str
    level: str
    length: int
    widened: bool
    shown: list[str]
    strict: float | None
    lenient: float | None
    top5: float | None
    unlabelled: list[str]
    own_strict: float | None
    own_lenient: float | None
    own_top5: float | None
    applications: int  # papers in the window asked (not widened) that only use the topic


def score(reading: ReadingList, labels: Labels, own: Labels) -> TopicScore:
    topic = reading.topic.id
    shown = [i.arxiv_id for i in reading.recent[:TOP] if i.arxiv_id]
    got = [labels.get((topic, a)) for a in shown]
    mine = [labels.get((topic, a), own.get((topic, a))) for a in shown]

    def share(values: list[int | None], least: int, first: int = TOP) -> float | None:
        values = values[:first]
        return sum((v or 0) >= least for v in values) / len(values) if values else None

    return TopicScore(
        topic, reading.topic.level, reading.recent_total, reading.window.widened, shown,
        share(got, 2), share(got, 1), share(got, 2, 5),
        [a for a, v in zip(shown, got, strict=True) if v is None],
        share(mine, 2) if own else None, share(mine, 1) if own else None, share(mine, 2, 5) if own else None,
        reading.applications_total,
    )  # fmt: skip


def agreement(engine: object, labels: Labels) -> tuple[float, int]:
    """Share of labelled (topic, paper) pairs where "about" (matched and judged about) agrees with label 2."""
    pairs = defaultdict(set)
    for topic, arxiv_id in labels:
        pairs[topic].add(arxiv_id)
    about: set[tuple[str, str]] = set()
    with db.session_scope(engine) as session:  # type: ignore[arg-type]
        for topic, ids in pairs.items():
            for match in db.topic_matches(session, topic):
                if match.arxiv_id in ids and match.about:
                    about.add((topic, match.arxiv_id))
    hits = sum(((t, a) in about) == (label == 2) for (t, a), label in labels.items())
    return hits / len(labels), len(labels)


def export(
    engine: object, topics: dict[str, db.TopicRow], scores: list[TopicScore], known: Labels, path: Path
) -> None:
    """The shown (topic, paper) pairs no label covers, with what a blind judge sees: topic and paper."""
    wanted = [(s.topic, a) for s in scores for a in s.shown if (s.topic, a) not in known]
    with db.session_scope(engine) as session, path.open("w", encoding="utf-8") as out:  # type: ignore[arg-type]
        papers = db.papers_by_id(session, [a for _, a in wanted])
        for topic_id, arxiv_id in wanted:
            topic, paper = topics[topic_id], papers[arxiv_id]
            judged = {"topic": topic_id, "level": topic.level, "topic_en": topic.name_en,
                      "topic_zh": topic.name_zh, "arxiv_id": arxiv_id, "title": paper.title,
                      "abstract": paper.abstract}  # fmt: skip
            out.write(json.dumps(judged, ensure_ascii=False) + "\n")
    print(f"{len(wanted)} unlabelled pairs written to {path}")


def fmt(value: float | None) -> str:
    return "   -" if value is None else f"{value:4.2f}"


def report(scores: list[TopicScore], agree: tuple[float, int], own: Labels, show: bool) -> bool:
    print(
        f"{'topic':<22}{'lvl':<4}{'New':>5}  strict lenient top5  unlabelled  applications"
        + ("  own-strict" if own else "")
    )
    for s in scores:
        wide = "*" if s.widened else " "
        figures = f"{fmt(s.strict)}   {fmt(s.lenient)}  {fmt(s.top5)}  {len(s.unlabelled):>5}"
        line = f"{s.topic:<22}{s.level:<4}{s.length:>5}{wide} {figures}  {s.applications:>12}"
        print(line + (f"        {fmt(s.own_strict)}" if own else ""))
        if show and s.unlabelled:
            print("    unlabelled:", " ".join(s.unlabelled))
    listed = [s for s in scores if s.strict is not None]
    macro = {k: statistics.mean(getattr(s, k) for s in listed) for k in MEASURES} if listed else {}
    shown = sum(len(s.shown) for s in scores)
    unlabelled = sum(len(s.unlabelled) for s in scores)
    l23 = [s.length for s in scores if s.level in ("L2", "L3")]
    median = statistics.median(l23) if l23 else 0
    print(f"\n{len(scores)} topics, {len(listed)} with a New list; * = window widened")
    strict, lenient, top5 = (macro.get(k, 0.0) for k in MEASURES)
    print(f"strict p@20 {strict:.2f} (target >= 0.80)   lenient {lenient:.2f}   ", end="")
    print(f"top-5 strict {top5:.2f} (target >= 0.90)")
    print(f"papers shown {shown}, unlabelled {unlabelled} (counted as not relevant)")
    if own:
        mine = {k: statistics.mean(getattr(s, f"own_{k}") for s in listed) for k in MEASURES}
        still = sum((s.topic, a) not in own for s in scores for a in s.unlabelled)
        print(f"with the project's own labels too: strict p@20 {mine['strict']:.2f}, lenient ", end="")
        print(f"{mine['lenient']:.2f}, top-5 strict {mine['top5']:.2f}; ", end="")
        print(f"{still} shown papers have no label at all")
    print(f"median New length over L2-L3 topics {median:.0f} (target >= 15)")
    print(
        f"about/uses agreement with the labels {agree[0]:.2f} over {agree[1]} labelled pairs (target >= 0.85)"
    )
    met = (
        bool(listed) and macro["strict"] >= 0.8 and macro["top5"] >= 0.9 and median >= 15 and agree[0] >= 0.85
    )
    print("targets " + ("met" if met else "MISSED"))
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, help="reuse (or build once at) this SQLite file")
    parser.add_argument(
        "--own-labels", type=Path, help="the project's own labels (topic, arxiv_id, label TSV)"
    )
    parser.add_argument("--show-unlabelled", action="store_true", help="list unlabelled papers per topic")
    parser.add_argument(
        "--export-unlabelled",
        type=Path,
        help="write the shown papers no label covers as JSON lines for judges",
    )
    args = parser.parse_args()
    labels = read_labels(FIXTURES / "dev.tsv")
    own = read_labels(args.own_labels) if args.own_labels else {}
    with tempfile.TemporaryDirectory() as tmp:
        path = args.database or Path(tmp) / "quality.sqlite"
        if not path.exists():
            started = time.perf_counter()
            collect(path)
            print(f"collected the replay corpus into {path} in {time.perf_counter() - started:.0f} s")
        engine = db.make_engine(f"sqlite:///{path}")
        db.migrate(engine)  # a database kept from an older schema (--database)
        roadmap = load_roadmap(Settings(_env_file=None).roadmap_path)  # type: ignore[call-arg]
        Store(engine, roadmap, NOW).prepare(roadmap)  # a changed query or scorer re-matches here
        wanted = sorted({topic for topic, _ in labels})
        with db.session_scope(engine) as session:
            topics = {t.id: t for t in db.list_topics(session)}
            settings = Settings(_env_file=None)  # type: ignore[call-arg]
            scores = [score(reading_list(session, topics[t], settings, NOW), labels, own) for t in wanted]
        met = report(scores, agreement(engine, labels), own, args.show_unlabelled)
        if args.export_unlabelled:
            export(engine, topics, scores, labels | own, args.export_unlabelled)
        engine.dispose()
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
