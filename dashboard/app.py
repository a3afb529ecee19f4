"""The Roadmap Radar dashboard: `streamlit run dashboard/app.py` (or `radar dashboard`); reads the db only
(the one write it starts is "Load the demo data", a `radar demo` process, when the database is empty)."""

from __future__ import annotations

import streamlit as st

from collector.clock import utc_now
from dashboard import data, status

# Streamlit's bundled Material Symbols: emoji render as empty boxes where no emoji font is installed.
st.set_page_config(page_title="Roadmap Radar", page_icon=":material/radar:", layout="wide")
navigation = st.navigation(
    [
        st.Page("app_pages/roadmap.py", title="Roadmap", icon=":material/map:", default=True),
        st.Page("app_pages/topic.py", title="Topic", icon=":material/menu_book:"),
        st.Page("app_pages/whats_new.py", title="What's new", icon=":material/new_releases:"),
        st.Page("app_pages/search.py", title="Search", icon=":material/search:"),
        st.Page("app_pages/subscriptions.py", title="Subscriptions", icon=":material/mail:"),
        st.Page("app_pages/collector.py", title="Collector", icon=":material/settings:"),
    ]
)
status.show(data.database_url(), utc_now())  # every page: collecting now, or how fresh the data is
navigation.run()
