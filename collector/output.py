"""What the `radar` command prints: rich tables and trees for people, JSON for machines, progress (bars on
a terminal, one plain line per source/query in a log or a container).

JSON objects come from the records themselves (dataclasses.asdict, datetimes as ISO 8601), keeping the
documented `--json` shapes; only the reading-list item names its fields, because that shape is a
contract narrower than the item. Text from upstream is untrusted: the consoles read no markup and no
emoji codes at all (`[/]`, `[link=…]` and `:smile:` in a title print as themselves), every untrusted
string goes out through `plain` (a `Text`, its control characters stripped once more: rows stored before
the normaliser stripped them must not reach a terminal as escape sequences either).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from collector import runs
from collector.delivery import DigestOutcome, DigestProgress
from collector.normalise import strip_controls
from collector.ranking import FrontierWeek, ReadingItem
from collector.reading_lists import ReadingList, window_note
from collector.roadmap import Roadmap, Topic
from db import Digest, HFSignals, Resource, RunRow, SubscriberRow, SubscriptionRow

# No markup, no emoji codes, no highlighting: whatever a string holds is printed as it is. Messages on
# stderr are not wrapped by rich: they name files and values that a user copies or greps whole (piped
# stderr is 80 columns wide to rich, and a long path was broken over two lines).
out = Console(highlight=False, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)


def plain(text: object, style: str = "") -> Text:
    """Untrusted text as a rich Text: literal, and without control characters (escape sequences)."""
    return Text(strip_controls(str(text)), style=style)


# -- JSON -----------------------------------------------------------------------------------------------
def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=iso) + "\n")


def iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def topic_json(topic: Topic) -> dict[str, Any]:
    fields = {"id", "level", "name_zh", "name_en", "group", "aliases", "query", "seminal", "resources"}
    return topic.model_dump(mode="json", include=fields)


def run_json(run: RunRow) -> dict[str, Any]:
    return asdict(run)


# The fields of a reading-list item in `radar list --json` (the item holds more: its paper, its signals).
ITEM_FIELDS = (
    "aboutness",
    "arxiv_id",
    "title",
    "published",
    "year",
    "section",
    "score",
    "rank",
    "reasons",
    "url",
    "authors",
)
# HFSignals fields as `radar list --json` names them.
HF_JSON_NAMES = {"upvotes": "hf_upvotes", "comments": "hf_comments", "featured_on": "hf_featured_on"}
HF_JSON_FIELDS = ("upvotes", "comments", "featured_on", "github_repo", "github_stars", "project_page")
RESOURCE_JSON_FIELDS = ("kind", "url", "title", "source", "stars", "likes", "downloads", "published")


def item_json(item: ReadingItem, signals: HFSignals | None, resources: Sequence[Resource]) -> dict[str, Any]:
    """A reading-list line with what Hugging Face says of its paper and the paper's resources."""
    found = {name: getattr(item, name) for name in ITEM_FIELDS}
    return found | hf_json(signals or HFSignals("")) | {"resources": [resource_json(r) for r in resources]}


def hf_json(signals: HFSignals) -> dict[str, Any]:
    found = {HF_JSON_NAMES.get(name, name): getattr(signals, name) for name in HF_JSON_FIELDS}
    return found | {"ai_summary": signals.ai_summary, "ai_keywords": list(signals.ai_keywords)}


def resource_json(resource: Resource) -> dict[str, Any]:
    return {name: getattr(resource, name) for name in RESOURCE_JSON_FIELDS}


def reading_list_json(
    reading: ReadingList,
    items: Sequence[ReadingItem],
    signals: Mapping[str, HFSignals],
    resources: Mapping[str, Sequence[Resource]],
    topic_resources: Sequence[Resource],
) -> dict[str, Any]:
    topic = reading.topic
    papers = [item_json(i, signals.get(i.arxiv_id or ""), resources.get(i.arxiv_id or "", ())) for i in items]
    if reading.frontier:  # the frontier's papers come from every topic: say which each is about
        for paper, item in zip(papers, items, strict=True):
            paper["topics"] = list(item.topic_ids)
    return {
        "topic": topic.id,
        "name_zh": topic.name_zh,
        "name_en": topic.name_en,
        "level": topic.level,
        "window": {
            "since": reading.window.since.isoformat(),
            "days": reading.window.days,
            "widened": reading.window.widened,
        },
        "papers": papers,
        "resources": [resource_json(r) for r in topic_resources],
    }


def week_json(
    week: FrontierWeek, signals: Mapping[str, HFSignals], resources: Mapping[str, Sequence[Resource]]
) -> dict[str, Any]:
    papers = [
        item_json(i, signals.get(i.arxiv_id or ""), resources.get(i.arxiv_id or "", ()))
        | {"topics": list(i.topic_ids)}
        for i in week.papers
    ]
    return {"week": week.label, "start": week.start.isoformat(), "papers": papers}


