"""Local matching of papers against topic queries: which topics a paper belongs to, with score and reasons.

Semantics of a term (see collector/query.py for the grammar):
  ti → title, abs → abstract, all → title or abstract, au → authors, co → comment, jr → journal_ref,
  cat → categories (`cat:cs` matches every cs.* category; `cat:cs.LG` only cs.LG).
  Text terms match whole words: letters and digits form words, anything else separates them, so ViT does
  not match "activity" nor GAN "organ". A phrase's words (or a hyphenated word's parts) may be separated
  by whitespace, underscores, hyphens or Unicode hyphens and dashes ("multi-head" == "multi head" ==
  "multi‑head"); other punctuation written in a phrase must be there, give or take spaces
  ("Vision Transformer (ViT)", "torch.compile"). The last word may take a plural "s" or "es" (GANs, ViTs).
  A word written as an acronym is case-sensitive: all capitals (GAN, VAE, PPO) or mixed case with a
  capital after the first letter (ViT, LoRA, LLaMA), in both cases with at most 5 letters. Every other
  word is case-insensitive ("ResNet" matches "resnet", "Adam" matches "adam"). Author terms are always
  case-insensitive (names such as LeCun are not acronyms).

Score of a paper for a topic (only topics whose boolean query holds and whose score is > 0 match):
  every distinct positive text term that the paper satisfies (a term on the right of ANDNOT is never
  positive) adds the weight of where it was found: title 3.0, abstract 1.0 (an `all:` term takes the
  title when it is there), authors, comment or journal-ref 0.5. `cat:` terms only filter (weight 0), so
  a query of categories alone never matches. Two terms yielding the same reason count once. The score is
  rounded to 3 decimals. Reasons read `title: "low-rank adaptation"` (the term as written in the query),
  highest weight first, then in query order.

Speed (about 30 µs per paper against the 93 topics of roadmap.yaml): each field of a paper is tokenised
once (one bytes.translate + split) and intersected with the words the terms use; terms are indexed by
their rarest word, so only terms whose key word occurs are looked at, their other words are checked with
set lookups, and only then is a precompiled regex run (phrases and acronyms only; no lookbehind, so `re`
can scan for a literal prefix). A topic whose positive terms all fail cannot hold (ANDNOT needs its
left side), so only topics with a satisfied positive term are evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from collector.query import Node, Term
from db import MatchRow, PaperRecord

_WORD_RE = re.compile(r"[^\W_]+")
# every ASCII byte that is not a letter or digit becomes a space, so bytes.split() yields the words
_ASCII_SPACES = bytes.maketrans(
    bytes(b for b in range(128) if not chr(b).isalnum()), b" " * sum(not chr(b).isalnum() for b in range(128))
)
# whitespace, underscore, ASCII hyphen, soft hyphen, U+2010..U+2015 hyphens and dashes, minus sign
_SEPARATOR = r"[\s_\-\u00ad\u2010-\u2015\u2212]+"
_SEPARATOR_RE = re.compile(_SEPARATOR)
_WORD_SPLIT_RE = re.compile(r"([^\W_]+)")
_PLURAL = "(?:s|es)?"
# a word start is checked in code: a lookbehind at the start would cost `re` its literal-prefix scan (25x)
_WORD_END = r"(?![^\W_])"

# The 205 most frequent words (3+ letters) of 12,120 recent arXiv cs abstracts (tests/fixtures/corpus),
# most frequent first. Only used to index each term under its rarest word, so that common words such as
# "model", "language" or "learning" seldom make a term worth looking at.
_FREQUENT_TEXT = """
    and the for that with this models from our model language based are while large across
    performance propose these framework introduce which existing training data methods experiments
    demonstrate however can learning results into tasks through their high both such using
    generation state address reasoning show multi have approach two art often benchmarks novel
    achieves method first quality more but over image llms fine work code https task via only
    accuracy real datasets extensive dataset paper github visual benchmark level its between further
    evaluation diverse has time text without available scale world where llm human present
    information than also approaches yet analysis multiple under when not remains significantly new
    capabilities specific recent vision efficient com complex each three single inference enabling
    strong outperforms challenges key trained aware images open understanding they systems process
    knowledge significant context research including semantic effective critical multimodal current
    evaluate long design robust due improves all video limited tuning gap domain efficiency within
    attention study features enables challenging cross different during effectively source strategy
    scenarios specifically designed most how then alignment challenge baselines comprehensive
    compared provide optimization diffusion low applications space effectiveness representations use
    agent agents achieving modeling improve rely achieve prior pipeline self proposed computational
    potential limitations provides generated dynamic unified
