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
