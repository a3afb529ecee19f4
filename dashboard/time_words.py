"""How long ago something happened, in the reader's language ("3 hours ago" / "3 小时前"), worded by the
dashboard itself rather than taken from the collector's English (collector.freshness.ago)."""

from __future__ import annotations

from datetime import datetime

from dashboard.i18n import t

LONG = (("day", 86400), ("hour", 3600), ("minute", 60))
SHORT = (("d", 1440), ("h", 60), ("min", 1))


def ago(moment: datetime, now: datetime) -> str:
    """ "5 minutes ago", "3 hours ago", "2 days ago" ("just now" under a minute)."""
    seconds = max((now - moment).total_seconds(), 0.0)
    for unit, size in LONG:
        if seconds >= size:
            return t(f"time.{unit}s_ago", count=int(seconds // size))
    return t("time.just_now")


def short_ago(moment: datetime, now: datetime) -> str:
    """ "just now", "12 min ago", "5 h ago", "3 d ago"."""
    minutes = max(int((now - moment).total_seconds() // 60), 0)
    for unit, size in SHORT:
        if minutes >= size:
            return t(f"time.short_{unit}", count=minutes // size)
    return t("time.just_now")
