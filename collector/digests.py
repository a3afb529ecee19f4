"""Digests: what one address receives for one frequency, decided from db reads and collector.ranking
(no SMTP and no writes here; `now` is passed in).

    confirmed subscriptions ──plan_digests (due today?)──▶ DigestPlan per (address, frequency)
    DigestPlan ──digest_papers──▶ each topic's new papers, ranked as the reading lists rank them
               ──build_digest──▶ Digest: levels ▸ topics ▸ papers (+ counts with links), the topics' new
                                 resources, a footer of classics the reader has not marked read, and the
                                 ledger entries to record once the mail is accepted

What is new: a match first recorded after the subscription's period start — its creation, or two days
before its last digest run (RESCAN: a collection may commit a match stamped before that run started) —
of a paper published at most RADAR_DIGEST_DAYS before that first recording (so a backfill never floods a
mailbox, and a weekly digest never drops a paper that was news when it arrived), and never sent to the
address before (the ledger). Each paper appears once, under its best topic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from collector.config import Settings
from collector.digest_reads import DigestReads, PaperExtras
from collector.ranking import ReadingItem, best_per_paper, rank_about
from db import (
    LedgerEntry,
    LevelRow,
    MatchSummary,
    NewMatch,
    NewResource,
    Resource,
    SubscriberRow,
    SubscriptionRow,
    TopicRow,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far before its last digest run a subscription's matches are looked at again: longer than any
# collection run, whose matches carry the run's start time but are committed when each page is stored.
RESCAN = timedelta(days=2)
# Classics in a digest's footer.
FOOTER_CLASSICS = 3


# -- which digests are due --------------------------------------------------------------------------------
def due(subscription: SubscriptionRow, now: datetime, weekday: str) -> bool:
    """Daily: not yet checked today (UTC). Weekly: on `weekday` if not yet checked today, or once a week
    has passed since its last check (a failed cycle on the day is caught up)."""
    last = subscription.checked_at
    today = last is None or last.date() < now.date()
    if subscription.frequency == "daily":
        return today
    start = last or subscription.created_at
    return (today and WEEKDAYS[now.weekday()] == weekday) or now - start >= timedelta(days=7)


def period_start(subscription: SubscriptionRow) -> datetime:
    """Matches first recorded after this moment are news for the subscription."""
    if subscription.checked_at is None:
        return subscription.created_at
    return max(subscription.created_at, subscription.checked_at - RESCAN)


@dataclass(frozen=True)
class DigestPlan:
    """One digest to build: an address, a frequency, its subscriptions, and for each topic followed since
    when its matches are news (`topic_since`) and since when its resources are (`resources_since`)."""

    subscriber: SubscriberRow
    frequency: str
    subscriptions: tuple[SubscriptionRow, ...]
    topic_since: Mapping[str, datetime] = field(default_factory=dict)
    resources_since: Mapping[str, datetime] = field(default_factory=dict)

    @property
    def email(self) -> str:
        return self.subscriber.email


def plan_digests(
    subscriptions: Sequence[SubscriptionRow],
    subscribers: Mapping[str, SubscriberRow],
    topics: Sequence[TopicRow],
    now: datetime,
    weekday: str,
    only: str | None = None,
) -> list[DigestPlan]:
    """The digests to build now: confirmed and due subscriptions grouped by (address, frequency); `only`
    one address's, due or not (`radar digest send --to`)."""
    chosen = [s for s in subscriptions if s.confirmed and (s.email == only if only else due(s, now, weekday))]
    groups: dict[tuple[str, str], list[SubscriptionRow]] = {}
    for s in chosen:
        groups.setdefault((s.email, s.frequency), []).append(s)
    return [
        DigestPlan(
            subscribers[email], frequency, tuple(subs),
            topic_periods(subs, topics, period_start), topic_periods(subs, topics, resources_start),
        )
        for (email, frequency), subs in groups.items()
        if email in subscribers
    ]  # fmt: skip


