"""How two descriptions of the same arXiv paper combine into the one we keep (pure, no SQL)."""

from __future__ import annotations

from collections.abc import Iterable

from db.records import PaperRecord


def merge_paper(stored: PaperRecord, incoming: PaperRecord) -> PaperRecord:
    """The record to keep when `incoming` describes the paper already known as `stored`.

    A lower version is stale and ignored. Otherwise (same or newer version) every non-empty incoming
    field replaces the stored one, so a source that lacks a field (the listing feed has no comment, DOI
    or journal ref) never erases it; `published` is the earlier date and `updated` the later one.
    """
    if incoming.version < stored.version:
        return stored
    return PaperRecord(
        arxiv_id=stored.arxiv_id,
        version=incoming.version,
        title=incoming.title or stored.title,
        abstract=incoming.abstract or stored.abstract,
        authors=incoming.authors or stored.authors,
        categories=incoming.categories or stored.categories,
        primary_category=incoming.primary_category or stored.primary_category,
        # A listing feed only knows the announcement day; the API knows v1's submission time.
        published=min(stored.published, incoming.published),
        updated=max(stored.updated, incoming.updated),
        comment=incoming.comment or stored.comment,
        journal_ref=incoming.journal_ref or stored.journal_ref,
        doi=incoming.doi or stored.doi,
    )


def merge_duplicates(records: Iterable[PaperRecord]) -> dict[str, PaperRecord]:
    """One record per arxiv_id, in first-seen order (a cross-listed paper appears once per category)."""
    merged: dict[str, PaperRecord] = {}
    for record in records:
        earlier = merged.get(record.arxiv_id)
        merged[record.arxiv_id] = record if earlier is None else merge_paper(earlier, record)
    return merged


def diff_papers(
    stored: dict[str, PaperRecord], incoming: dict[str, PaperRecord]
) -> tuple[list[PaperRecord], list[PaperRecord], list[str]]:
    """Split a batch into new papers, merged papers whose stored row changes, and ids that stay as stored."""
    new: list[PaperRecord] = []
    changed: list[PaperRecord] = []
    unchanged: list[str] = []
    for arxiv_id, record in incoming.items():
        old = stored.get(arxiv_id)
        if old is None:
            new.append(record)
        elif (merged := merge_paper(old, record)) != old:
            changed.append(merged)
        else:
            unchanged.append(arxiv_id)
    return new, changed, unchanged