def subscription_json(sub: SubscriptionRow, subscriber: SubscriberRow | None) -> dict[str, Any]:
    """A subscription as `radar subscriptions --json` gives it (`every` as the CLI names the frequency)."""
    found = asdict(sub) | {"every": sub.frequency, "confirmed": sub.confirmed}
    found |= {"topics": found.pop("topic_ids"), "language": subscriber.language if subscriber else None}
    return found | {"reader": subscriber.reader if subscriber else None}


# -- tables ---------------------------------------------------------------------------------------------
def roadmap_tree(roadmap: Roadmap, path: object) -> Tree:
    tree = Tree(Text.assemble(("Roadmap Radar", "bold"), plain(f" — {len(roadmap.topics)} topics ({path})")))
    for level, info in roadmap.levels.items():
        branch = tree.add(Text.assemble((level, "bold cyan"), plain(f" {info.name_zh} / {info.name_en}")))
        groups: dict[str | None, Tree] = {}
        for topic in roadmap.topics_at(level):
            parent = groups.get(topic.group) or branch
            if topic.group and topic.group not in groups:
                parent = groups[topic.group] = branch.add(plain(topic.group, style="magenta"))
            detail = (
                f" ({topic.id}, {len(topic.seminal)} classics"
                + ("" if topic.query else ", no arXiv query")
                + ")"
            )
            parent.add(Text.assemble(plain(f"{topic.name_zh} · {topic.name_en}"), plain(detail, "dim")))
    return tree


COUNT_COLUMNS = ("fetched", "new", "updated", "errors", "requests")


STATUS_STYLES = {"failed": "red", "skipped": "yellow", "interrupted": "yellow", "running": "cyan"}


def runs_table(rows: Sequence[RunRow], title: str) -> Table:
    """One row per source/query; notes and errors go below the table (`print_runs`), where they fit."""
    table = Table(title=plain(title))
    table.add_column("#", justify="right")
    table.add_column("source")
    table.add_column("query", overflow="fold", ratio=1)
    table.add_column("status")
    for column in COUNT_COLUMNS:
        table.add_column(column, justify="right")
    for number, r in enumerate(rows, 1):
        counts = (str(getattr(r, column)) for column in COUNT_COLUMNS)
        cells = (plain(r.source), plain(r.query), plain(r.status))
        table.add_row(str(number), *cells, *counts, style=STATUS_STYLES.get(r.status))
    if not rows:
        table.add_row("", "-", "nothing to do", "", *("0" for _ in COUNT_COLUMNS))
    return table


def print_runs(rows: Sequence[RunRow], title: str) -> None:
    out.print(runs_table(rows, title))
    for number, r in enumerate(rows, 1):
        if r.error:
            style = STATUS_STYLES.get(r.status, "dim")
            out.print(Text.assemble(plain(f"#{number} {r.source}: ", style), plain(r.error)))


def print_unreachable(found: Sequence[runs.Unreachable]) -> None:
    """One line per upstream this run could not reach, with how many source/queries it skipped."""
    for upstream in found:
        err.print(plain(upstream.sentence(), "yellow"))


def reading_table(reading: ReadingList, items: Sequence[ReadingItem]) -> Table:
    topic = reading.topic
    title = f"{topic.level} · {topic.name_zh} · {topic.name_en}\n{window_note(reading)}"
    if reading.applications_total:
        title += f" {reading.applications_total} more only use it (◦ applications)."
    table = Table(title=plain(title), show_lines=False)
    for column in ("", "arXiv", "date", "title", "score", "why"):
        table.add_column(column)
    for item in items:
        when = item.published.isoformat() if item.published else str(item.year or "")
        score = "" if item.score is None else f"{item.score:g}"
        why = (
            "; ".join(item.reasons)
            if item.section != "classic"
            else ("" if item.fetched else "not fetched yet")
        )
        mark = {"classic": "★", "trending": "↑", "applications": "◦"}.get(item.section, "·")
        table.add_row(mark, plain(item.arxiv_id or "-"), when, plain(item.title), score, plain(why))
    return table


def frontier_table(week: FrontierWeek) -> Table:
    table = Table(title=plain(f"L4 frontier · week {week.label} (from {week.start:%Y-%m-%d})"))
    for column in ("arXiv", "title", "upvotes", "stars", "topics"):
        table.add_column(column, justify="right" if column in ("upvotes", "stars") else "left")
    for item in week.papers:
        hf = item.signals or HFSignals("")
        table.add_row(plain(item.arxiv_id or ""), plain(item.title), str(hf.upvotes or ""),
                      str(hf.github_stars or ""), plain(", ".join(item.topic_ids[:3])))  # fmt: skip
    return table


def jobs_table(jobs: Sequence[Any]) -> Table:
    table = Table(title="Scheduled jobs (UTC)")
    for column in ("job", "trigger", "next run", "what"):
        table.add_column(column)
    for job in jobs:
        when = f"{job.next_run_time:%Y-%m-%d %H:%M %Z}" if job.next_run_time else "paused"
        table.add_row(
            plain(job.id), plain(job.trigger), when, plain(job.description)
        )  # "cron[…]" is no markup
    return table


