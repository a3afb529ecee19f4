"""The `radar` command: roadmap, collect, list, trending, status, schedule. Thin: parse arguments, call the
pipeline (or the scheduler), print.

Exit codes: 0 ok, 1 a source failed (what was fetched is kept) or another collection holds the lock,
2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
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
from collector import demo, pipeline, scheduler, serve
from collector.config import Settings, default_database_url, load_settings
from collector.errors import ConfigError, LockHeldError, RadarError, RoadmapError
from collector.matching import build_matcher
from collector.ranking import (
    FrontierWeek,
    ReadingItem,
    frontier,
    rank_trending,
    reading_list,
    trending_item,
)
from collector.roadmap import Roadmap, Topic, load_roadmap
from db import HFSignals, Resource, RunRow

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
        choices=["listing", "api", "seminal", "hf", "hf-search", "feeds", "all"],
        help="listing: today's arXiv listing; api: topic backfill; seminal: classics; hf: Hugging Face "
        "featured days, arXiv metadata of papers first seen there, paper pages; hf-search: HF paper "
        "search per topic; feeds: the roadmap's blog feeds; all: everything. "
        "Default: the daily cycle (listing + classics not yet stored + hf)",
    )
    p.add_argument("--topic", nargs="+", default=[], metavar="ID", help="only these topics")
    p.add_argument(
        "--since", type=parse_date, metavar="DATE", help="backfill window start; hf: first featured day"
    )
    p.add_argument(
        "--until", type=parse_date, metavar="DATE", help="backfill window end; hf: last featured day"
    )
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")

    p = sub.add_parser("list", help="a topic's reading list: classics, then recent papers ranked")
    p.add_argument("--topic", required=True, metavar="ID")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N papers (0: the whole list)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("trending", help="the L4 frontier: new and trending papers of the roadmap, by week")
    p.add_argument("--days", type=int, metavar="N", help="papers new in the last N days (default 7)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N papers a week (0: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("schedule", help="run the collector on a schedule, in the foreground")
    p.add_argument("--list", action="store_true", help="show the jobs and their next run times, then exit")
    p.add_argument("--json", action="store_true", help="with --list: machine-readable output")

    p = sub.add_parser("status", help="the last collection runs")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many runs (default 20)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_serving_commands(sub)
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
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=args.json,
    ) as bars:
        # Under the collection lock: a scheduled job or another `radar collect` may be collecting.
        report = pipeline.collect(
            settings, roadmap, engine, sources_for(args.source), args.topic, args.since, args.until,
            progress=RichProgress(bars), daily=args.source is None,
        )  # fmt: skip
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


def paper_extras(signals: HFSignals | None, resources: Sequence[Resource]) -> dict[str, Any]:
    """What Hugging Face says about a paper and the resources linked to it (code, models, datasets…)."""
    hf = signals or HFSignals("")
    return {
        "hf_upvotes": hf.upvotes,
        "hf_comments": hf.comments,
        "hf_featured_on": hf.featured_on.isoformat() if hf.featured_on else None,
        "github_repo": hf.github_repo,
        "github_stars": hf.github_stars,
        "project_page": hf.project_page,
        "ai_summary": hf.ai_summary,
        "ai_keywords": list(hf.ai_keywords),
        "resources": [resource_json(r) for r in resources],
    }


def resource_json(r: Resource) -> dict[str, Any]:
    published = r.published.isoformat() if r.published else None
    return {"kind": r.kind, "url": r.url, "title": r.title, "source": r.source, "stars": r.stars,
            "likes": r.likes, "downloads": r.downloads, "published": published}  # fmt: skip


def with_extras(engine: Any, items: Sequence[ReadingItem]) -> list[dict[str, Any]]:
    """Each item's JSON with its HF fields and resources."""
    ids = [i.arxiv_id for i in items if i.arxiv_id]
    with db.session_scope(engine) as session:
        signals, resources = db.hf_signals_by_id(session, ids), db.paper_resources(session, ids)
    return [
        item_json(i) | paper_extras(signals.get(i.arxiv_id or ""), resources.get(i.arxiv_id or "", []))
        for i in items
    ]


