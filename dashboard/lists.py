"""What the pages list besides the ranked reading lists, decided without Streamlit or SQL: filtering by a
reader's marks, what is new, and export lines (pure; charts: dashboard.charts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from collector.ranking import ReadingItem
from dashboard.export import ExportItem
from db import MatchSummary, PaperMarks, PaperRecord, SearchHit, TopicMatch

NO_MARKS = PaperMarks()


def unhidden(items: Iterable[MatchSummary], marks: Mapping[str, PaperMarks]) -> list[MatchSummary]:
    return [s for s in items if not marks.get(s.arxiv_id, NO_MARKS).hidden]


def hidden_ids(marks: Mapping[str, PaperMarks]) -> frozenset[str]:
    return frozenset(arxiv_id for arxiv_id, mark in marks.items() if mark.hidden)


def is_new(summary: MatchSummary, new_since: datetime, marks: Mapping[str, PaperMarks]) -> bool:
    """Stored after the reader's cutoff, and neither read nor hidden."""
    mark = marks.get(summary.arxiv_id, NO_MARKS)
    return summary.first_seen > new_since and not (mark.read or mark.hidden)


# -- export ------------------------------------------------------------------------------------------------
def paper_export(paper: PaperRecord, note: str = "") -> ExportItem:
    return ExportItem(
        title=paper.title,
        arxiv_id=paper.arxiv_id,
        authors=paper.authors,
        year=paper.published.year,
        published=paper.published.date(),
        categories=paper.categories,
        doi=paper.doi,
        note=note,
    )


def item_export(item: ReadingItem) -> ExportItem:
    """A reading-list line: its paper when stored, else the classic as the roadmap names it."""
    note = "classic" if item.section == "classic" else "; ".join(item.reasons)
    if item.paper is not None:
        return paper_export(item.paper, note)
    return ExportItem(title=item.title, arxiv_id=item.arxiv_id, year=item.year, url=item.url, note=note)


def match_export(match: TopicMatch) -> ExportItem:
    return paper_export(match.paper, "; ".join(match.reasons))


def hit_export(hit: SearchHit) -> ExportItem:
    return paper_export(hit.paper, ", ".join(hit.topic_ids))
