"""What the pages list besides the ranked reading lists, decided without Streamlit or SQL: filtering by a
reader's marks, pages of a long list, why a paper is listed (in words), and export lines (pure; what is
new: dashboard.counts; charts: dashboard.charts)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from collector.aboutness import PHRASES
from collector.ranking import ReadingItem
from collector.reading_lists import ReadingList
from dashboard.export import ExportItem
from dashboard.i18n import t
from db import MatchSummary, PaperMarks, PaperRecord, SearchHit, TopicMatch

NO_MARKS = PaperMarks()
# How the aboutness verdict of a match reads on a card ("about: the title names LoRA; …").
VERDICTS = ("about", "uses")
FIELDS = ("title", "abstract", "authors", "comment")
TERM = re.compile(r'^(\w+): "(.*)"$')
# The sections of an exported reading list, in order, as its headings name them.
EXPORT_SECTIONS = {
    "classic": "Classics, in reading order",
    "recent": "New: papers about the topic",
    "trending": "Trending",
    "applications": "Applications: papers that use the topic",
}


def unhidden(items: Iterable[MatchSummary], marks: Mapping[str, PaperMarks]) -> list[MatchSummary]:
    return [s for s in items if not marks.get(s.arxiv_id, NO_MARKS).hidden]


def hidden_ids(marks: Mapping[str, PaperMarks]) -> frozenset[str]:
    return frozenset(arxiv_id for arxiv_id, mark in marks.items() if mark.hidden)


def is_new(summary: MatchSummary, new_since: datetime, marks: Mapping[str, PaperMarks]) -> bool:
    """Stored after the reader's cutoff, and neither read nor hidden."""
    mark = marks.get(summary.arxiv_id, NO_MARKS)
    return summary.first_seen > new_since and not (mark.read or mark.hidden)


def plural(count: int, word: str, words: str | None = None) -> str:
    """ "1 paper", "2 papers" ("1 match", "3 matches" with `words`)."""
    return f"{count} {word if count == 1 else words or word + 's'}"


# -- how much of a long list is shown ---------------------------------------------------------------------
def shown_count(wanted: int, step: int) -> int:
    """How many papers of a list to show: `wanted` (from the URL) in whole steps, at least one step."""
    return max(-(-wanted // step), 1) * step


# -- why a paper is listed ---------------------------------------------------------------------------------
def why_line(reasons: Sequence[str], terms: bool = False) -> str:
    """Why a paper is in a list, in words: "About the topic — the title names LoRA; …", "Uses it — …", other
    reasons (upvotes, stars) as they are, and the words it matched ("“LoRA” in the title") when nothing
    judged it, or with `terms`."""
    judged = [verdict(r) for r in reasons if r.split(":")[0] in VERDICTS]
    matched = [term(found) for found in map(TERM.match, reasons) if found]
    other = [r for r in reasons if r.split(":")[0] not in VERDICTS and not TERM.match(r)]
    said = judged + other
    if matched and (terms or not judged):
        said.append(t("why.matched", terms=t("why.term_sep").join(matched)))
    line = t("why.sep").join(said)
    return line[:1].upper() + line[1:]


def verdict(reason: str) -> str:
    name, _, why = reason.partition(":")
    label = t(f"why.{name}")
    if not why.strip():
        return label
    return t("why.verdict", verdict=label, why=t("why.sep").join(map(phrase, why.strip().split("; "))))


@functools.cache
def phrase_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """collector.aboutness's reason phrases ("the title is about {t}") as patterns, each with its key."""
    found = []
    for name, (about, uses) in PHRASES.items():
        for side, template in (("about", about), ("uses", uses)):
            if template:
                head, _, tail = template.partition("{t}")
                pattern = re.escape(head) + ("(?P<t>.+)" if "{t}" in template else "") + re.escape(tail)
                found.append((re.compile(f"^{pattern}$"), f"why.{name}_{side}"))
    return tuple(found)


def phrase(said: str) -> str:
    """One reason phrase of the collector in the reader's language ("the title is about LoRA" → "标题研究的
    就是 LoRA"); a phrase it does not know stays as it is."""
    for pattern, key in phrase_patterns():
        if found := pattern.match(said):
            return t(key, **found.groupdict())
    return said


def term(found: re.Match[str]) -> str:
    field, words = found.groups()
    return t("why.term", words=words, field=t(f"why.field_{field}") if field in FIELDS else field)


# -- export ------------------------------------------------------------------------------------------------
def paper_export(paper: PaperRecord, note: str = "", section: str = "") -> ExportItem:
    return ExportItem(
        title=paper.title,
        arxiv_id=paper.arxiv_id,
        authors=paper.authors,
        year=paper.published.year,
        published=paper.published.date(),
        categories=paper.categories,
        doi=paper.doi,
        note=note,
        section=section,
    )


def item_export(item: ReadingItem) -> ExportItem:
    """A reading-list line under its section's heading: its paper when stored, else the classic as the
    roadmap names it; why it is there in words (a classic's place is its number)."""
    section = EXPORT_SECTIONS.get(item.section, item.section)
    note = "" if item.section == "classic" else why_line(item.reasons)
    if item.paper is not None:
        return paper_export(item.paper, note, section)
    return ExportItem(
        title=item.title, arxiv_id=item.arxiv_id, year=item.year, url=item.url, note=note, section=section
    )


def reading_export(reading: ReadingList) -> list[ExportItem]:
    """A topic's whole reading list as exported: classics, new, trending, applications."""
    return [
        item_export(i) for i in reading.classics + reading.recent + reading.trending + reading.applications
    ]


def match_export(match: TopicMatch, topic: str = "") -> ExportItem:
    why = why_line(match.about_reasons + match.reasons)
    return paper_export(match.paper, f"{topic} · {why}" if topic and why else topic or why)


def hit_export(hit: SearchHit) -> ExportItem:
    return paper_export(hit.paper, ", ".join(hit.topic_ids))