def topic_trending(session: Any, topic: Topic, settings: Settings, now: datetime) -> list[Any]:
    """The topic's trending papers, ranked; an L4 topic without a query (the frontier) trends roadmap-wide."""
    roadmap_wide = topic.level == "L4" and topic.query is None
    since = now - timedelta(days=settings.trending_days)
    found = db.trending_candidates(session, since, None if roadmap_wide else topic.id)
    return rank_trending(found, now, settings.trending_half_life_days, settings.trending_limit)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit < 0:
        raise ConfigError(f"--limit must be 0 (everything) or more, not {args.limit}")
    roadmap = load_roadmap(settings.roadmap_path)
    topic = roadmap.topic(args.topic)
    engine = open_store(settings, roadmap)
    now = now_utc()
    with db.session_scope(engine) as session:
        classics = db.topic_seminal(session, topic.id)
        candidates = db.topic_candidates(session, topic.id)
        trending = topic_trending(session, topic, settings, now)
        resources = db.topic_resources(session, topic.id)
    half_life = settings.recent_half_life_days
    items = reading_list(classics, candidates, now, half_life, args.limit or None, trending)
    if args.json:
        print_json(
            {
                "topic": topic.id,
                "name_zh": topic.name_zh,
                "name_en": topic.name_en,
                "level": topic.level,
                "papers": with_extras(engine, items),
                "resources": [resource_json(r) for r in resources],
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
            if item.section in ("recent", "trending")
            else ("" if item.fetched else "not fetched yet")
        )
        mark = {"classic": "★", "trending": "↑"}.get(item.section, "·")
        table.add_row(mark, item.arxiv_id or "-", when, item.title, score, why)
    return table


# -- radar trending --------------------------------------------------------------------------------------
def cmd_trending(args: argparse.Namespace, settings: Settings) -> int:
    """The L4 frontier: papers new within --days across the whole roadmap, ranked by HF upvotes and stars,
    grouped by the week they became news."""
    days = settings.frontier_days if args.days is None else args.days
    if days < 1 or args.limit < 0:
        raise ConfigError("--days must be 1 or more and --limit 0 (everything) or more")
    roadmap = load_roadmap(settings.roadmap_path)
    engine = open_store(settings, roadmap)
    now = now_utc()
    with db.session_scope(engine) as session:
        candidates = db.trending_candidates(session, now - timedelta(days=days))
    weeks = frontier(candidates, now, days, settings.trending_half_life_days, args.limit or None)
    if args.json:
        since = (now - timedelta(days=days)).isoformat()
        print_json({"days": days, "since": since, "until": now.isoformat(),
                    "weeks": [week_json(engine, week) for week in weeks]})  # fmt: skip
        return EXIT_OK
    for week in weeks:
        out.print(frontier_table(week))
    if not weeks:
        out.print(f"Nothing trending in the last {days} day(s): run `radar collect --source hf` first.")
    return EXIT_OK


def week_json(engine: Any, week: FrontierWeek) -> dict[str, Any]:
    items = [trending_item(c, rank) for c, rank in week.papers]
    papers = with_extras(engine, items)
    for paper, (candidate, _rank) in zip(papers, week.papers, strict=True):
        paper["topics"] = list(candidate.topic_ids)
    return {"week": week.label, "start": week.start.isoformat(), "papers": papers}


def frontier_table(week: FrontierWeek) -> Table:
    table = Table(title=f"L4 frontier · week {week.label} (from {week.start:%Y-%m-%d})")
    for column in ("arXiv", "title", "upvotes", "stars", "topics"):
        table.add_column(column, justify="right" if column in ("upvotes", "stars") else "left")
    for candidate, _rank in week.papers:
        hf: HFSignals = candidate.signals
        table.add_row(candidate.paper.arxiv_id, Text(candidate.paper.title), str(hf.upvotes or ""),
                      str(hf.github_stars or ""), ", ".join(candidate.topic_ids[:3]))  # fmt: skip
    return table


# -- radar schedule --------------------------------------------------------------------------------------
def cmd_schedule(args: argparse.Namespace, settings: Settings) -> int:
    """Run the jobs in the foreground until SIGTERM/Ctrl-C, or (--list) show them and their next runs."""
    if args.list:
        jobs = scheduler.list_jobs(settings)
        if args.json:
            print_json({"jobs": [job_json(j) for j in jobs]})
        else:
            out.print(jobs_table(jobs))
        return EXIT_OK
    load_roadmap(settings.roadmap_path)  # a broken roadmap fails now (exit 2), not at the first job
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the rest
    scheduler.serve(settings)
    return EXIT_OK


def job_json(job: scheduler.JobView) -> dict[str, Any]:
    next_run = job.next_run_time.isoformat() if job.next_run_time else None
    return {"id": job.id, "description": job.description, "trigger": job.trigger, "next_run_time": next_run}


def jobs_table(jobs: Sequence[scheduler.JobView]) -> Table:
    table = Table(title="Scheduled jobs (UTC)")
    for column in ("job", "trigger", "next run", "what"):
        table.add_column(column)
    for job in jobs:
        when = f"{job.next_run_time:%Y-%m-%d %H:%M %Z}" if job.next_run_time else "paused"
        table.add_row(job.id, Text(job.trigger), when, job.description)  # Text: "cron[…]" is no markup
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


# -- radar dashboard / up / demo --------------------------------------------------------------------
def add_serving_commands(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="serve the dashboard (Streamlit) on the database")
    add_server_flags(p)
    p = sub.add_parser("up", help="migrate, collect if the database is empty, schedule, serve the dashboard")
    add_server_flags(p)
    p = sub.add_parser("demo", help="load recorded sample data into a demo database and serve it (offline)")
    add_server_flags(p)
    p.add_argument(
        "--database-url", metavar="URL", help="where to load it (default: demo.sqlite beside radar.sqlite)"
    )
    p.add_argument("--no-serve", action="store_true", help="load the sample, do not serve the dashboard")


def add_server_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8501, metavar="N", help="port of the dashboard (default 8501)")
    p.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")


