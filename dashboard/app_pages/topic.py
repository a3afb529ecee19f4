"""Topic: its reading list — classics in reading order, new papers ranked with why they matched (then the
papers that only use the topic, collapsed), trending, and the topic's resources; the same list `radar list
--topic` prints. The section shown and how much of it live in the URL (dashboard/paging.py)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from collector.clock import utc_now
from dashboard import charts, classics, data, feed_link, paging, render, sections, state
from dashboard.i18n import t
from dashboard.lists import hidden_ids, reading_export
from dashboard.text import md_escape

SECTIONS = ("classics", "new", "trending", "resources")

url = data.database_url()
me = state.reader()
now = utc_now()
topics = data.topics(url)
if not topics:
    st.info(t("empty.no_topics"))
    st.stop()

topic_id = state.pick_topic(topics, allow_all=False, where=st.sidebar)
topic = next(t for t in topics if t.id == topic_id)
default_days = data.settings().recent_days
windows = sorted({30, 90, 180, 365, default_days})
days = st.sidebar.select_slider(t("topic.window"), windows, default_days, key="window", bind="query-params")
render.card_mode(st.sidebar)
marks = data.marks(url, me.name)

st.title(md_escape(topic.name_zh))
st.caption(md_escape(f"{state.level_label(topic.level)} · {state.topic_name(topic)} · {topic.id}"))
feed_link.topic_feed(topic.id, quiet=True)

# As many ranked papers as the longer of the two lists on screen shows (db thinning reads only those).
wanted = max(paging.shown("shown", sections.STEP), paging.shown("ashown", sections.STEP))
minute = now.replace(second=0, microsecond=0)
reading = data.reading_list(url, topic.id, int(days), wanted, hidden_ids(marks), minute)
trending = reading.trending  # the reader's hidden papers are left out of every section
counts = {
    "classics": len(reading.classics),
    "new": reading.recent_total,
    "trending": len(trending),
    "resources": len(data.topic_resources(url, topic.id)) or len(topic.resources),
}
chosen = paging.pick_section({key: t(f"topic.{key}", count=counts[key]) for key in SECTIONS})
render.undo_hidden(me.name)
if chosen == "classics":
    classics.classics(reading.classics, marks, me.name, topic.id)
elif chosen == "new":
    sections.new_papers(reading, marks, me.name)
elif chosen == "trending":
    sections.trending(trending, marks, me.name, data.settings().trending_days)
else:
    sections.resources(url, topic)

st.divider()
everything = partial(data.reading_list, url, topic.id, int(days), None, hidden_ids(marks), minute)
total = len(reading.classics) + len(trending) + reading.recent_total + reading.applications_total
render.export_buttons(
    lambda: reading_export(everything()),
    t("topic.export_name", name=topic.name_en),
    "topic",
    count=total,
    file_name=f"{topic.id}-reading-list",
)
since = charts.weeks_back(now.date(), 52)
rows = data.daily_counts(url, (topic.id,), since)
charts.draw(charts.weekly(rows, {topic.id: topic.name_en}, since, now.date()), t("topic.chart"))