"""
_FREQUENT_WORDS = _FREQUENT_TEXT.split()
_FREQUENCY_RANK = {word: rank for rank, word in enumerate(_FREQUENT_WORDS)}

WEIGHTS = {"title": 3.0, "abstract": 1.0, "authors": 0.5, "comment": 0.5, "journal-ref": 0.5}
_SOURCES_OF_FIELD = {
    "ti": ("title",),
    "abs": ("abstract",),
    "all": ("title", "abstract"),
    "au": ("authors",),
    "co": ("comment",),
    "jr": ("journal-ref",),
}
_TEXT_OF_SOURCE: dict[str, Callable[[PaperRecord], str]] = {
    "title": lambda paper: paper.title,
    "abstract": lambda paper: paper.abstract,
    "authors": lambda paper: "; ".join(paper.authors),
    "comment": lambda paper: paper.comment or "",
    "journal-ref": lambda paper: paper.journal_ref or "",
}


def is_acronym(word: str) -> bool:
    """All capitals (≥ 2 letters) or mixed case with an inner capital, and at most 5 letters."""
    letters = [char for char in word if char.isalpha()]
    if not letters or len(letters) > 5:
        return False
    if not any(char.islower() for char in letters):
        return len(letters) >= 2
    return any(char.isupper() for char in letters[1:])


def words_of(lowered: str) -> list[bytes]:
    """The words (maximal runs of letters and digits) of a lowercased text, as UTF-8 bytes."""
    if lowered.isascii():  # the common case: one C-level translate + split instead of a Unicode regex
        return lowered.encode().translate(_ASCII_SPACES).split()
    return [word.encode() for word in _WORD_RE.findall(lowered)]


@dataclass(frozen=True, slots=True)
class _Field:
    """One source text of a paper: as written, lowercased, and which words of any term it contains."""

    text: str
    lowered: str
    present: frozenset[bytes]


@dataclass(frozen=True, slots=True)
class _TextTerm:
    """A compiled text term: the words to pre-check with set lookups and, if needed, a confirming regex."""

    sources: tuple[str, ...]
    label: str
    key: frozenset[bytes]  # index keys: the longest word, with its plural forms when it is the last word
    others: tuple[bytes, ...]  # lowercased words that must be present besides the last one
    last: frozenset[bytes]  # the last word, lowercased, with its plural forms
    pattern: re.Pattern[str] | None  # None when the set lookups alone decide (one case-insensitive word)
    on_lowered: bool  # no acronym: the pattern is plain lowercase and runs on the lowercased text

    def best_source(self, fields: dict[str, _Field]) -> str | None:
        """The best source this term occurs in, or None."""
        for source in self.sources:
            if self.occurs_in(fields[source]):
                return source
        return None

    def occurs_in(self, field: _Field) -> bool:
        present = field.present
        if present.isdisjoint(self.last) or not all(word in present for word in self.others):
            return False
        if self.pattern is None:
            return True
        return _search_word_start(self.pattern, field.lowered if self.on_lowered else field.text)


def _search_word_start(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the pattern matches somewhere that starts a word (not preceded by a letter or digit)."""
    match = pattern.search(text)
    while match is not None:
        start = match.start()
        if start == 0 or not text[start - 1].isalnum():
            return True
        match = pattern.search(text, start + 1)
    return False


def _compile_term(term: Term) -> _TextTerm:
    pieces = _WORD_SPLIT_RE.split(term.value)  # gap, word, gap, word, ..., gap
    words, gaps = pieces[1::2], pieces[2:-1:2]
    lowered = [word.lower() for word in words]
    acronyms = [term.field != "au" and is_acronym(word) for word in words]
    last = frozenset(f"{lowered[-1]}{suffix}".encode() for suffix in ("", "s", "es"))
    key = min(lowered, key=_commonness)
    return _TextTerm(
        sources=_SOURCES_OF_FIELD[term.field],
        label=term.value,
        key=last if key == lowered[-1] else frozenset({key.encode()}),
        others=tuple(word.encode() for word in lowered[:-1]),
        last=last,
        pattern=_term_pattern(words, gaps, acronyms) if len(words) > 1 or any(acronyms) else None,
        on_lowered=not any(acronyms),
    )


