"""Code links a paper gives in its own text (arXiv comment and abstract) → resources. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable

from db import PaperRecord, Resource

# OWNER/REPO right after "github.com/"; GitHub's own pages (orgs/, topics/ …) are not repositories.
_REPO = re.compile(r"([A-Za-z0-9](?:[\w-]*[A-Za-z0-9])?)/([\w.-]+)")
_HOST = "github.com/"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")
_NOT_OWNERS = frozenset(
    {"orgs", "topics", "features", "about", "sponsors", "marketplace", "settings", "apps"}
)


def github_links(text: str | None) -> list[str]:
    """`https://github.com/owner/repo` for each repository the text names, once each, in order of mention.

    The host may come with or without scheme and `www.`, in any case, but not inside another name
    (`gist.github.com`, `mygithub.com`). A sentence's closing punctuation and a `.git` suffix are not
    part of the repository name.
    """
    found: dict[str, None] = {}
    # Scanning the lowered text for the host with str.find is far cheaper than a case-insensitive regex
    # with a lookbehind over every abstract (a fifth of them mention GitHub).
    lowered = (text or "").lower()
    at = lowered.find(_HOST)
    while at != -1:
        if _stands_alone(lowered, at):
            repo = _REPO.match(text or "", at + len(_HOST))
            if repo is not None:
                _add_repo(found, repo[1], repo[2])
        at = lowered.find(_HOST, at + len(_HOST))
    return list(found)


def _stands_alone(lowered: str, at: int) -> bool:
    """The host at `at` is not the tail of another name (an optional `www.` before it is fine)."""
    if lowered.endswith("www.", 0, at):
        at -= len("www.")
    return at == 0 or lowered[at - 1] not in _NAME_CHARS


def _add_repo(found: dict[str, None], owner: str, repo: str) -> None:
    repo = repo.rstrip(".").removesuffix(".git")
    if repo and owner.lower() not in _NOT_OWNERS:
        found.setdefault(f"https://github.com/{owner}/{repo}", None)


def text_resources(papers: Iterable[PaperRecord]) -> list[Resource]:
    """Code resources (source "arxiv") for the GitHub repositories a paper's comment or abstract names."""
    return [
        Resource("code", url, url.removeprefix("https://github.com/"), paper.arxiv_id, source="arxiv")
        for paper in papers
        for url in github_links(f"{paper.comment or ''} {paper.abstract}")
    ]
