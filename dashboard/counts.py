"""The counts the pages show, each defined once and labelled with what it counts (pure: the reads behind
them are dashboard.data.counts, the SQL db.counts).

    stored papers              every paper in the database: `radar status`'s "papers"
    matched to a topic         papers matched to at least one topic, each once
    about it                   per topic: papers about it published in its reading list's window — the last
                               RADAR_RECENT_DAYS days, widened to a year or three when fewer than
                               RADAR_WIDEN_BELOW are — as its New section holds them (`radar list`, the Topic
                               page's New tab): its classics and trending papers are listed apart, and the
                               papers the reader hid are left out (as the Topic page leaves them out)
    new since your last visit  papers first stored after the reader's cutoff and not read or hidden; per
                               topic its matches, per level and overall each paper once (What's new)
    classics read              the roadmap's classics with an arXiv id that the reader marked read
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from collector.config import Settings
from collector.reading_lists import Window
from dashboard.i18n import t
from dashboard.lists import is_new
from db import MatchSummary, PaperMarks, TopicRow


@dataclass(frozen=True, slots=True)
class Counts:
    """Every figure of the Roadmap page for one reader at one moment."""

    stored: int
    matched: int
    days: int  # RADAR_RECENT_DAYS, the window of `about` unless widened
    widen: int  # RADAR_WIDEN_BELOW: a topic with fewer about it in `days` widens its window
    about: Mapping[str, tuple[int, Window]]  # per topic, with its window; the roadmap-wide frontier absent
    new: tuple[MatchSummary, ...]  # the reader's new matches
    read: frozenset[str]  # papers the reader marked read
    new_since: datetime
    new_by_topic: Mapping[str, int]  # how many of `new` each topic holds
    newest: Mapping[str, datetime]  # per topic, when the newest of its new papers was stored

    def about_label(self, topic_id: str) -> str:
        """ "20 about it", or "4 about it (3 years)" when the topic's window widened."""
        total, window = self.about[topic_id]
        if not window.widened:
            return t("counts.about_n", total=total)
        years = t("counts.years", count=round(window.days / 365))
        return t("counts.about_widened", total=total, years=years)

    def new_papers(self, topic_ids: Collection[str] | None = None) -> int:
        """New papers in these topics (None: in any), each once."""
        return len({s.arxiv_id for s in self.new if topic_ids is None or s.topic_id in topic_ids})

    def classics(self, topics: Iterable[TopicRow]) -> tuple[int, int]:
        """(read, on arXiv) over these topics' classics; a classic named by two topics counts in each."""
        ids = [c.arxiv_id for t in topics for c in t.seminal if c.arxiv_id]
        return sum(1 for i in ids if i in self.read), len(ids)


def offline_classics(topics: Iterable[TopicRow]) -> int:
    """Classics without an arXiv id (a reader cannot mark them read yet)."""
    return sum(1 for t in topics for c in t.seminal if not c.arxiv_id)


def tally(
    stored: int,
    matched: int,
    settings: Settings,
    about: Mapping[str, tuple[int, Window]],
    since_cutoff: Iterable[MatchSummary],
    marks: Mapping[str, PaperMarks],
    new_since: datetime,
) -> Counts:
    """The counts, from the stored figures and the matches stored since the reader's cutoff."""
    new = tuple(s for s in since_cutoff if is_new(s, new_since, marks))
    read = frozenset(arxiv_id for arxiv_id, mark in marks.items() if mark.read)
    newest: dict[str, datetime] = {}
    for s in new:
        newest[s.topic_id] = max(newest.get(s.topic_id, s.first_seen), s.first_seen)
    by_topic = Counter(s.topic_id for s in new)
    days, widen = settings.recent_days, settings.widen_below
    return Counts(stored, matched, days, widen, about, new, read, new_since, by_topic, newest)
