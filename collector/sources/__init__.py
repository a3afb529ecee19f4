"""The upstreams Roadmap Radar collects from, registered once. Each module here owns all HTTP to one
upstream: arxiv_api (search, id_list), arxiv_listing (daily listing feeds), huggingface (papers API),
feeds (blog feeds of the roadmap).

`Source` names what `radar collect --source` can run; its value is what the runs table records (except
that Hugging Face paper search is recorded as "hf", the upstream it asks).
"""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    """A source of a collection run, in pipeline order."""

    LISTING = "listing"  # today's arXiv listing of the roadmap's categories
    API = "api"  # the topic backfill: grouped arXiv API searches over a window
    SEMINAL = "seminal"  # the roadmap's classics, by arXiv id_list
    HF = "hf"  # Hugging Face featured days, then arXiv metadata and HF pages of their papers
    HF_SEARCH = "hf-search"  # Hugging Face paper search per topic (weekly)
    FEEDS = "feeds"  # the roadmap's blog feeds


# Who each source asks, in the words a user reads ("arXiv cannot be reached …").
UPSTREAMS = {
    Source.LISTING: "arXiv",
    Source.API: "arXiv",
    Source.SEMINAL: "arXiv",
    Source.HF: "Hugging Face",
    Source.HF_SEARCH: "Hugging Face",
    Source.FEEDS: "blog feeds",
}
# The daily cycle: `radar collect` without --source.
DAILY = (Source.LISTING, Source.SEMINAL, Source.HF)
