"""Search: full text over titles and abstracts, filtered by level, topic and publication date."""

from __future__ import annotations

import streamlit as st

from dashboard import data, render, sections, state
from dashboard.lists import hit_export
from db import SEARCH_CAP, SearchQueryError, plain_query

LIMIT = 50

url = data.database_url()
me = state.reader()
topics = data.topics(url)
names = {t.id: f"{t.name_zh} · {t.name_en}" for t in topics}

side = st.sidebar
level = state.pick_level(side)
in_level = state.topics_at(topics, level)
topic = state.pick_topic(in_level, allow_all=True, where=side)
since = side.date_input("Published from", value=None, key="from", bind="query-params")
until = side.date_input("Published before", value=None, key="to", bind="query-params")
chosen = (topic,) if topic else tuple(t.id for t in in_level) if level else ()

st.title("Search")
query = st.text_input(
    "Titles and abstracts",
    key="q",
    bind="query-params",
    placeholder='e.g. "low-rank adaptation" OR lora, diffusion NOT video, quantiz*',
)
if not query.strip():
    st.caption('Words are ANDed; use "quoted phrases", OR, NOT and prefix*. Filters are in the sidebar.')
    st.stop()

try:
    hits = data.search_papers(url, query, chosen, since, until, LIMIT)
except SearchQueryError as exc:
    st.warning(str(exc))
    st.caption("Showing results for the words as typed instead.")
    hits = data.search_papers(url, plain_query(query), chosen, since, until, LIMIT)

st.caption(
    f"{len(hits)} results, most relevant first"
    f" (ranked among the {SEARCH_CAP:,} most recently stored matches)."
)
marks = data.marks(url, me.name)
sections.hit_cards(hits, names, marks, me.name)
render.export_buttons([hit_export(h) for h in hits], f"Search {query}", "search")
