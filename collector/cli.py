"""The `radar` command: parse the arguments, then dispatch to collector.commands. Nothing else happens
here; exit codes are 0 ok, 1 a source failed (what was fetched is kept), another collection (or digest
run) holds the lock, or a mail was not delivered, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

import db
from collector import commands, db_commands
from collector.config import Settings, load_settings
from collector.errors import ConfigError, LockHeldError, MailError, RoadmapError
from collector.normalise import strip_controls, utc_moment
from collector.output import err, plain, say_error
from collector.pipeline import sources_for
from collector.source_runs import Request
from collector.sources import Source
from collector.subscribing import SubscriptionRequest
from db import FREQUENCIES, LANGUAGES

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = commands.EXIT_OK, commands.EXIT_PARTIAL, commands.EXIT_USAGE
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by SIGINT


# arXiv began in 1991: an earlier date is a typo, and one before year 1 cannot be computed with at all.
EARLIEST = datetime(1991, 1, 1, tzinfo=UTC)


def parse_date(text: str) -> datetime:
    """`YYYY-MM-DD` (start of that day, UTC) or a full ISO timestamp, as aware UTC from 1991 on."""
    shown = strip_controls(text)[:60]
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {shown!r} (expected YYYY-MM-DD)") from None
    moment = utc_moment(parsed)
    if moment is None or moment < EARLIEST:
        raise argparse.ArgumentTypeError(f"{shown!r} is out of range (dates from 1991, when arXiv began)")
    return moment


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

    p = sub.add_parser("status", help="the last collection runs (live ones too), and whether data is stale")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many runs (default 20)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when no collection has succeeded for RADAR_STALE_AFTER_HOURS (a container healthcheck)",
    )

    add_digest_commands(sub.add_parser)

    add_db_commands(sub)

    for name, what in (
        ("dashboard", "serve the dashboard (Streamlit) on the database"),
        ("up", "serve the dashboard at once, collect in the background if the database is empty, schedule"),
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


def add_digest_commands(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """subscribe, subscriptions, unsubscribe, digest send, feed (`add_parser`: the subcommands' adder)."""
    p = add_parser("subscribe", help="subscribe an address to digests of topics and/or levels")
    p.add_argument("email", metavar="EMAIL")
    p.add_argument("--topic", nargs="+", action="extend", default=[], metavar="ID", help="topics to follow")
    p.add_argument(
        "--level", nargs="+", action="extend", default=[], metavar="L", help="every topic of a level"
    )
    p.add_argument("--every", choices=FREQUENCIES, default="daily", help="how often (default daily)")
    p.add_argument(
        "--language",
        choices=LANGUAGES,
        help="language of the mail (default: the address's, or en for a new one)",
    )
    p.add_argument("--reader", metavar="NAME", help="dashboard reader profile whose read marks the mail uses")
    p.add_argument(
        "--confirmed", action="store_true", help="skip the opt-in mail (the operator vouches for the address)"
    )
    p = add_parser("subscriptions", help="list the subscriptions")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = add_parser("unsubscribe", help="remove an address (or some of its topics and levels)")
    p.add_argument("email", metavar="EMAIL")
    p.add_argument("--topic", nargs="+", action="extend", default=[], metavar="ID", help="only these topics")
    p.add_argument("--level", nargs="+", action="extend", default=[], metavar="L", help="only these levels")
    p = add_parser("digest", help="topic digests by mail")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("send", help="send the digests due now")
    p.add_argument("--dry-run", action="store_true", help="print what would be sent; send and store nothing")
    p.add_argument("--to", metavar="EMAIL", help="only this address's digests, due or not")
    p = add_parser("feed", help="print a topic's or a level's Atom feed")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--topic", metavar="ID")
    which.add_argument("--level", metavar="L")


def subscription_request(args: argparse.Namespace) -> SubscriptionRequest:
    return SubscriptionRequest(
        args.email, tuple(args.topic), tuple(args.level), args.every, args.language, args.reader
    )


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
    "status": lambda a, s: commands.show_status(s, a.limit, a.json, a.check),
    "dashboard": lambda a, s: commands.dashboard(s, a.port, a.address),
    "up": lambda a, s: commands.up(s, a.port, a.address),
    "demo": lambda a, s: commands.load_demo(s, a.database_url, not a.no_serve, a.port, a.address),
    "subscribe": lambda a, s: commands.subscribe(s, subscription_request(a), a.confirmed),
    "subscriptions": lambda a, s: commands.show_subscriptions(s, a.json),
    "unsubscribe": lambda a, s: commands.unsubscribe(s, a.email, a.topic, a.level),
    "digest": lambda a, s: commands.send_digests(s, a.to, a.dry_run),
    "feed": lambda a, s: commands.print_feed(s, a.topic, a.level),
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
    """The settings, or a ConfigError naming each bad variable and what was wrong with it (or the `.env`
    file that could not be read)."""
    try:
        return load_settings()
    except ValidationError as exc:
        problems = [
            f"RADAR_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']} (got {shown(e.get('input'))})"
            for e in exc.errors()
        ]
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None
    except (UnicodeDecodeError, OSError, SettingsError) as exc:
        where = Path.cwd() / ".env"
        raise ConfigError(f"cannot read the settings file {where}: {exc} (it must be UTF-8 text)") from None


def shown(value: object) -> str:
    """A bad setting's value as the message shows it: repr, short, without control characters."""
    text = strip_controls(repr(value))
    return text if len(text) <= 80 else text[:77] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, settings_from_env())
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM during a collection: the run rows say "interrupted"
        say_error("interrupted")
        return EXIT_INTERRUPTED
    except RoadmapError as exc:
        say_error(f"{exc.path} is invalid ({len(exc.problems)} problem(s)):")
        for problem in exc.problems:
            err.print(plain("  " + problem))
        return EXIT_USAGE
    except (ConfigError, db.StorageError) as exc:
        say_error(str(exc))
        return EXIT_USAGE
    except LockHeldError as exc:  # nothing was fetched (or sent): another collector (or digest run) is at it
        say_error(str(exc))
        return EXIT_PARTIAL
    except MailError as exc:  # an opt-in mail the SMTP server would not take
        say_error(f"mail to {exc.recipient or 'the SMTP server'} not sent: {exc}")
        return EXIT_PARTIAL


if __name__ == "__main__":
    raise SystemExit(main())
