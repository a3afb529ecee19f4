"""Atom feed links: a topic's (under the Topic page's caption) and the feeds section of the Subscriptions
page.

The feeds are files in RADAR_FEEDS_DIR (written after each collection); RADAR_FEEDS_BASE_URL says where a
static server publishes them. Without it the pages say how to publish them instead of showing dead links.
"""

from __future__ import annotations

import streamlit as st

from collector.atom import feed_url
from dashboard import data, i18n, state
from dashboard.i18n import t
from dashboard.text import md_link
from db import LevelRow, TopicRow


def topic_feed(topic_id: str, quiet: bool = False) -> None:
    """The topic's feed link; when feeds are not published, how to publish them — or, `quiet` (the Topic
    page, read by learners), nothing."""
    url = feed_url(data.settings(), "topics", topic_id)
    if url is None:
        if not quiet:
            st.caption(t("feeds.unpublished"))
        return
    st.caption(t("feeds.atom_feed", link=md_link(url, url)))


def feeds_section(topics: tuple[TopicRow, ...], levels: tuple[LevelRow, ...]) -> None:
    """Every level's feed, and the feed of a topic picked from the list (Subscriptions page)."""
    st.subheader(t("feeds.heading"))
    settings = data.settings()
    if not settings.feeds_base_url:
        st.caption(t("feeds.unpublished"))
        return
    links = [md_link(state.level_label(lv.id), feed_url(settings, "levels", lv.id)) for lv in levels]
    st.markdown(t("feeds.levels", links=" · ".join(links)))
    names = {t.id: state.topic_label(t) for t in topics}
    chosen = st.selectbox(
        t("feeds.topic"), list(names), format_func=names.__getitem__, key=i18n.key("feed_topic")
    )
    topic_feed(str(chosen))
