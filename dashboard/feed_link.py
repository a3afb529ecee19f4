"""Atom feed links: a topic's (under the Topic page's caption) and the feeds section of the Subscriptions
page.

The feeds are files in RADAR_FEEDS_DIR (written after each collection); RADAR_FEEDS_BASE_URL says where a
static server publishes them. Without it the pages say how to publish them instead of showing dead links.
"""

from __future__ import annotations

import streamlit as st

from collector.atom import feed_url
from dashboard import data, state
from dashboard.text import md_link
from db import LevelRow, TopicRow

UNPUBLISHED = (
    "Atom feeds are written to RADAR_FEEDS_DIR after each collection; set RADAR_FEEDS_BASE_URL to the "
    "address a static server publishes them at, and their links appear here."
)


def topic_feed(topic_id: str, quiet: bool = False) -> None:
    """The topic's feed link; when feeds are not published, how to publish them — or, `quiet` (the Topic
    page, read by learners), nothing."""
    url = feed_url(data.settings(), "topics", topic_id)
    if url is None:
        if not quiet:
            st.caption(UNPUBLISHED)
        return
    st.caption(f":material/rss_feed: Atom feed: {md_link(url, url)}")


def feeds_section(topics: tuple[TopicRow, ...], levels: tuple[LevelRow, ...]) -> None:
    """Every level's feed, and the feed of a topic picked from the list (Subscriptions page)."""
    st.subheader(":material/rss_feed: Or follow a feed")
    settings = data.settings()
    if not settings.feeds_base_url:
        st.caption(UNPUBLISHED)
        return
    links = [md_link(state.level_label(lv.id), feed_url(settings, "levels", lv.id)) for lv in levels]
    st.markdown("Levels: " + " · ".join(links))
    names = {t.id: state.topic_label(t) for t in topics}
    chosen = st.selectbox("A topic's feed", list(names), format_func=names.__getitem__, key="feed_topic")
    topic_feed(str(chosen))
