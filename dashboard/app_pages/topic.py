"""Topic: its reading list — classics in reading order, new papers ranked with why they matched, trending,
and the topic's resources."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard import data, render, sections, state
from dashboard.lists import export_items, rank_recent, unhidden, weekly
from dashboard.text import md_escape

PAGE = 20

url = data.database_url()
me = state.reader()
now = state.now()
topics = data.topics(url)
if not topics:
    st.info(
        "The database has no topics yet: run `radar up` to collect papers, or `radar demo` to load a sample."
    )
    st.stop()

topic_id = state.pick_topic(topics, allow_all=False, where=st.sidebar)
topic = next(t for t in topics if t.id == topic_id)
days = st.sidebar.select_slider(
    "New: published in the last … days", [30, 90, 180, 365], 90, key="window", bind="query-params"
)
marks = data.marks(url, me.name)

st.title(md_escape(topic.name_zh))
st.caption(md_escape(f"{state.level_label(topic.level)} · {topic.name_en} · {topic.id}"))

classics = data.classics(url, topic.id)
classic_ids = {c.seminal.arxiv_id for c in classics}
recent = [s for s in unhidden(data.topic_recent(url, topic.id, (now - timedelta(days=days)).date()), marks)]
ranked = rank_recent([s for s in recent if s.arxiv_id not in classic_ids], now, data.half_life_days())
quiet = not ranked  # nothing in the window: show the topic's latest papers instead of an empty list
if quiet:
    latest = unhidden(data.topic_latest(url, topic.id, PAGE), marks)
    ranked = rank_recent([s for s in latest if s.arxiv_id not in classic_ids], now, data.half_life_days())
shown = st.session_state.setdefault(f"shown:{topic.id}", PAGE)
new = data.matched(url, tuple((s.arxiv_id, s.topic_id) for s, _ in ranked[:shown]))

tab_classics, tab_new, tab_trending, tab_resources = st.tabs(
    [f"Classics ({len(classics)})", f"New ({len(ranked)})", "Trending", f"Resources ({len(topic.resources)})"]
)
with tab_classics:
    sections.classics(classics, marks, me.name)
with tab_new:
    sections.new_papers(new, ranked, marks, me.name, days, quiet)
    if len(ranked) > shown and st.button(f"Show {PAGE} more", key="more"):
        st.session_state[f"shown:{topic.id}"] = shown + PAGE
        st.rerun()
with tab_trending:
    sections.trending(url, topic.id, marks, me.name, now)
with tab_resources:
    sections.resources(url, topic)

st.divider()
render.export_buttons(export_items(classics, new), f"{topic.name_en} reading list", "topic")
rows = data.daily_counts(url, (topic.id,), (now - timedelta(weeks=52)).date())
render.weekly_chart(weekly(rows, {topic.id: topic.name_en}), "Matched papers per week (last 52 weeks)")
