"""The `radar` command: roadmap, collect, list, status. Thin: parse arguments, call the pipeline, print.

Exit codes: 0 ok, 1 a source failed (what was fetched is kept), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

import db
from collector import pipeline
from collector.config import Settings, load_settings
from collector.errors import ConfigError, RoadmapError
from collector.matching import build_matcher
from collector.ranking import ReadingItem, reading_list
from collector.roadmap import Roadmap, Topic, load_roadmap
from db.records import RunRow

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


# -- argument parsing ------------------------------------------------------------------------------
def parse_date(text: str) -> datetime:
    """`YYYY-MM-DD` (start of that day, UTC) or a full ISO timestamp."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radar", description="Roadmap Radar: living deep-learning reading lists from arXiv."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("roadmap", help="print the roadmap's topics by level")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("collect", help="fetch new papers (default: the daily cycle)")
    p.add_argument(
        "--source",
        choices=["listing", "api", "seminal", "all"],
        help="listing: today's arXiv listing; api: topic backfill; seminal: classics; all: everything. "
        "Default: the daily cycle (listing + classics not yet stored)",
    )
    p.add_argument("--topic", nargs="+", default=[], metavar="ID", help="only these topics")
    p.add_argument("--since", type=parse_date, metavar="DATE", help="backfill window start (YYYY-MM-DD)")
    p.add_argument("--until", type=parse_date, metavar="DATE", help="backfill window end (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")

    p = sub.add_parser("list", help="a topic's reading list: classics, then recent papers ranked")
    p.add_argument("--topic", required=True, metavar="ID")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N papers (0: the whole list)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("status", help="the last collection runs")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many runs (default 20)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


# -- shared setup ------------------------------------------------------------------------------------
def now_utc() -> datetime:
    return datetime.now(UTC)


def open_store(settings: Settings, roadmap: Roadmap) -> Any:
    """The engine, migrated and in sync with the roadmap (changed topic queries are re-matched)."""
    engine = db.make_engine(settings.database_url)
    matcher = build_matcher(roadmap.queries())
    pipeline.prepare_store(engine, roadmap, matcher, now_utc())
    return engine


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# -- radar roadmap -----------------------------------------------------------------------------------
def topic_json(topic: Topic) -> dict[str, Any]:
    return topic.model_dump(
        mode="json",
        include={"id", "level", "name_zh", "name_en", "group", "aliases", "query", "seminal", "resources"},
    )


def cmd_roadmap(args: argparse.Namespace, settings: Settings) -> int:
    roadmap = load_roadmap(settings.roadmap_path)
    if args.json:
        print_json({"topics": [topic_json(t) for t in roadmap.topics]})
        return EXIT_OK
    tree = Tree(f"[bold]Roadmap Radar[/] — {len(roadmap.topics)} topics ({settings.roadmap_path})")
    for level, info in roadmap.levels.items():
        branch = tree.add(f"[bold cyan]{level}[/] {info.name_zh} / {info.name_en}")
        groups: dict[str | None, Any] = {}
        for topic in roadmap.topics_at(level):
            parent = groups.get(topic.group) or branch
            if topic.group and topic.group not in groups:
                parent = groups[topic.group] = branch.add(f"[magenta]{topic.group}[/]")
            label = f"{topic.name_zh} · {topic.name_en} [dim]({topic.id}, {len(topic.seminal)} classics"
            parent.add(label + ("" if topic.query else ", no arXiv query") + ")[/]")
    out.print(tree)
    return EXIT_OK


# -- radar collect -----------------------------------------------------------------------------------
class RichProgress(pipeline.Progress):
    """One bar per source/query; searches learn their total as they go, so they show a spinner until done."""

    def __init__(self, progress: Progress) -> None:
        self.bars = progress
        self.tasks: dict[str, Any] = {}

    def start(self, label: str, total: int | None) -> None:
        self.tasks[label] = self.bars.add_task(label[:60], total=total)

    def advance(self, label: str, fetched: int, total: int | None = None) -> None:
        if label in self.tasks:
            self.bars.update(self.tasks[label], advance=fetched, total=total)

    def finish(self, label: str, run: RunRow) -> None:
        task = self.tasks[label]
        self.bars.update(task, total=max(run.fetched, 1), completed=max(run.fetched, 1))


def sources_for(choice: str | None) -> tuple[str, ...]:
    if choice is None:
        return pipeline.DAILY
    return pipeline.SOURCES if choice == "all" else (choice,)


def cmd_collect(args: argparse.Namespace, settings: Settings) -> int:
    roadmap = load_roadmap(settings.roadmap_path)
    for topic_id in args.topic:
        roadmap.topic(topic_id)  # unknown ids fail here, before any request
    if args.since and args.until and args.since > args.until:
        raise ConfigError(f"--since {args.since:%Y-%m-%d} is after --until {args.until:%Y-%m-%d}")
    engine = open_store(settings, roadmap)
    with (
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
            disable=args.json,
        ) as bars,
        pipeline.Collector(settings, roadmap, engine, now_utc(), RichProgress(bars)) as collector,
    ):
        daily = args.source is None
        sources = sources_for(args.source)
        report = pipeline.run_collect(collector, sources, args.topic, args.since, args.until, daily=daily)
    if args.json:
        print_json({"run_id": report.run_id, "runs": [run_json(r) for r in report.runs]})
    else:
        print_runs(report.runs, f"Run {report.run_id}")
    return EXIT_PARTIAL if report.failed else EXIT_OK


