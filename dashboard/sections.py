"""The sections pages share: classics, ranked new papers, trending papers, resources, lists of matches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import streamlit as st

from collector.ranking import ReadingItem
from collector.reading_lists import ReadingList, window_note
from dashboard import data, render
from dashboard.render import Card
from dashboard.search_view import snippet_markdown
from dashboard.text import md_escape, md_link
from db import PaperMarks, SearchHit, TopicMatch, TopicRow


def cards_with_extras(
    cards: Sequence[Card], marks: Mapping[str, PaperMarks], section: str, reader: str
) -> None:
    """Paper cards, each with its HF upvotes and code/model/dataset links when the collector stored any."""
    found = data.extras(data.database_url(), tuple(c.paper.arxiv_id for c in cards))
    for card in cards:
        extra = found.get(card.paper.arxiv_id, data.Extras())
        upvotes = card.upvotes if card.upvotes is not None else extra.upvotes
        render.paper_card(
            replace(card, upvotes=upvotes, links=card.links or extra.links), marks, section, reader
        )


def classics(items: Sequence[ReadingItem], marks: Mapping[str, PaperMarks], reader: str) -> None:
    if not items:
        st.caption("The roadmap names no classics for this topic.")
    for position, classic in enumerate(items, 1):
        why = f"classic #{position} in reading order"
        if classic.paper is None:
            unfetched_classic(classic, why)
        else:
            cards_with_extras([Card(classic.paper, why=why)], marks, "classic", reader)


def unfetched_classic(classic: ReadingItem, why: str) -> None:
    with st.container(border=True):
        st.markdown(f"**{md_link(classic.title, classic.url)}**")
        note = "metadata not fetched yet" if classic.arxiv_id else "not on arXiv"
        st.caption(md_escape(f"{classic.year} · {why} · {note}"))


def new_papers(
    reading: ReadingList, marks: Mapping[str, PaperMarks], reader: str, names: Mapping[str, str]
) -> None:
    """The papers about the topic, then (collapsed) the papers that only use it. `names` labels the
    frontier's papers with the topic each is about."""
    st.caption(md_escape(window_note(reading)))
    cards = [item_card(i, names if reading.frontier else {}) for i in reading.recent if i.paper]
    cards_with_extras(cards, marks, "new", reader)
    if reading.applications_total:
        label = f"Applications: {reading.applications_total} papers that use the topic rather than study it"
        with st.expander(label, expanded=False):
            shown = [item_card(i, {}) for i in reading.applications if i.paper]
            cards_with_extras(shown, marks, "applications", reader)


def item_card(item: ReadingItem, names: Mapping[str, str]) -> Card:
    assert item.paper is not None
    topic = names.get(item.topic_ids[0], item.topic_ids[0]) if names and item.topic_ids else ""
    return Card(item.paper, why="; ".join(item.reasons), topic=topic)


def trending(
    items: Sequence[ReadingItem],
    marks: Mapping[str, PaperMarks],
    reader: str,
    days: int,
    names: Mapping[str, str] | None = None,
) -> None:
    """Papers with Hugging Face upvotes or GitHub stars, new in the last `days`, ranked as everywhere."""
    shown = [i for i in items if i.paper and not marks.get(i.paper.arxiv_id, PaperMarks()).hidden]
    if not shown:
        st.caption(f"Nothing with Hugging Face upvotes or GitHub stars in the last {days} days.")
        return
    cards = [
        Card(
            i.paper,
            why="; ".join(i.reasons),
            upvotes=i.signals.upvotes if i.signals else None,
            topic=(names or {}).get(i.topic_ids[0], "") if i.topic_ids else "",
        )
        for i in shown
        if i.paper
    ]
    cards_with_extras(cards, marks, "trending", reader)


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
