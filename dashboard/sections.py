"""The sections pages share: classics, ranked new papers, trending papers, resources, lists of matches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import streamlit as st

from dashboard import data, render
from dashboard.lists import NO_MARKS
from dashboard.render import Card
from dashboard.text import arxiv_url, md_escape, md_link, safe_url
from db import (
    MatchSummary,
    PaperMarks,
    SearchHit,
    SeminalPaper,
    TopicMatch,
    TopicRow,
    TrendingCandidate,
)

TRENDING_DAYS = 30
TRENDING_SHOWN = 10
QUIET_TRENDING_DAYS = 365


def cards_with_extras(
    cards: Sequence[Card], marks: Mapping[str, PaperMarks], section: str, reader: str
) -> None:
    """Paper cards, each with its HF upvotes and code/model/dataset links when the collector stored any."""
    found = data.extras(data.database_url(), tuple(c.paper.arxiv_id for c in cards))
    for card in cards:
        extra = found.get(card.paper.arxiv_id, data.Extras())
        upvotes = card.upvotes if card.upvotes is not None else extra.upvotes
        render.paper_card(
            Card(card.paper, card.why, upvotes, card.links or extra.links, card.topic), marks, section, reader
        )


def classics(items: Sequence[SeminalPaper], marks: Mapping[str, PaperMarks], reader: str) -> None:
    if not items:
        st.caption("The roadmap names no classics for this topic.")
    for classic in items:
        if classic.paper is None:
            unfetched_classic(classic)
            continue
        why = f"classic #{classic.seminal.position + 1} in reading order"
        cards_with_extras([Card(classic.paper, why=why)], marks, "classic", reader)


def unfetched_classic(classic: SeminalPaper) -> None:
    row = classic.seminal
    link = arxiv_url(row.arxiv_id) or safe_url(row.url) or (f"https://doi.org/{row.doi}" if row.doi else None)
    with st.container(border=True):
        st.markdown(f"**{md_link(row.title, link)}**")
        note = "metadata not fetched yet" if row.arxiv_id else "not on arXiv"
        st.caption(md_escape(f"{row.year} · classic #{row.position + 1} in reading order · {note}"))


def new_papers(
    shown: Sequence[TopicMatch],
    ranked: Sequence[tuple[MatchSummary, float]],
    marks: Mapping[str, PaperMarks],
    reader: str,
    days: int,
    quiet: bool = False,
) -> None:
    if not ranked:
        st.caption("No papers matched this topic yet.")
        return
    rank = {s.arxiv_id: r for s, r in ranked}
    if quiet:
        st.caption(f"Nothing published in the last {days} days; the topic's latest papers:")
    else:
        st.caption(f"{len(ranked)} papers from the last {days} days, ranked by match score × recency.")
    cards = [
        Card(
            m.paper, why=f"{'; '.join(m.reasons)} (score {m.score:g}, rank {rank.get(m.paper.arxiv_id, 0):g})"
        )
        for m in shown
    ]
    cards_with_extras(cards, marks, "new", reader)


def trending_order(candidates: Sequence[TrendingCandidate]) -> list[TrendingCandidate]:
    """Most HF upvotes first, then GitHub stars, then match score."""
    return sorted(
        candidates,
        key=lambda c: (-(c.signals.upvotes or 0), -(c.signals.github_stars or 0), -c.score, c.paper.arxiv_id),
    )


def trending(
    url: str,
    topic_id: str | None,
    marks: Mapping[str, PaperMarks],
    reader: str,
    now: datetime,
    names: Mapping[str, str] | None = None,
) -> None:
    """Papers with Hugging Face upvotes or GitHub stars, published or featured in the last TRENDING_DAYS."""
    found = visible_trending(url, topic_id, marks, now, TRENDING_DAYS)
    if not found:
        found = visible_trending(url, topic_id, marks, now, QUIET_TRENDING_DAYS)
        if not found:
            st.caption(
                f"Nothing with Hugging Face upvotes or GitHub stars in the last {QUIET_TRENDING_DAYS} days."
            )
            return
        st.caption(f"Nothing trending in the last {TRENDING_DAYS} days; the most upvoted of the last year:")
    cards = [
        Card(
            c.paper,
            why=f"★ {c.signals.github_stars} GitHub stars" if c.signals.github_stars else "",
            upvotes=c.signals.upvotes,
            topic=(names or {}).get(c.topic_ids[0], "") if c.topic_ids else "",
        )
        for c in found
    ]
    cards_with_extras(cards, marks, "trending", reader)


def visible_trending(
    url: str, topic_id: str | None, marks: Mapping[str, PaperMarks], now: datetime, days: int
) -> list[TrendingCandidate]:
    found = trending_order(data.trending(url, (now - timedelta(days=days)).date(), topic_id))
    return [c for c in found if not marks.get(c.paper.arxiv_id, NO_MARKS).hidden][:TRENDING_SHOWN]


def resources(url: str, topic: TopicRow) -> None:
    """The roadmap's hand-picked resources, then what the collector found (HF models, datasets, feeds)."""
    found = data.topic_resources(url, topic.id)
    lines = [f"- {md_escape(r.kind)}: {md_link(r.title, r.url)}" for r in found]
    if not lines:
        lines = [f"- {md_escape(r.kind)}: {md_link(r.title, r.url)}" for r in topic.resources]
    st.markdown("\n".join(lines) if lines else "No resources listed for this topic.")


def match_cards(
    matches: Sequence[TopicMatch],
    names: Mapping[str, str],
    marks: Mapping[str, PaperMarks],
    section: str,
    reader: str,
) -> None:
    cards = [
        Card(
            m.paper,
            why="; ".join(m.reasons) + f" (score {m.score:g})",
            topic=names.get(m.topic_id, m.topic_id),
        )
        for m in matches
    ]
    cards_with_extras(cards, marks, section, reader)


def hit_cards(
    hits: Sequence[SearchHit], names: Mapping[str, str], marks: Mapping[str, PaperMarks], reader: str
) -> None:
    cards = [Card(h.paper, topic=", ".join(names.get(t, t) for t in h.topic_ids[:3])) for h in hits]
    cards_with_extras(cards, marks, "hit", reader)