def resources_start(subscription: SubscriptionRow) -> datetime:
    """Resources stored after this moment are new for the subscription. Resources have no ledger, so
    there is no rescan: one stored while a digest run reads them may be missed (papers never are)."""
    return subscription.checked_at or subscription.created_at


def topic_periods(
    subscriptions: Sequence[SubscriptionRow],
    topics: Sequence[TopicRow],
    start: Callable[[SubscriptionRow], datetime],
) -> dict[str, datetime]:
    """Every topic the subscriptions follow (named, or through a level) with its earliest `start`."""
    since: dict[str, datetime] = {}
    known = {t.id for t in topics}
    for s in subscriptions:
        followed = [t for t in s.topic_ids if t in known] + [t.id for t in topics if t.level in s.levels]
        for topic_id in followed:
            since[topic_id] = min(since.get(topic_id, start(s)), start(s))
    return since


# -- the papers -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TopicPapers:
    """A topic's new papers in a digest: those listed (ranked), and those only counted with a link."""

    topic_id: str
    listed: tuple[ReadingItem, ...]
    more: tuple[str, ...] = ()  # new papers about the topic beyond RADAR_DIGEST_MAX_PER_TOPIC
    applications: tuple[str, ...] = ()  # new papers that merely use the topic (issue 8's aboutness)


def is_news(match: NewMatch, since: datetime, days: int) -> bool:
    """First recorded after `since`, published at most `days` before that first recording."""
    recorded = match.first_recorded
    return recorded > since and match.summary.published >= recorded - timedelta(days=days)


def under_best_topic(summaries: Iterable[MatchSummary]) -> list[MatchSummary]:
    """News shows each paper once, under its best topic (digests and feeds alike)."""
    return best_per_paper(summaries)


def news_order(
    summaries: Iterable[MatchSummary], now: datetime, settings: Settings, teaching_first: bool = False
) -> list[tuple[MatchSummary, float]]:
    """News is the papers about their topic, ordered as a reading list's New section — most about it first,
    then newest; surveys and analyses first for the basics (digests and feeds alike). Papers that only use
    a topic are never news: a digest counts them as its applications."""
    return rank_about(summaries, now, settings.recent_half_life_days, teaching_first)


def digest_papers(
    reads: DigestReads, email: str, topic_since: Mapping[str, datetime], settings: Settings, now: datetime
) -> list[TopicPapers]:
    """THE place a digest's papers are chosen and ordered, with the reading lists' own functions.

    News of each followed topic (is_news) not yet sent to `email`, one row per paper under the topic it is
    most about (under_best_topic); each topic's papers about it ranked like a reading list's New section
    (news_order), the first RADAR_DIGEST_MAX_PER_TOPIC listed and the rest counted; the papers that only
    use it counted as its applications, never listed. The feeds follow through under_best_topic and
    news_order.
    """
    sent, candidates = reads.sent(email), reads.new_matches(topic_since)
    fresh = [
        m.summary
        for topic_id, since in topic_since.items()
        for m in candidates[topic_id]
        if is_news(m, since, settings.digest_days) and m.summary.arxiv_id not in sent
    ]
    by_topic: dict[str, list[MatchSummary]] = {}
    for summary in under_best_topic(fresh):
        by_topic.setdefault(summary.topic_id, []).append(summary)
    cap = settings.digest_max_per_topic
    found = []
    for topic_id, group in by_topic.items():
        ranked = news_order(group, now, settings, teaching_first=reads.basics(topic_id))
        rest = tuple(s.arxiv_id for s, _ in ranked[cap:])
        uses = tuple(s.arxiv_id for s in group if not s.about)
        found.append(TopicPapers(topic_id, tuple(reads.items(ranked[:cap])), more=rest, applications=uses))
    return found


# -- the digest -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PaperLine:
    """A listed paper: the reading-list item (title, authors, reasons, link) and what HF says of it."""

    item: ReadingItem
    extras: PaperExtras


