"""Topic: its reading list — classics in reading order, new papers ranked with why they matched, trending,
and the topic's resources; the same list `radar list --topic` prints."""

from __future__ import annotations

import streamlit as st

from collector.clock import utc_now
from dashboard import charts, data, feed_link, render, sections, state
from dashboard.lists import hidden_ids, item_export
from dashboard.text import md_escape

PAGE = 20

url = data.database_url()
me = state.reader()
now = utc_now()
topics = data.topics(url)
if not topics:
    st.info(
        "The database has no topics yet: run `radar up` to collect papers, or `radar demo` to load a sample."
    )
    st.stop()

topic_id = state.pick_topic(topics, allow_all=False, where=st.sidebar)
topic = next(t for t in topics if t.id == topic_id)
default_days = data.settings().recent_days
windows = sorted({30, 90, 180, 365, default_days})
days = st.sidebar.select_slider(
    "New: published in the last … days", windows, default_days, key="window", bind="query-params"
)
marks = data.marks(url, me.name)

st.title(md_escape(topic.name_zh))
st.caption(md_escape(f"{state.level_label(topic.level)} · {topic.name_en} · {topic.id}"))
feed_link.topic_feed(topic.id, quiet=True)

shown = st.session_state.setdefault(f"shown:{topic.id}", PAGE)
minute = now.replace(second=0, microsecond=0)
reading = data.reading_list(url, topic.id, int(days), shown, hidden_ids(marks), minute)

tab_classics, tab_new, tab_trending, tab_resources = st.tabs(
    [
        f"Classics ({len(reading.classics)})",
        f"New ({reading.recent_total})",
        "Trending",
        f"Resources ({len(topic.resources)})",
    ]
)
with tab_classics:
    sections.classics(reading.classics, marks, me.name)
with tab_new:
    sections.new_papers(reading, marks, me.name, {t.id: f"{t.name_zh} · {t.name_en}" for t in topics})
    if reading.recent_total > shown and st.button(f"Show {PAGE} more", key="more"):
        st.session_state[f"shown:{topic.id}"] = shown + PAGE
        st.rerun()
with tab_trending:
    sections.trending(reading.trending, marks, me.name, data.settings().trending_days)
with tab_resources:
    sections.resources(url, topic)

st.divider()
exported = [item_export(i) for i in reading.classics + reading.recent]
render.export_buttons(exported, f"{topic.name_en} reading list", "topic")
since = charts.weeks_back(now.date(), 52)
rows = data.daily_counts(url, (topic.id,), since)
charts.draw(
    charts.weekly(rows, {topic.id: topic.name_en}, since, now.date()), "Papers per week (last 52 weeks)"
)