COUNT_COLUMNS = ("fetched", "new", "updated", "errors", "requests")


def runs_table(runs: Sequence[RunRow], title: str) -> Table:
    """One row per source/query; notes and errors go below the table (`run_notes`), where they fit."""
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("source")
    table.add_column("query", overflow="fold", ratio=1)
    for column in COUNT_COLUMNS:
        table.add_column(column, justify="right")
    for number, r in enumerate(runs, 1):
        counts = (str(getattr(r, column)) for column in COUNT_COLUMNS)
        table.add_row(str(number), r.source, r.query, *counts, style="red" if r.errors else None)
    if not runs:
        table.add_row("", "-", "nothing to do", *("0" for _ in COUNT_COLUMNS))
    return table


def print_runs(runs: Sequence[RunRow], title: str) -> None:
    out.print(runs_table(runs, title))
    for number, r in enumerate(runs, 1):
        if r.error:
            style = "red" if r.errors else "dim"
            out.print(Text.assemble((f"#{number} {r.source}: ", style), r.error))


def run_json(r: RunRow) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "source": r.source,
        "query": r.query,
        "topic_ids": list(r.topic_ids),
        "started_at": r.started_at.isoformat(),
        "finished_at": r.finished_at.isoformat(),
        "fetched": r.fetched,
        "new": r.new,
        "updated": r.updated,
        "errors": r.errors,
        "error": r.error,
        "requests": r.requests,
    }


# -- radar list ----------------------------------------------------------------------------------------
def item_json(item: ReadingItem) -> dict[str, Any]:
    return {
        "arxiv_id": item.arxiv_id,
        "title": item.title,
        "published": item.published.isoformat() if item.published else None,
        "year": item.year,
        "section": item.section,
        "score": item.score,
        "rank": item.rank,
        "reasons": list(item.reasons),
        "url": item.url,
        "authors": list(item.authors),
    }


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit < 0:
        raise ConfigError(f"--limit must be 0 (everything) or more, not {args.limit}")
    roadmap = load_roadmap(settings.roadmap_path)
    topic = roadmap.topic(args.topic)
    engine = open_store(settings, roadmap)
    with db.session_scope(engine) as session:
        classics = db.topic_seminal(session, topic.id)
        candidates = db.topic_candidates(session, topic.id)
    items = reading_list(classics, candidates, now_utc(), settings.recent_half_life_days, args.limit or None)
    if args.json:
        print_json(
            {
                "topic": topic.id,
                "name_zh": topic.name_zh,
                "name_en": topic.name_en,
                "level": topic.level,
                "papers": [item_json(i) for i in items],
            }
        )
        return EXIT_OK
    out.print(reading_table(topic, items, len(candidates)))
    return EXIT_OK


def reading_table(topic: Any, items: Sequence[ReadingItem], matched: int) -> Table:
    table = Table(
        title=f"{topic.level} · {topic.name_zh} · {topic.name_en} — {matched} matched papers",
        show_lines=False,
    )
    for column in ("", "arXiv", "date", "title", "score", "why"):
        table.add_column(column)
    for item in items:
        when = item.published.isoformat() if item.published else str(item.year or "")
        score = "" if item.score is None else f"{item.score:g}"
        why = (
            "; ".join(item.reasons)
            if item.section == "recent"
            else ("" if item.fetched else "not fetched yet")
        )
        table.add_row(
            "★" if item.section == "classic" else "·", item.arxiv_id or "-", when, item.title, score, why
        )
    return table


# -- radar status ----------------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    engine = db.make_engine(settings.database_url)
    db.migrate(engine)
    with db.session_scope(engine) as session:
        runs = db.last_runs(session, limit=args.limit)
        papers = db.paper_count(session)
        topics = len(db.list_topics(session))
    if args.json:
        print_json(
            {
                "database": db.mask_url(settings.database_url),
                "papers": papers,
                "topics": topics,
                "runs": [run_json(r) for r in runs],
            }
        )
        return EXIT_OK
    out.print(f"Database [bold]{db.mask_url(settings.database_url)}[/]: {papers} papers, {topics} topics")
    print_runs(runs, "Last runs (newest first)")
    return EXIT_OK


COMMANDS = {"roadmap": cmd_roadmap, "collect": cmd_collect, "list": cmd_list, "status": cmd_status}


def settings_from_env() -> Settings:
    """The settings, or a ConfigError naming each bad variable and what was wrong with it."""
    try:
        return load_settings()
    except ValidationError as exc:
        problems = [
            f"RADAR_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']} (got {e.get('input')!r})"
            for e in exc.errors()
        ]
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None


def say_error(message: str) -> None:
    err.print(Text.assemble(("error: ", "bold red"), message))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, settings_from_env())
    except RoadmapError as exc:
        say_error(f"{exc.path} is invalid ({len(exc.problems)} problem(s)):")
        for problem in exc.problems:
            err.print(Text("  " + problem))
        return EXIT_USAGE
    except (ConfigError, db.StorageError) as exc:
        say_error(str(exc))
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
