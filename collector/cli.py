"""The `radar` command: parse the arguments, then dispatch to collector.commands. Nothing else happens
here; exit codes are 0 ok, 1 a source failed (what was fetched is kept) or another collection holds the
lock, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

from pydantic import ValidationError
from rich.text import Text

import db
from collector import commands, db_commands
from collector.config import Settings, load_settings
from collector.errors import ConfigError, LockHeldError, RoadmapError
from collector.output import err, say_error
from collector.pipeline import sources_for
from collector.source_runs import Request
from collector.sources import Source

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = commands.EXIT_OK, commands.EXIT_PARTIAL, commands.EXIT_USAGE


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
        choices=[*Source, "all"],
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
    p.add_argument("--days", type=int, metavar="N", help="recent: published in the last N days (default 90)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("trending", help="the L4 frontier: new and trending papers of the roadmap, by week")
    p.add_argument("--days", type=int, metavar="N", help="papers new in the last N days (default 7)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N papers a week (0: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("schedule", help="run the collector on a schedule, in the foreground")
    p.add_argument("--list", action="store_true", help="show the jobs and their next run times, then exit")
    p.add_argument(
        "--check",
        action="store_true",
        help="health check: exit 1 when a stored job is overdue (no scheduler)",
    )
    p.add_argument("--json", action="store_true", help="with --list: machine-readable output")

    p = sub.add_parser("status", help="the last collection runs")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many runs (default 20)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    add_db_commands(sub)

    for name, what in (
        ("dashboard", "serve the dashboard (Streamlit) on the database"),
        ("up", "migrate, collect if the database is empty, schedule, serve the dashboard"),
        ("demo", "load recorded sample data into a demo database and serve it (offline)"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument(
            "--port", type=int, default=8501, metavar="N", help="port of the dashboard (default 8501)"
        )
        p.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--database-url", metavar="URL", help="where to load it (default: demo.sqlite beside radar.sqlite)"
    )
    p.add_argument("--no-serve", action="store_true", help="load the sample, do not serve the dashboard")
    return parser


def add_db_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("db", help="the database: upgrade its schema, copy it to another URL")
    db_sub = p.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_sub.add_parser("upgrade", help="apply the migrations the database lacks (the services need them)")
    p = db_sub.add_parser(
        "copy", help="copy the database (RADAR_DATABASE_URL) to another URL, resumably, and verify it"
    )
    p.add_argument("--to", required=True, metavar="URL", help="target database, e.g. postgresql+psycopg://…")
    p.add_argument(
        "--batch-size", type=int, default=db_commands.DEFAULT_BATCH, metavar="N", help="rows per commit"
    )
    p.add_argument("--restart", action="store_true", help="empty the target's tables first")


def collect_request(args: argparse.Namespace) -> Request:
    return Request(
        sources_for(args.source), tuple(args.topic), args.since, args.until, daily=args.source is None
    )


Command = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, Command] = {
    "roadmap": lambda a, s: commands.show_roadmap(s, a.json),
    "collect": lambda a, s: commands.collect(s, collect_request(a), a.json),
    "list": lambda a, s: commands.show_list(s, a.topic, a.limit, a.days, a.json),
    "trending": lambda a, s: commands.show_trending(s, a.days, a.limit, a.json),
    "schedule": lambda a, s: schedule(a, s),
    "status": lambda a, s: commands.show_status(s, a.limit, a.json),
    "dashboard": lambda a, s: commands.dashboard(s, a.port, a.address),
    "up": lambda a, s: commands.up(s, a.port, a.address),
    "demo": lambda a, s: commands.load_demo(s, a.database_url, not a.no_serve, a.port, a.address),
    "db": lambda a, s: DB_COMMANDS[a.db_command](a, s),
}
DB_COMMANDS: dict[str, Command] = {
    "upgrade": lambda a, s: db_commands.upgrade(s),
    "copy": lambda a, s: db_commands.copy(s, a.to, a.batch_size, a.restart),
}


def schedule(args: argparse.Namespace, settings: Settings) -> int:
    if args.check:
        return commands.check_schedule(settings)
    return commands.show_schedule(settings, args.json) if args.list else commands.run_schedule(settings)


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
