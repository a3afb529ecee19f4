"""The sections pages share: a topic's new papers (about it, then its applications, collapsed), the L4
frontier, trending papers, resources, lists of matches and search hits; cards with what Hugging Face adds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import streamlit as st

from collector.ranking import ReadingItem
from collector.reading_lists import ReadingList
from dashboard import data, paging, render
from dashboard.i18n import t
from dashboard.lists import why_line
from dashboard.render import Card
from dashboard.search_view import snippet_markdown
from dashboard.text import md_escape, md_link
from db import PaperMarks, SearchHit, TopicMatch, TopicRow

STEP = 20  # papers added by each "Show more"


def window_note(reading: ReadingList) -> str:
    """What the recent section holds, in words (collector.reading_lists.window_note in the reader's
    language)."""
    window, total = reading.window, reading.recent_total
    if reading.frontier:
        return t("sections.frontier", days=window.days)
    if not total:
        return t("sections.nothing_about", days=window.days)
    widened = t("sections.widened", asked=window.asked) if window.widened else ""
    return t("sections.window", count=total, days=window.days, widened=widened)


def cards_with_extras(
    cards: Sequence[Card], marks: Mapping[str, PaperMarks], section: str, reader: str
) -> None:
    """Paper cards, each with its HF upvotes, code/model/dataset links and HF's one-line summary when the
    collector stored any."""
    found = data.extras(data.database_url(), tuple(c.paper.arxiv_id for c in cards))
    for card in cards:
        extra = found.get(card.paper.arxiv_id, data.Extras())
        upvotes = card.upvotes if card.upvotes is not None else extra.upvotes
        summary = card.summary or extra.summary or ""
        filled = replace(card, upvotes=upvotes, links=card.links or extra.links, summary=summary)
        render.paper_card(filled, marks, section, reader)


def new_papers(reading: ReadingList, marks: Mapping[str, PaperMarks], reader: str) -> None:
    """The papers about the topic, as many as `?shown=` says with "Show more" under them; then, collapsed,
    the papers that only use it (`?apps=open`, `?ashown=`)."""
    st.caption(md_escape(window_note(reading)))
    count = paging.shown("shown", STEP)
    cards_with_extras([item_card(i) for i in reading.recent[:count] if i.paper], marks, "new", reader)
    paging.show_more(reading.recent_total, min(count, reading.recent_total), STEP, "shown")
    if reading.applications_total:
        applications(reading, marks, reader)


def applications(reading: ReadingList, marks: Mapping[str, PaperMarks], reader: str) -> None:
    total = reading.applications_total
    box = st.expander(
        t("sections.applications", count=t("common.papers", count=total)),
        expanded=paging.opened("apps"),
        key="applications",
        on_change=paging.open_in_url,
        args=("apps", "applications"),
    )
    if not box.open:
        return  # collapsed: its cards are not even drawn
    with box:
        count = paging.shown("ashown", STEP)
        shown = [item_card(i) for i in reading.applications[:count] if i.paper]
        cards_with_extras(shown, marks, "applications", reader)
        paging.show_more(total, min(count, total), STEP, "ashown")


def frontier(
    reading: ReadingList, marks: Mapping[str, PaperMarks], reader: str, names: Mapping[str, str]
) -> None:
    """The L4 frontier when nothing trends: the newest papers most about a roadmap topic, each labelled with
    that topic."""
    st.caption(md_escape(window_note(reading)))
    cards = [item_card(i, names) for i in reading.recent if i.paper]
    cards_with_extras(cards, marks, "frontier", reader)


def item_card(item: ReadingItem, names: Mapping[str, str] | None = None) -> Card:
    assert item.paper is not None
    topic = names.get(item.topic_ids[0], item.topic_ids[0]) if names and item.topic_ids else ""
    return Card(item.paper, why=why_line(item.reasons), topic=topic)


def trending(
    items: Sequence[ReadingItem],
    marks: Mapping[str, PaperMarks],
    reader: str,
    days: int,
    names: Mapping[str, str] | None = None,
    section: str = "trending",
) -> None:
    """Papers with Hugging Face upvotes or GitHub stars, new in the last `days`, ranked as everywhere."""
    shown = [i for i in items if i.paper and not marks.get(i.paper.arxiv_id, PaperMarks()).hidden]
    if not shown:
        st.caption(t("sections.no_trending", days=days))
        return
    cards = [
        Card(
            i.paper,
            why=why_line(i.reasons),
            upvotes=i.signals.upvotes if i.signals else None,
            topic=(names or {}).get(i.topic_ids[0], "") if i.topic_ids else "",
        )
        for i in shown
        if i.paper
    ]
    cards_with_extras(cards, marks, section, reader)


def resources(url: str, topic: TopicRow) -> None:
    """The roadmap's hand-picked resources, then what the collector found (HF models, datasets, feeds)."""
    found = data.topic_resources(url, topic.id)
    lines = [f"- {md_escape(r.kind)}: {md_link(r.title, r.url)}" for r in found]
    if not lines:
        lines = [f"- {md_escape(r.kind)}: {md_link(r.title, r.url)}" for r in topic.resources]
    st.markdown("\n".join(lines) if lines else t("sections.no_resources"))


def match_cards(
    matches: Sequence[TopicMatch],
    names: Mapping[str, str],
    marks: Mapping[str, PaperMarks],
    section: str,
    reader: str,
) -> None:
    cards = [
        Card(m.paper, why=why_line(m.about_reasons + m.reasons), topic=names.get(m.topic_id, m.topic_id))
        for m in matches
    ]
    cards_with_extras(cards, marks, section, reader)


def hit_cards(
    hits: Sequence[SearchHit], names: Mapping[str, str], marks: Mapping[str, PaperMarks], reader: str
) -> None:
    """Search hits: each with the topics it matched and where the words matched (highlighted)."""
    cards = [
        Card(
            h.paper,
            topic=", ".join(names.get(t, t) for t in h.topic_ids[:3]),
            snippet_md=snippet_markdown(h.snippet),
        )
        for h in hits
    ]
    cards_with_extras(cards, marks, "hit", reader)
