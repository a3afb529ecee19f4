"""A topic's Atom feed link, for the Topic page: `feed_link.topic_feed(topic.id)` under the page's caption.

The feeds are files in RADAR_FEEDS_DIR (written after each collection); RADAR_FEEDS_BASE_URL says where a
static server publishes them. Without it the page says how to publish them instead of showing a dead link.
"""

from __future__ import annotations

import streamlit as st

from collector.atom import feed_url
from dashboard import data
from dashboard.text import md_link


def topic_feed(topic_id: str) -> None:
    url = feed_url(data.settings(), "topics", topic_id)
    if url is None:
        st.caption(
            "Atom feed: written to RADAR_FEEDS_DIR after each collection; set RADAR_FEEDS_BASE_URL to the "
            "address a static server publishes it at, and its link appears here."
        )
        return
    st.caption(f":material/rss_feed: Atom feed: {md_link(url, url)}")
