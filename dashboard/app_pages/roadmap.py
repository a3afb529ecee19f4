"""Roadmap: every topic by level with its paper count, what is new for the reader, when it was collected."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from collector.clock import utc_now
from dashboard import data, render, state
from dashboard.lists import new_counts, weekly
from dashboard.text import md_escape

url = data.database_url()
me = state.reader()
now = utc_now()
topics = data.topics(url)

st.title("Roadmap Radar")
if not topics:
    st.info(
        "The database has no topics yet: run `radar up` to collect papers, or `radar demo` to load a sample."
    )
    st.stop()

counts = data.paper_counts(url)
collected = data.last_collected(url)
fresh = new_counts(data.summaries(url, me.new_since, None, ()), me.new_since, data.marks(url, me.name))
st.caption(
    f"{len(topics)} topics · {sum(counts.values())} matched papers · {sum(fresh.values())} new for "
    f"{md_escape(me.name)} since {me.new_since:%Y-%m-%d %H:%M} UTC"
)

levels = state.levels()
for column, level_row in zip(st.columns(max(len(levels), 1)), levels, strict=False):
    level = level_row.id
    with column:
        st.subheader(md_escape(f"{level} · {level_row.name_zh}"))
        st.caption(md_escape(level_row.name_en))
        for topic in state.topics_at(topics, level):
            label = md_escape(f"{topic.name_zh} · {topic.name_en}")
            st.page_link("app_pages/topic.py", label=label, query_params={"topic": topic.id})
            if topic.query is None and level == "L4":  # the frontier: filled from every topic, not matched
                st.caption(f"new and trending across the whole roadmap · **{sum(fresh.values())} new**")
                continue
            last = max(filter(None, (collected.get(topic.id), collected.get(""))), default=None)
            new = f" · **{fresh[topic.id]} new**" if fresh[topic.id] else ""
            papers = counts.get(topic.id, 0)
            st.caption(f"{papers} paper{'' if papers == 1 else 's'}{new} · collected {render.ago(last, now)}")

since = (now - timedelta(weeks=26)).date()
level_of = {t.id: t.level for t in topics}
rows = data.daily_counts(url, tuple(level_of), since)
render.weekly_chart(weekly(rows, level_of), "Matched papers per week, by level (last 26 weeks)")