def checksums_table(found: Sequence[tuple[str, Digest, Digest]]) -> Table:
    """Each copied table's rows and checksum on both sides, and whether they agree."""
    table = Table(title="Verification: rows and checksums, source → target")
    for column, justify in (("table", "left"), ("rows", "right"), ("target rows", "right"),
                            ("checksum", "left"), ("same", "left")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for name, mine, theirs in found:
        same = Text("yes", style="green") if mine == theirs else Text("NO", style="bold red")
        table.add_row(name, f"{mine.rows:,}", f"{theirs.rows:,}", f"{mine.checksum:016x}", same)
    return table


def say_error(message: str) -> None:
    err.print(Text.assemble(("error: ", "bold red"), plain(message)))


def say(message: str, style: str = "") -> None:
    out.print(plain(message, style))


# -- progress -------------------------------------------------------------------------------------------
def progress_bars(disable: bool) -> Progress:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
    )
    return Progress(*columns, TimeElapsedColumn(), console=err, transient=False, disable=disable)


@contextmanager
def collect_progress(as_json: bool) -> Iterator[runs.Progress]:
    """Bars on a terminal (none with --json); elsewhere (a log, a container, a pipe) one plain line per
    source/query on stderr, so progress is visible where nothing redraws."""
    if not err.is_terminal:
        yield LineProgress(err)
        return
    with progress_bars(disable=as_json) as bars:
        yield RichProgress(bars)


class LineProgress(runs.Progress):
    """One line per finished source/query with its counts: what a log can count."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def finish(self, label: str, run: RunRow) -> None:
        self.console.print(plain(progress_line(run), STATUS_STYLES.get(run.status, "")), soft_wrap=True)


def progress_line(run: RunRow) -> str:
    """One source/query as a line, e.g.
    `api 2025-06-01..2026-06-30 lora: ok, 3 page(s), 250 fetched, 200 new, 3 updated, 4 request(s), 9.1 s`."""
    seconds = (run.finished_at - run.started_at).total_seconds()
    counts = f"{run.pages} page(s), {run.fetched} fetched, {run.new} new, {run.updated} updated"
    line = f"{run.source} {run.query}: {run.status}, {counts}, {run.requests} request(s), {seconds:.1f} s"
    problem = (run.error or "").splitlines()[0][:300] if run.error and not run.ok else ""
    return f"{line} — {problem}" if problem else line


class RichProgress(runs.Progress):
    """One bar per source/query; searches learn their total as they go, so they show a spinner until done."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.tasks: dict[str, Any] = {}

    def start(self, label: str, total: int | None) -> None:
        self.tasks[label] = self.bars.add_task(label[:60], total=total)

    def advance(self, label: str, fetched: int, total: int | None = None) -> None:
        if label in self.tasks:
            self.bars.update(self.tasks[label], advance=fetched, total=total)

    def finish(self, label: str, run: RunRow) -> None:
        task = self.tasks[label]
        self.bars.update(task, total=max(run.fetched, 1), completed=max(run.fetched, 1))


# -- subscriptions and digests ----------------------------------------------------------------------------
def subscriptions_table(rows: Sequence[SubscriptionRow], subscribers: Mapping[str, SubscriberRow]) -> Table:
    table = Table(title=f"Subscriptions ({len(rows)})")
    for column in ("#", "address", "topics", "levels", "every", "lang", "status", "last digest"):
        table.add_column(column, overflow="fold")
    for sub in rows:
        language = subscribers[sub.email].language if sub.email in subscribers else ""
        status = Text("confirmed") if sub.confirmed else Text("pending opt-in", style="yellow")
        if sub.error:
            status = Text(f"failing: {sub.error[:80]}", style="red")
        last = f"{sub.sent_at:%Y-%m-%d %H:%M}" if sub.sent_at else "never"
        table.add_row(str(sub.id), Text(sub.email), Text(", ".join(sub.topic_ids)), ", ".join(sub.levels),
                      sub.frequency, language, status, last)  # fmt: skip
    return table


def digests_table(outcomes: Sequence[DigestOutcome], title: str) -> Table:
    """One row per digest of a run: to whom, how often, papers listed + counted, what happened."""
    table = Table(title=title)
    for column in ("to", "every", "papers", "status"):
        table.add_column(column, overflow="fold")
    styles = {"sent": "green", "rejected": "red", "deferred": "yellow", "unsent": "red", "empty": "dim"}
    for o in outcomes:
        papers = f"{o.listed} listed" + (f" + {o.counted} counted" if o.counted else "")
        status = Text(o.status + (f": {o.detail}" if o.detail else ""), style=styles.get(o.status, ""))
        table.add_row(Text(o.email), o.frequency, papers, status)
    if not outcomes:
        table.add_row("-", "", "", "nothing due")
    return table


class DigestBar(DigestProgress):
    """A progress bar over a run's digests."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.task: TaskID | None = None

    def start(self, total: int) -> None:
        self.task = self.bars.add_task("digests", total=total)

    def done(self, outcome: DigestOutcome) -> None:
        if self.task is not None:
            self.bars.update(self.task, advance=1)
