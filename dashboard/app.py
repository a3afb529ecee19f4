"""The Roadmap Radar dashboard: `streamlit run dashboard/app.py` (or `radar dashboard`); reads the db only
(the one write it starts is "Load the demo data", a `radar demo` process, when the database is empty)."""

from __future__ import annotations

import streamlit as st

import db
from collector.clock import utc_now
from dashboard import data, i18n, status
from dashboard.i18n import t

# Streamlit's bundled Material Symbols: emoji render as empty boxes where no emoji font is installed.
st.set_page_config(page_title="Roadmap Radar", page_icon=":material/radar:", layout="wide")
i18n.switch()  # first: every text below is in the language it picks
try:
    data.engine(data.database_url())
except db.StorageError as exc:  # unreachable, or a schema `radar db upgrade` has not brought up to date
    st.error(str(exc))
    st.stop()
navigation = st.navigation(
    [
        st.Page("app_pages/roadmap.py", title=t("nav.roadmap"), icon=":material/map:", default=True),
        st.Page("app_pages/topic.py", title=t("nav.topic"), icon=":material/menu_book:"),
        st.Page("app_pages/whats_new.py", title=t("nav.whats_new"), icon=":material/new_releases:"),
        st.Page("app_pages/search.py", title=t("nav.search"), icon=":material/search:"),
        st.Page("app_pages/subscriptions.py", title=t("nav.subscriptions"), icon=":material/mail:"),
        st.Page("app_pages/collector.py", title=t("nav.collector"), icon=":material/settings:"),
    ]
)
status.show(data.database_url(), utc_now())  # every page: collecting now, or how fresh the data is
navigation.run()
