"""Raw upstream records (arXiv API results, listing-feed entries) → PaperRecord. Pure: no I/O, no clock.

Both paths collapse whitespace and decode TeX accents in author names the same way, so one paper read
from the API and from a listing feed gives equal titles, abstracts and authors. Text from upstream is
untrusted: control characters (C0 and C1, ESC included; tab and newline are whitespace) are stripped
here, before anything is stored, so no surface (terminal, page, export, mail) ever receives an escape
sequence from a title. Timestamps are read by `utc_moment`, which turns every unreadable or
unrepresentable one (year 9999 with a negative offset) into None instead of an OverflowError.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import arxiv

from collector.errors import MalformedItemError
from db import PaperRecord

_ID = re.compile(
    r"(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:|arxiv:)?"
    r"(?P<id>\d{4}\.\d{4,5}|(?P<archive>[a-z][a-z-]*)(?:\.[a-z]{2})?/(?P<number>\d{7}))"
    r"(?:v(?P<version>\d+))?(?:\.pdf)?",
    re.IGNORECASE,
)


def split_arxiv_id(text: str) -> tuple[str, int]:
    """`2508.13426v1`, an abs URL, `oai:arXiv.org:…`, `math/9501234v2` → (id without version, version).

    The version is 1 when absent; an old-style subject class (`math.GT/0309136`) is dropped, as arXiv's
    canonical id has none. Raises MalformedItemError (a ValueError) for anything else.
    """
    found = _ID.fullmatch(text.strip())
    if found is None:
        raise MalformedItemError(f"not an arXiv id: {strip_controls(text)[:100]!r}")
    archive = found["archive"]
    arxiv_id = f"{archive.lower()}/{found['number']}" if archive else found["id"]
    return arxiv_id, int(found["version"] or 1)


# C0 controls but tab and newline, DEL, and the C1 controls (U+0080..U+009F, where CSI and OSC live).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Those of them that are whitespace to Python (CR, VT, FF, the separators U+001C..U+001F, NEL) separate
# words or lines: they become a newline instead of gluing two words together.
_LINE_BREAKS = {c: "\n" for c in range(0xA0) if _CONTROLS.match(chr(c)) and chr(c).isspace()}
_DROPPED = dict.fromkeys(c for c in range(0xA0) if _CONTROLS.match(chr(c)) and not chr(c).isspace())
_CONTROL_TABLE = str.maketrans({**_LINE_BREAKS, **_DROPPED})


def strip_controls(text: str) -> str:
    """`text` without control characters: tab and newline stay, those that separate lines or words (CR,
    VT, FF, the separators, NEL) become a newline, every other C0/C1 character (ESC, BEL, NUL, CSI…) is
    dropped, so no escape sequence survives."""
    if _CONTROLS.search(text) is None:
        return text
    return text.replace("\r\n", "\n").translate(_CONTROL_TABLE)


# ASCII whitespace other than the space (str.split() splits on each of them).
_ASCII_BREAKS = bytes(b for b in range(128) if chr(b).isspace() and b != ord(" "))


def collapse(text: str) -> str:
    """Control characters stripped, runs of whitespace (arXiv's hard line breaks) → one space; stripped."""
    flat = strip_controls(text).strip().replace("\n", " ")
    # Most abstracts are ASCII hard-wrapped with single line breaks: once those are spaces nothing is
    # left to do, which three C-level scans tell faster than splitting into a list of every word.
    if flat.isascii() and "  " not in flat and len(flat.encode().translate(None, _ASCII_BREAKS)) == len(flat):
        return flat
    return " ".join(flat.split())


def _optional(text: str | None) -> str | None:
    return collapse(text) or None if text else None


# TeX accent command → Unicode combining mark; listings write authors as `Andr\'e`, the API as `André`.
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_TEX_ACCENT = re.compile(r"\{?\\([`'^\"~=.]|[uvHckr](?=[\s{]))\s*\{?\\?([A-Za-z])\}?\}?")
_TEX_LETTERS = {"o": "ø", "O": "Ø", "ss": "ß", "l": "ł", "L": "Ł", "aa": "å", "AA": "Å", "i": "ı"}
# `{\o}rsted` or `\o rsted`: in TeX the space after a control word only ends it.
_TEX_LETTER = re.compile(r"\{\\(ss|aa|AA|[oOlLi])\}|\\(ss|aa|AA|[oOlLi])(?![A-Za-z])\s?")


def _decode_tex(name: str) -> str:
    if "\\" not in name:
        return name
    decoded = _TEX_ACCENT.sub(lambda m: m[2] + _ACCENTS[m[1]], name)
    decoded = _TEX_LETTER.sub(lambda m: _TEX_LETTERS[m[1] or m[2]], decoded)
    return unicodedata.normalize("NFC", decoded.replace("{", "").replace("}", ""))


def clean_author(name: str) -> str:
    """Collapsed, TeX accents decoded, without the stray leading "and " some listings leave on a name."""
    name = " ".join(strip_controls(name).split())  # not collapse(): short, and run for every author
    if "\\" in name:
        name = _decode_tex(name)
    return name[4:] if name.startswith("and ") else name


# What an arXiv category looks like ("cs.LG", "cond-mat.stat-mech"), at most the column's 32 characters:
# anything else from upstream is not a category, and must not reach a database that would refuse it.
CATEGORY = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,31}")


