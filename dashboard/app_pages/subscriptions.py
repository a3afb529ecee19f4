"""Subscriptions: subscribe to topic digests (double opt-in), and, through the links in a digest only,
confirm, see and change your own subscriptions or unsubscribe. The page never lists other addresses."""

from __future__ import annotations

import streamlit as st

from dashboard import data, feed_link, state, subscription_views
from dashboard.text import md_escape

url = data.database_url()
me = state.reader()
topics, levels = data.topics(url), state.levels()

st.title("Subscriptions")
if not topics:
    st.info(
        "The database has no topics yet: run `radar up` to collect papers, or `radar demo` to load a sample."
    )
    st.stop()

params = st.query_params
if token := params.get("confirm"):
    subscription_views.confirm_view(url, token, topics)
elif token := params.get("unsubscribe"):
    subscription_views.unsubscribe_view(url, token, topics)
elif token := params.get("manage"):
    subscription_views.manage_view(url, token, topics, levels)
else:
    st.caption(
        "New papers of the topics (or whole levels) you follow, by mail, daily or weekly, ranked as on the "
        "topic pages. We send one confirmation mail first; nothing else until its link is opened."
    )
    subscription_views.subscribe_form(url, topics, levels, me.name)
    st.caption(
        md_escape(
            f"Digests leave out the classics you marked read as the reader profile “{me.name}” (sidebar); "
            "reader profiles are not protected: anyone using this dashboard can pick any of them."
        )
    )
    feed_link.feeds_section(topics, levels)