@dataclass(frozen=True, slots=True)
class TermFinder:
    """Where a term occurs in a text (the matcher's semantics: word starts, plurals, case-sensitive
    acronyms, separator-tolerant phrases); for the few matched papers whose mentions are weighed."""

    label: str
    pattern: re.Pattern[str]
    on_lowered: bool
    others: frozenset[str]  # its words but the last, lowercased: a text without one holds no mention
    last: frozenset[str]  # its last word, lowercased (a plural contains it)

    def may_occur(self, lowered: str) -> bool:
        """False when a lowercased text cannot hold a mention: one of its words is nowhere in it (a cheap
        substring test, run before the regex)."""
        return all(word in lowered for word in self.others) and any(word in lowered for word in self.last)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every mention, in order."""
        haystack = text.lower() if self.on_lowered else text
        found = []
        for match in self.pattern.finditer(haystack):
            start = match.start()
            if start == 0 or not haystack[start - 1].isalnum():
                found.append((start, match.end()))
        return found


def term_finder(term: Term) -> TermFinder:
    """A TermFinder for one query term (any field but `cat`)."""
    pieces = _WORD_SPLIT_RE.split(term.value)
    words, gaps = pieces[1::2], pieces[2:-1:2]
    acronyms = [term.field != "au" and is_acronym(word) for word in words]
    pattern = _term_pattern(words, gaps, acronyms)
    lowered = [word.lower() for word in words]
    return TermFinder(
        term.value, pattern, not any(acronyms), frozenset(lowered[:-1]), frozenset(lowered[-1:])
    )


def _commonness(word: str) -> tuple[int, int]:
    """Sort key, rarest first: unlisted words (longest first), listed ones by rank, then 1-2 letter words."""
    if len(word) < 3:
        return (len(_FREQUENT_WORDS) + 1, -len(word))
    rank = _FREQUENCY_RANK.get(word)
    return (-1, -len(word)) if rank is None else (len(_FREQUENT_WORDS) - rank, 0)


def _term_pattern(words: list[str], gaps: list[str], acronyms: list[bool]) -> re.Pattern[str]:
    """Words joined by their gaps, a plural ending, then a word end; all lowercase when there is no acronym.

    A gap of spaces and hyphens becomes any run of separators; a gap with other punctuation keeps it,
    with optional spaces around (`Transformer (ViT)`, `torch.compile`).
    """
    if not any(acronyms):
        parts = [re.escape(word.lower()) for word in words]
        plural = _PLURAL
    else:
        parts = [
            re.escape(w) if acronym else f"(?i:{re.escape(w)})"
            for w, acronym in zip(words, acronyms, strict=True)
        ]
        plural = _PLURAL if acronyms[-1] else f"(?i:{_PLURAL})"
    pattern = parts[0]
    for gap, part in zip(gaps, parts[1:], strict=True):
        pattern += _gap_pattern(gap) + part
    return re.compile(pattern + plural + _WORD_END)


def _gap_pattern(gap: str) -> str:
    punctuation = _SEPARATOR_RE.sub("", gap)
    return rf"\s*{re.escape(punctuation)}\s*" if punctuation else _SEPARATOR


# A compiled query: found text terms (number → source) and the paper's categories → does it hold?
_Predicate = Callable[[dict[int, str], frozenset[str]], bool]


@dataclass(frozen=True, slots=True)
class _Topic:
    id: str
    holds: _Predicate
    positive: tuple[int, ...]  # distinct text terms outside any ANDNOT right side, in query order


class _TermTable:
    """Distinct text terms of all topics; per source, the words they use and an index key word → terms."""

    def __init__(self) -> None:
        self.terms: list[_TextTerm] = []
        self.numbers: dict[tuple[str, str], int] = {}
        self.index: dict[str, dict[bytes, list[int]]] = {}
        self.vocabulary: dict[str, set[bytes]] = {}

    def add(self, term: Term) -> int:
        number = self.numbers.get((term.field, term.value))
        if number is None:
            number = self.numbers[(term.field, term.value)] = len(self.terms)
            compiled = _compile_term(term)
            self.terms.append(compiled)
            for source in compiled.sources:
                for key in compiled.key:
                    self.index.setdefault(source, {}).setdefault(key, []).append(number)
                self.vocabulary.setdefault(source, set()).update(compiled.others, compiled.last)
        return number


def _compile_query(node: Node, table: _TermTable, positive: list[int], negated: bool) -> _Predicate:
    if isinstance(node, Term):
        return _compile_term_test(node, table, positive, negated)
    left = _compile_query(node.left, table, positive, negated)
    right = _compile_query(node.right, table, positive, negated or node.op == "ANDNOT")
    if node.op == "OR":
        return lambda found, categories: left(found, categories) or right(found, categories)
    if node.op == "AND":
        return lambda found, categories: left(found, categories) and right(found, categories)
    return lambda found, categories: left(found, categories) and not right(found, categories)


def _compile_term_test(term: Term, table: _TermTable, positive: list[int], negated: bool) -> _Predicate:
    if term.field == "cat":
        category = term.value
        return lambda found, categories: category in categories
    number = table.add(term)
    if not negated and number not in positive:
        positive.append(number)
    return lambda found, categories: number in found


class Matcher:
    """Matches papers against a fixed set of topic queries; build it once with `build_matcher`."""

    def __init__(self, queries: Sequence[tuple[str, Node]]) -> None:
        self._table = _TermTable()
        self._topics: list[_Topic] = []
        self._topics_of_term: dict[int, list[int]] = {}
        for topic_id, node in queries:
            positive: list[int] = []
            compiled = _compile_query(node, self._table, positive, negated=False)
            for number in positive:
                self._topics_of_term.setdefault(number, []).append(len(self._topics))
            self._topics.append(_Topic(topic_id, compiled, tuple(positive)))
        self._vocabulary = {source: frozenset(words) for source, words in self._table.vocabulary.items()}

    def match(self, paper: PaperRecord) -> list[MatchRow]:
        """The topics the paper matches, best score first (ties in query order)."""
        found = self._find_terms(paper)
        candidates = sorted({t for number in found for t in self._topics_of_term.get(number, ())})
        categories = _category_set(paper.categories) if candidates else frozenset()
        rows = [self._row(paper, self._topics[t], found, categories) for t in candidates]
        matched = [row for row in rows if row is not None]
        matched.sort(key=lambda row: -row.score)
        return matched

    def _find_terms(self, paper: PaperRecord) -> dict[int, str]:
        """Term number → the best source it occurs in, for every text term the paper satisfies."""
        fields: dict[str, _Field] = {}
        candidates: set[int] = set()
        for source, vocabulary in self._vocabulary.items():
            text = _TEXT_OF_SOURCE[source](paper)
            lowered = text.lower()
            present = vocabulary.intersection(words_of(lowered))
            fields[source] = _Field(text, lowered, present)
            index = self._table.index[source]
            for word in index.keys() & present:
                candidates.update(index[word])
        found: dict[int, str] = {}
        for number in candidates:
            if (best := self._table.terms[number].best_source(fields)) is not None:
                found[number] = best
        return found

    def _row(
        self, paper: PaperRecord, topic: _Topic, found: dict[int, str], categories: frozenset[str]
    ) -> MatchRow | None:
        if not topic.holds(found, categories):
            return None
        hits: dict[str, float] = {}
        for number in topic.positive:
            source = found.get(number)
            if source is not None:
                hits.setdefault(f'{source}: "{self._table.terms[number].label}"', WEIGHTS[source])
        if not hits:
            return None
        reasons = sorted(hits, key=lambda reason: -hits[reason])
        return MatchRow(paper.arxiv_id, topic.id, round(sum(hits.values()), 3), tuple(reasons))


def _category_set(categories: Sequence[str]) -> frozenset[str]:
    """The categories and their archives, so `cat:cs` matches cs.LG."""
    return frozenset(categories).union(category.split(".", 1)[0] for category in categories)


def build_matcher(queries: Sequence[tuple[str, Node]]) -> Matcher:
    """Compile (topic id, query) pairs once; `Matcher.match(paper)` is then cheap."""
    return Matcher(queries)
