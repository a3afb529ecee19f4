"""What the `radar` command prints: rich tables and trees for people, JSON for machines, progress bars.

JSON objects come from the records themselves (dataclasses.asdict, datetimes as ISO 8601), keeping the
documented `--json` shapes; only the reading-list item names its fields, because that shape is a
contract narrower than the item. Text from upstream is untrusted: it goes into tables as `Text`, never
as Rich markup.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

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

from collector import runs
from collector.ranking import FrontierWeek, ReadingItem
from collector.reading_lists import ReadingList
from collector.roadmap import Roadmap, Topic
from db import Digest, HFSignals, Resource, RunRow

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


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
    return {
        "topic": topic.id,
        "name_zh": topic.name_zh,
        "name_en": topic.name_en,
        "level": topic.level,
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


# -- tables ---------------------------------------------------------------------------------------------
def roadmap_tree(roadmap: Roadmap, path: object) -> Tree:
    tree = Tree(f"[bold]Roadmap Radar[/] — {len(roadmap.topics)} topics ({path})")
    for level, info in roadmap.levels.items():
        branch = tree.add(Text.assemble((level, "bold cyan"), f" {info.name_zh} / {info.name_en}"))
        groups: dict[str | None, Tree] = {}
        for topic in roadmap.topics_at(level):
            parent = groups.get(topic.group) or branch
            if topic.group and topic.group not in groups:
                parent = groups[topic.group] = branch.add(Text(topic.group, style="magenta"))
            detail = (
                f" ({topic.id}, {len(topic.seminal)} classics"
                + ("" if topic.query else ", no arXiv query")
                + ")"
            )
            parent.add(Text.assemble(f"{topic.name_zh} · {topic.name_en}", (detail, "dim")))
    return tree


COUNT_COLUMNS = ("fetched", "new", "updated", "errors", "requests")


def runs_table(rows: Sequence[RunRow], title: str) -> Table:
    """One row per source/query; notes and errors go below the table (`print_runs`), where they fit."""
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("source")
    table.add_column("query", overflow="fold", ratio=1)
    for column in COUNT_COLUMNS:
        table.add_column(column, justify="right")
    for number, r in enumerate(rows, 1):
        counts = (str(getattr(r, column)) for column in COUNT_COLUMNS)
        table.add_row(str(number), Text(r.source), Text(r.query), *counts, style="red" if r.errors else None)
    if not rows:
        table.add_row("", "-", "nothing to do", *("0" for _ in COUNT_COLUMNS))
    return table


def print_runs(rows: Sequence[RunRow], title: str) -> None:
    out.print(runs_table(rows, title))
    for number, r in enumerate(rows, 1):
        if r.error:
            style = "red" if r.errors else "dim"
            out.print(Text.assemble((f"#{number} {r.source}: ", style), r.error))


def reading_table(reading: ReadingList, items: Sequence[ReadingItem]) -> Table:
    topic = reading.topic
    window = f"{reading.recent_total} recent papers (last {reading.days} days)"
    if reading.quiet:
        window = f"nothing published in the last {reading.days} days: the latest papers"
    table = Table(
        title=Text(f"{topic.level} · {topic.name_zh} · {topic.name_en} — {window}"), show_lines=False
    )
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
        mark = {"classic": "★", "trending": "↑"}.get(item.section, "·")
        table.add_row(mark, item.arxiv_id or "-", when, Text(item.title), score, Text(why))
    return table


def frontier_table(week: FrontierWeek) -> Table:
    table = Table(title=f"L4 frontier · week {week.label} (from {week.start:%Y-%m-%d})")
    for column in ("arXiv", "title", "upvotes", "stars", "topics"):
        table.add_column(column, justify="right" if column in ("upvotes", "stars") else "left")
    for item in week.papers:
        hf = item.signals or HFSignals("")
        table.add_row(item.arxiv_id, Text(item.title), str(hf.upvotes or ""), str(hf.github_stars or ""),
                      ", ".join(item.topic_ids[:3]))  # fmt: skip
    return table


def jobs_table(jobs: Sequence[Any]) -> Table:
    table = Table(title="Scheduled jobs (UTC)")
    for column in ("job", "trigger", "next run", "what"):
        table.add_column(column)
    for job in jobs:
        when = f"{job.next_run_time:%Y-%m-%d %H:%M %Z}" if job.next_run_time else "paused"
        table.add_row(job.id, Text(job.trigger), when, Text(job.description))  # "cron[…]" is no markup
    return table


def digests_table(found: Sequence[tuple[str, Digest, Digest]]) -> Table:
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
    err.print(Text.assemble(("error: ", "bold red"), message))


# -- progress -------------------------------------------------------------------------------------------
def progress_bars(disable: bool) -> Progress:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeElapsedColumn(), console=err, transient=False, disable=disable)


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