def cmd_dashboard(args: argparse.Namespace, settings: Settings) -> int:
    db.migrate(db.make_engine(settings.database_url))
    where = db.mask_url(settings.database_url)
    out.print(f"Dashboard on http://{args.address}:{args.port} — database {where}")
    return serve.serve_dashboard(settings.database_url, args.port, args.address)


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    """The one command: migrate, a first collection into an empty database, the scheduler, the dashboard."""
    engine = open_store(settings, load_roadmap(settings.roadmap_path))
    if stored_papers(engine) == 0:
        first_collection(engine, settings)
    scheduler = start_scheduler(settings, engine)
    try:
        return cmd_dashboard(args, settings)
    finally:
        scheduler.shutdown(wait=False)


def stored_papers(engine: Any) -> int:
    with db.session_scope(engine) as session:
        return db.paper_count(session)


def first_collection(engine: Any, settings: Settings) -> None:
    """Everything once (`radar collect --source all`); failures are said plainly, the dashboard still runs."""
    out.print("The database is empty: a first collection runs now (every source; this takes a few minutes).")
    started = now_utc()
    try:
        cmd_collect(argparse.Namespace(source="all", topic=[], since=None, until=None, json=False), settings)
    except RadarError as exc:
        err.print(Text(f"The first collection stopped: {exc}"))
    with db.session_scope(engine) as session:
        runs = [r for r in db.last_runs(session, limit=500) if r.started_at >= started]
    problems = serve.unreachable(runs)
    for line in problems:
        err.print(Text(line, style="yellow"))
    if problems:
        held = stored_papers(engine)
        out.print(f"Serving what the database holds ({held} papers); `radar demo` shows a sample.")


def start_scheduler(settings: Settings, engine: Any) -> Any:
    from collector import scheduler

    started = scheduler.start_scheduler(settings, engine)
    for job in started.get_jobs():
        out.print(Text(f"scheduled {job.id}: next run {job.next_run_time:%Y-%m-%d %H:%M %Z}"))
    return started


def demo_database_url() -> str:
    return default_database_url().replace("radar.sqlite", "demo.sqlite")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    settings = settings.model_copy(update={"database_url": args.database_url or demo_database_url()})
    roadmap = load_roadmap(settings.roadmap_path)
    engine = open_store(settings, roadmap)
    with pipeline.Collector(settings, roadmap, engine, now_utc()) as collector:
        runs = demo.load_demo(collector)
    print_runs(runs, f"Demo data loaded into {db.mask_url(settings.database_url)}")
    out.print("Recorded papers, dates as recorded (2025-2026): every paper is new for a first-time reader.")
    return EXIT_OK if args.no_serve else cmd_dashboard(args, settings)


COMMANDS = {"roadmap": cmd_roadmap, "collect": cmd_collect, "list": cmd_list, "status": cmd_status}
COMMANDS.update({"dashboard": cmd_dashboard, "up": cmd_up, "demo": cmd_demo})
COMMANDS.update({"trending": cmd_trending, "schedule": cmd_schedule})


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
    except LockHeldError as exc:  # nothing was fetched: another collector is at it
        say_error(str(exc))
        return EXIT_PARTIAL


if __name__ == "__main__":
    raise SystemExit(main())
