"""Range conditions written so that the indexes serve them: dates after a moment, arXiv ids of a month on,
publication dates between two moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_

from db.schema import PAPERS

# SQLite guesses a one-sided range keeps a quarter of the rows and then scans paper_topics instead of the
# date index; a far upper bound makes it a two-sided range (guessed 1/64) without changing the result.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
# arXiv's new-style ids (YYMM.NNNN) began in April 2007.
NEW_STYLE_IDS = datetime(2007, 4, 1, tzinfo=UTC)


def after(column: ColumnElement[datetime], moment: datetime, inclusive: bool = True) -> ColumnElement[bool]:
    """column >= moment (or >), written so that SQLite's planner uses the column's index."""
    lower = column >= moment if inclusive else column > moment
    return and_(lower, column < FAR_FUTURE)


def id_floor(since: datetime) -> str:
    """The smallest new-style arXiv id (YYMM.…) that can be published at or after `since`.

    An id carries the month of its submission; a listing may announce it a few days into the next
    month, hence the month of slack. Old-style ids (`cs/0601001`) sort after every digit, so they
    are always in range and filtered by date alone.
    """
    floor = since - timedelta(days=31)
    # Before April 2007 every paper had an old-style id: no floor (a two-digit year would wrap, 1999 -> 99).
    return f"{floor:%y%m}" if floor >= NEW_STYLE_IDS else ""


def published_between(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """Conditions for a publication date in [since, until); either bound may be left open."""
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(PAPERS.c.published >= since)
    if until is not None:
        conditions.append(PAPERS.c.published < until)
    return conditions
