"""Untrusted text made safe to show: Markdown escaping and links built only from checked ids and URLs (pure).

Titles, abstracts and author names come from arXiv and Hugging Face and may contain anything; pages show
them with `st.text`, or through `md_escape` where Markdown is unavoidable (a link's label).
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlsplit

# New-style (2106.09685) and old-style (math/9501234, cs.AI/0101001) arXiv ids, without version.
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}")
# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all leaves no
# link, image, emphasis, HTML tag, autolink, math ($) or directive (:red[...]) syntax behind.
PUNCTUATION = frozenset(string.punctuation)
WHITESPACE = re.compile(r"\s+")


def md_escape(text: str) -> str:
    """`text` as Markdown that renders as exactly this text, on one line."""
    flat = WHITESPACE.sub(" ", text).strip()
    return "".join("\\" + ch if ch in PUNCTUATION else ch for ch in flat)


def arxiv_url(arxiv_id: str | None) -> str | None:
    """The abstract page of a well-formed arXiv id, else None."""
    if arxiv_id and ARXIV_ID.fullmatch(arxiv_id):
        return f"https://arxiv.org/abs/{arxiv_id}"
    return None


def safe_url(url: str | None) -> str | None:
    """`url` if it is a plain http(s) URL with a host and nothing that could break out of a Markdown link."""
    if not url or any(ch.isspace() or ch in "()<>\"'`\\" for ch in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def md_link(label: str, url: str | None) -> str:
    """A Markdown link with an escaped label, or just the escaped label when the URL is not safe."""
    target = safe_url(url)
    return f"[{md_escape(label)}]({target})" if target else md_escape(label)


def one_line(text: str, limit: int = 300) -> str:
    """Whitespace collapsed and cut to `limit` characters (for captions and table cells)."""
    flat = WHITESPACE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- Markdown for files people read (exports) -------------------------------------------------------------
# Where text could turn into Markdown other than itself in a list item: emphasis, code, links and images,
# raw HTML and autolinks, math, strikethrough, an escape. Everything else stays as written ("LoRA:
# Low-Rank …", "Hu, Shen"), so the file reads as text before it is rendered.
MD_ALWAYS = frozenset("\\`*[]<$~")
# An underscore only emphasises at a word's edge; an ampersand only starts an entity before a name and ;.
MD_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


# What makes a line a heading, quote, list item, setext underline or thematic break when it starts one.
MD_LINE_START = re.compile(r"^(?:[#>+=|-]|\d+(?=[.)]))")


def md_text(text: str) -> str:
    """`text` on one line, escaped only where Markdown would read it as markup (for readable files)."""
    flat = WHITESPACE.sub(" ", text).strip()
    flat = "".join("\\" + ch if ch in MD_ALWAYS else ch for ch in flat)
    return MD_ENTITY.sub(r"\\&", MD_EDGE_UNDERSCORE.sub(r"\\_", flat))


def md_line(text: str) -> str:
    """md_text for text that starts a line: its first character escaped when it would open a block."""
    escaped = md_text(text)
    found = MD_LINE_START.match(escaped)
    if not found:
        return escaped
    end = found.end()
    return escaped[:end] + "\\" + escaped[end:] if escaped[:1].isdigit() else "\\" + escaped


# -- a paper in one line ----------------------------------------------------------------------------------
# A full stop after one of these does not end the sentence ("e.g. LoRA", "Hu et al. show").
ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "et",
        "al",
        "etc",
        "vs",
        "cf",
        "fig",
        "figs",
        "eq",
        "eqs",
        "sec",
        "resp",
        "approx",
        "no",
        "dr",
        "mr",
        "ms",
        "prof",
        "st",
    ]
)
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\"“(\[])")


def first_sentence(text: str, limit: int = 220) -> str:
    """The first sentence of `text` (an abstract, already as text), on one line and at most `limit` long."""
    flat = WHITESPACE.sub(" ", text).strip()
    for end in SENTENCE_END.finditer(flat):
        word = flat[: end.start()].rsplit(" ", 1)[-1].lstrip('(["“').lower()
        if word not in ABBREVIATIONS and not (len(word) == 1 and word.isalpha()):
            return one_line(flat[: end.end()], limit)
    return one_line(flat, limit)
