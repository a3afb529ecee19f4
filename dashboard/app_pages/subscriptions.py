"""Subscriptions: subscribe to topic digests (double opt-in), and, through the links in a digest only,
confirm, see and change your own subscriptions or unsubscribe. The page never lists other addresses."""

from __future__ import annotations

import streamlit as st

from dashboard import data, feed_link, state, subscription_views
from dashboard.i18n import t
from dashboard.text import md_escape

url = data.database_url()
me = state.reader()
topics, levels = data.topics(url), state.levels()

st.title(t("subs.title"))
if not topics:
    st.info(t("empty.no_topics"))
    st.stop()

params = st.query_params
if token := params.get("confirm"):
    subscription_views.confirm_view(url, token, topics)
elif token := params.get("unsubscribe"):
    subscription_views.unsubscribe_view(url, token, topics)
elif token := params.get("manage"):
    subscription_views.manage_view(url, token, topics, levels)
else:
    st.caption(t("subs.intro"))
    subscription_views.subscribe_form(url, topics, levels, me.name)
    st.caption(md_escape(t("subs.reader_note", name=me.name)))
    feed_link.feeds_section(topics, levels)
