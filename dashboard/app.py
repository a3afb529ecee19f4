"""The Roadmap Radar dashboard: `streamlit run dashboard/app.py` (or `radar dashboard`); reads the db only
(the one write it starts is "Load the demo data", a `radar demo` process, when the database is empty)."""

from __future__ import annotations

import streamlit as st

import db
from collector.clock import utc_now
from dashboard import data, status

st.set_page_config(page_title="Roadmap Radar", page_icon="📡", layout="wide")
try:
    data.engine(data.database_url())
except db.StorageError as exc:  # unreachable, or a schema `radar db upgrade` has not brought up to date
    st.error(str(exc))
    st.stop()
navigation = st.navigation(
    [
        st.Page("app_pages/roadmap.py", title="Roadmap", icon="🗺️", default=True),
        st.Page("app_pages/topic.py", title="Topic", icon="📚"),
        st.Page("app_pages/whats_new.py", title="What's new", icon="🆕"),
        st.Page("app_pages/search.py", title="Search", icon="🔎"),
        st.Page("app_pages/subscriptions.py", title="Subscriptions", icon=":material/mail:"),
        st.Page("app_pages/collector.py", title="Collector", icon="⚙️"),
    ]
)
status.show(data.database_url(), utc_now())  # every page: collecting now, or how fresh the data is
navigation.run()
