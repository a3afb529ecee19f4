"""db.ranges.id_floor: the smallest arXiv id a paper published at or after a moment can have, so that
reads bounded by it (reading lists, digests, search filters) never lose a paper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from db.ranges import NEW_STYLE_IDS, id_floor

MOMENTS = st.datetimes(min_value=datetime(1991, 8, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC))


@given(since=MOMENTS, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)))
def test_no_paper_published_since_the_moment_is_below_its_floor(since: datetime, later: timedelta) -> None:
    published = since + later
    # A new-style id carries its submission month; a listing may announce it days into the next month.
    submitted = max(published - timedelta(days=5), NEW_STYLE_IDS)
    if published >= NEW_STYLE_IDS and submitted.year < 2100:
        assert f"{submitted:%y%m}.00001" >= id_floor(since)
    assert id_floor(since) <= "hep-th/9901001"  # old-style ids sort after every new-style one


def test_a_moment_before_new_style_ids_has_no_floor() -> None:
    assert id_floor(datetime(1999, 12, 15, tzinfo=UTC)) == ""  # not "9911", above every new-style id
    assert id_floor(datetime(2026, 11, 30, tzinfo=UTC)) == "2610"
