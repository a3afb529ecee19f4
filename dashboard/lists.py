"""What the pages list, decided without Streamlit or SQL: filtering by marks, ranking, counting (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from collector.ranking import CLASSIC_REASON, recency_weight
from dashboard.export import ExportItem
from db import MatchSummary, PaperMarks, PaperRecord, SearchHit, SeminalPaper, TopicMatch

NO_MARKS = PaperMarks()
LEVELS = ("L1", "L2", "L3", "L4")
LEVEL_NAMES = {
    "L1": ("基础级", "Basics"),
    "L2": ("入门级", "Introductory"),
    "L3": ("进阶级", "Advanced"),
    "L4": ("前沿级 / 研究级", "Research frontier"),
}


def unhidden(items: Iterable[MatchSummary], marks: Mapping[str, PaperMarks]) -> list[MatchSummary]:
    return [s for s in items if not marks.get(s.arxiv_id, NO_MARKS).hidden]


def is_new(summary: MatchSummary, new_since: datetime, marks: Mapping[str, PaperMarks]) -> bool:
    """Stored after the reader's cutoff, and neither read nor hidden."""
    mark = marks.get(summary.arxiv_id, NO_MARKS)
    return summary.first_seen > new_since and not (mark.read or mark.hidden)


def new_counts(
    items: Iterable[MatchSummary], new_since: datetime, marks: Mapping[str, PaperMarks]
) -> Counter[str]:
    """Per topic: how many of its papers are new for this reader."""
    return Counter(s.topic_id for s in items if is_new(s, new_since, marks))


def rank_recent(
    items: Iterable[MatchSummary], now: datetime, half_life_days: float
) -> list[tuple[MatchSummary, float]]:
    """Score x recency (collector.ranking's weight); ties to the newer paper, then the id."""
    ranked = [(s, round(s.score * recency_weight(s.published, now, half_life_days), 4)) for s in items]
    ranked.sort(key=lambda pair: (-pair[1], -pair[0].published.timestamp(), pair[0].arxiv_id))
    return ranked


def best_per_paper(items: Iterable[MatchSummary]) -> list[MatchSummary]:
    """One row per paper: its best-scoring topic."""
    best: dict[str, MatchSummary] = {}
    for s in items:
        if s.arxiv_id not in best or s.score > best[s.arxiv_id].score:
            best[s.arxiv_id] = s
    return list(best.values())


def sort_summaries(items: Iterable[MatchSummary], by: str) -> list[MatchSummary]:
    """`by` "score" (then newest) or "date" (newest first, then score)."""
    if by == "date":
        return sorted(items, key=lambda s: (-s.published.timestamp(), -s.score, s.arxiv_id))
    return sorted(items, key=lambda s: (-s.score, -s.published.timestamp(), s.arxiv_id))


def weekly(rows: Iterable[tuple[date, str, int]], label: Mapping[str, str]) -> list[dict[str, object]]:
    """Daily (day, key, count) rows summed into weeks starting on Monday, keys renamed by `label`."""
    weeks: Counter[tuple[date, str]] = Counter()
    for day, key, count in rows:
        weeks[(day - timedelta(days=day.weekday()), label.get(key, key))] += count
    return [{"week": week, "series": name, "papers": n} for (week, name), n in sorted(weeks.items())]


# -- export ------------------------------------------------------------------------------------------------
def paper_item(paper: PaperRecord, note: str = "") -> ExportItem:
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


def classic_item(classic: SeminalPaper) -> ExportItem:
    row, paper = classic.seminal, classic.paper
    if paper is not None:
        return paper_item(paper, f"classic: {CLASSIC_REASON}")
    return ExportItem(
        title=row.title, arxiv_id=row.arxiv_id, year=row.year, url=row.url, doi=row.doi, note="classic"
    )


def match_item(match: TopicMatch, topic_name: str = "") -> ExportItem:
    why = "; ".join(match.reasons)
    return paper_item(match.paper, f"{topic_name}: {why}" if topic_name else why)


def hit_item(hit: SearchHit) -> ExportItem:
    return paper_item(hit.paper, ", ".join(hit.topic_ids))


def export_items(
    classics: Sequence[SeminalPaper] = (), matches: Sequence[TopicMatch] = (), hits: Sequence[SearchHit] = ()
) -> list[ExportItem]:
    return (
        [classic_item(c) for c in classics] + [match_item(m) for m in matches] + [hit_item(h) for h in hits]
    )