@dataclass(frozen=True)
class TopicSection:
    topic: TopicRow
    papers: tuple[PaperLine, ...]
    more: int  # counted, with a link to the topic page
    applications: int
    resources: tuple[Resource, ...]  # the topic's resources new in this period


@dataclass(frozen=True)
class LevelSection:
    level: LevelRow
    topics: tuple[TopicSection, ...]


@dataclass(frozen=True)
class FooterClassic:
    topic: TopicRow
    item: ReadingItem


@dataclass(frozen=True)
class Digest:
    """Everything one mail says, and the ledger entries its acceptance records."""

    plan: DigestPlan
    levels: tuple[LevelSection, ...]
    classics: tuple[FooterClassic, ...]
    entries: tuple[LedgerEntry, ...]

    @property
    def listed(self) -> int:
        return sum(e.listed for e in self.entries)

    @property
    def counted(self) -> int:
        return len(self.entries) - self.listed

    @property
    def empty(self) -> bool:
        """Nothing new: no paper and no resource (such a period sends nothing unless asked to)."""
        return not self.entries and not any(t.resources for level in self.levels for t in level.topics)


def build_digest(
    reads: DigestReads,
    plan: DigestPlan,
    topics: Sequence[TopicRow],
    levels: Sequence[LevelRow],
    settings: Settings,
    now: datetime,
) -> Digest:
    """The digest of `plan` at `now`: its topics' news grouped by level in roadmap order."""
    papers = {tp.topic_id: tp for tp in digest_papers(reads, plan.email, plan.topic_since, settings, now)}
    followed = [t for t in topics if t.id in plan.topic_since]
    resources = reads.resources(plan.topic_since)
    extras = reads.extras([i.arxiv_id for tp in papers.values() for i in tp.listed if i.arxiv_id])
    sections = [
        topic_section(t, papers.get(t.id), extras, new_since(resources[t.id], plan.resources_since[t.id]))
        for t in followed
    ]
    shown = [s for s in sections if s.papers or s.more or s.applications or s.resources]
    grouped = tuple(
        LevelSection(level, tuple(s for s in shown if s.topic.level == level.id))
        for level in levels
        if any(s.topic.level == level.id for s in shown)
    )
    entries = tuple(e for tp in papers.values() for e in ledger_entries(tp))
    return Digest(plan, grouped, unread_classics(reads, followed, plan.subscriber.reader), entries)


def new_since(resources: Sequence[NewResource], since: datetime) -> tuple[Resource, ...]:
    return tuple(r.resource for r in resources if r.first_seen > since)


def topic_section(
    topic: TopicRow,
    papers: TopicPapers | None,
    extras: Mapping[str, PaperExtras],
    resources: tuple[Resource, ...],
) -> TopicSection:
    papers = papers or TopicPapers(topic.id, ())
    lines = tuple(PaperLine(i, extras.get(i.arxiv_id or "", PaperExtras())) for i in papers.listed)
    return TopicSection(topic, lines, len(papers.more), len(papers.applications), resources)


def ledger_entries(papers: TopicPapers) -> list[LedgerEntry]:
    """Listed papers, and those only counted: once told about, a paper is never sent to the address again."""
    listed = [LedgerEntry(i.arxiv_id, papers.topic_id, True) for i in papers.listed if i.arxiv_id]
    counted = [LedgerEntry(a, papers.topic_id, False) for a in papers.more + papers.applications]
    return listed + counted


def unread_classics(
    reads: DigestReads, topics: Sequence[TopicRow], reader: str | None
) -> tuple[FooterClassic, ...]:
    """The first classics of the followed topics, in roadmap order, that the reader has not marked read."""
    read, classics = reads.read_ids(reader), reads.classics([t.id for t in topics])
    found = (
        FooterClassic(topic, item)
        for topic in topics
        for item in classics[topic.id]
        if item.arxiv_id is None or item.arxiv_id not in read
    )
    return tuple(islice(found, FOOTER_CLASSICS))