def _categories(primary: str, others: Iterable[str]) -> tuple[str, ...]:
    cleaned = (" ".join(strip_controls(c).split()) for c in (primary, *others))
    categories = tuple(dict.fromkeys(c for c in cleaned if CATEGORY.fullmatch(c)))
    if not categories:
        raise MalformedItemError("a paper without categories")
    return categories


def utc_moment(moment: datetime) -> datetime | None:
    """An aware UTC datetime (a naive one is read as UTC); None when UTC cannot represent it, as with
    9999-12-31T23:59:59-05:00 (past year 9999) or 0001-01-01T00:00:00+05:00 (before year 1)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 timestamp (`Z` allowed) as aware UTC; None when absent, unreadable or out of range."""
    try:
        return utc_moment(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _utc(moment: datetime, what: str) -> datetime:
    found = utc_moment(moment)
    if found is None:
        raise MalformedItemError(f"{what} {moment.isoformat()} is out of range")
    return found


def record_from_result(r: arxiv.Result) -> PaperRecord:
    """An `arxiv.Result` (API layout, either format) → PaperRecord; MalformedItemError when it is no paper."""
    arxiv_id, version = split_arxiv_id(r.entry_id)
    categories = _categories(r.primary_category, r.categories)
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=collapse(r.title),
        abstract=collapse(r.summary),
        authors=tuple([clean_author(a.name) for a in r.authors]),
        categories=categories,
        primary_category=categories[0],
        published=_utc(r.published, "published"),
        updated=_utc(r.updated, "updated"),
        comment=_optional(r.comment),
        journal_ref=_optional(r.journal_ref),
        doi=_optional(r.doi),
    )


_SUFFIXES = frozenset({"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"})
_AND = re.compile(r"\s+and\s+|^and\s+")


def split_authors(text: str) -> tuple[str, ...]:
    """`A, B, C` or `A, B and C` (listing dc:creator) → names; `Jr.`-style suffixes stay with their name."""
    names: list[str] = []
    for chunk in text.split(","):
        for part in _AND.split(chunk.strip()):
            name = clean_author(part)
            if name in _SUFFIXES and names:
                names[-1] = f"{names[-1]}, {name}"
            elif name:
                names.append(name)
    return tuple(names)


_LISTING_SUMMARY = re.compile(r"\s*arXiv:\S+\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:)?", re.I)


def listing_announce_type(entry: Mapping[str, Any]) -> str:
    """new | cross | replace | replace-cross, from `arxiv:announce_type` or else the summary's header."""
    declared = entry.get("arxiv_announce_type")
    if declared:
        return strip_controls(str(declared)).strip()
    found = _LISTING_SUMMARY.match(str(entry.get("summary", "")))
    return found["type"] if found else "new"


def listing_abstract(summary: str) -> str:
    """The abstract from a listing summary `arXiv:ID Announce Type: X\\nAbstract: …`, collapsed."""
    found = _LISTING_SUMMARY.match(summary)
    return collapse(summary[found.end() :] if found else summary)


def announcement_day(stamp: str) -> datetime:
    """A listing `published` stamp (`2025-08-20T00:00:00-04:00`) → that day at 00:00 UTC.

    The feed only knows the announcement day, written in arXiv's own time zone; keeping its calendar
    date (not the UTC instant, which is 04:00) makes it the same day arXiv shows.
    """
    try:
        day = date.fromisoformat(stamp.strip()[:10])
    except ValueError:
        raise MalformedItemError(f"not a date: {strip_controls(stamp)[:40]!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def record_from_listing_entry(entry: Mapping[str, Any]) -> PaperRecord:
    """A feedparser entry of an arXiv listing feed → PaperRecord (published = updated = announcement day)."""
    arxiv_id, version = split_arxiv_id(str(entry["id"]))
    categories = _categories("", (str(tag["term"]) for tag in entry.get("tags", ())))
    stamp = entry.get("published") or entry.get("updated")
    if not stamp:
        raise MalformedItemError(f"listing entry {arxiv_id} has no date")
    day = announcement_day(str(stamp))
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=collapse(str(entry.get("title", ""))),
        abstract=listing_abstract(str(entry.get("summary", ""))),
        authors=split_authors(_creator(entry)),
        categories=categories,
        primary_category=categories[0],
        published=day,
        updated=day,
    )


def _creator(entry: Mapping[str, Any]) -> str:
    if entry.get("author"):
        return str(entry["author"])
    return ", ".join(str(a.get("name", "")) for a in entry.get("authors", ()))
