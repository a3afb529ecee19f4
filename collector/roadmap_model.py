"""The roadmap as data: levels, topics (id, names, group, aliases, arXiv query, classics, resources) and
the checks every value passes (pydantic models; collector.roadmap reads the file into them).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from collector.errors import ConfigError
from collector.query import Node, QuerySyntaxError, categories, parse_query
from db import LevelRow, ResourceRow, SeminalRow, TopicRow

LevelId = Literal["L1", "L2", "L3", "L4"]
ResourceKind = Literal["docs", "course", "tutorial", "tool", "book", "blog", "site", "feed"]
LEVELS: tuple[str, ...] = get_args(LevelId)
RESOURCE_KINDS: tuple[str, ...] = get_args(ResourceKind)
_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NEW_ARXIV_ID = r"\d{4}\.\d{4,5}"  # 0704.0001 .. 1412.9999, then 1501.00001 ..
_OLD_ARXIV_ID = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"  # hep-th/9901001, math.GT/0309136
_ARXIV_ID_RE = re.compile(rf"(?:{_NEW_ARXIV_ID}|{_OLD_ARXIV_ID})")
_VERSIONED_RE = re.compile(rf"({_ARXIV_ID_RE.pattern})v\d+")
_ARXIV_URL_RE = re.compile(rf"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/({_ARXIV_ID_RE.pattern})")
_VERSION_RE = re.compile(r"v\d+$")
_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


# ---------------------------------------------------------------- value checks (pure, reused by models)


def check_arxiv_id(value: str) -> str:
    """An arXiv id without version, or ValueError with a hint that says what to write instead."""
    value = value.strip()
    if _ARXIV_ID_RE.fullmatch(value):
        return value
    if versioned := _VERSIONED_RE.fullmatch(value):
        raise ValueError(f"{value!r} has a version suffix; write {versioned.group(1)!r}")
    bare = re.sub(r"(?i)^arxiv:", "", value)
    if bare != value and (_ARXIV_ID_RE.fullmatch(bare) or _VERSIONED_RE.fullmatch(bare)):
        raise ValueError(f"{value!r} has an 'arXiv:' prefix; write {_VERSION_RE.sub('', bare)!r}")
    if url := _ARXIV_URL_RE.match(value):
        raise ValueError(f"{value!r} is a URL; write the id {url.group(1)!r}")
    raise ValueError(f"{value!r} is not an arXiv id (expected e.g. '1706.03762' or 'hep-th/9901001')")


def check_http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def check_doi(value: str) -> str:
    value = value.strip()
    if _DOI_RE.fullmatch(value):
        return value
    if found := re.search(_DOI_RE.pattern, value):
        raise ValueError(f"{value!r} is not a bare DOI; write {found.group(0)!r}")
    raise ValueError(f"{value!r} is not a DOI (expected e.g. '10.1038/nature14539')")


# ---------------------------------------------------------------- models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Level(_Strict):
    """The display names of one level (L1 basics .. L4 research)."""

    name_zh: Text
    name_en: Text


class Seminal(_Strict):
    """A classic paper of a topic: on arXiv (id without version), or reachable by DOI or URL."""

    arxiv_id: str | None = None
    doi: str | None = None
    url: str | None = None
    title: Text
    year: int = Field(ge=1900, le=2100)

    @field_validator("arxiv_id")
    @classmethod
    def _arxiv_id(cls, value: str | None) -> str | None:
        return None if value is None else check_arxiv_id(value)

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str | None) -> str | None:
        return None if value is None else check_doi(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_http_url(value)

    @model_validator(mode="after")
    def _needs_a_link(self) -> Seminal:
        if self.arxiv_id is None and self.doi is None and self.url is None:
            raise ValueError(f"seminal paper {self.title!r} needs at least one of arxiv_id, doi or url")
        return self


class Resource(_Strict):
    """A hand-picked learning resource of a topic."""

    title: Text
    url: str
    kind: ResourceKind

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value)


class Topic(_Strict):
    """One roadmap topic; `query` is arXiv query syntax, parsed once into `parsed_query`."""

    id: str
    level: LevelId
    name_zh: Text
    name_en: Text
    group: Text | None = None
    aliases: list[Text] = []
    query: str | None = None
    seminal: list[Seminal] = []
    resources: list[Resource] = []
    _parsed: Node | None = PrivateAttr(default=None)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG_RE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a slug (lowercase letters, digits, single hyphens: 'batch-norm')"
            )
        return value

    @field_validator("query")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        try:
            parse_query(value)
        except QuerySyntaxError as error:
            raise ValueError(f"{error} in {value!r}") from None
        return value

    def model_post_init(self, context: Any, /) -> None:
        self._parsed = parse_query(self.query) if self.query is not None else None

    @property
    def parsed_query(self) -> Node | None:
        return self._parsed

    def to_row(self, position: int) -> TopicRow:
        return TopicRow(
            id=self.id,
            level=self.level,
            name_zh=self.name_zh,
            name_en=self.name_en,
            group=self.group,
            aliases=tuple(self.aliases),
            query=self.query,
            position=position,
            seminal=tuple(
                SeminalRow(i, paper.title, paper.year, paper.arxiv_id, paper.doi, paper.url)
                for i, paper in enumerate(self.seminal)
            ),
            resources=tuple(
                ResourceRow(i, res.title, res.url, res.kind) for i, res in enumerate(self.resources)
            ),
        )


class Roadmap(_Strict):
    """The whole roadmap: levels, and topics in reading order."""

    version: int = Field(ge=1)
    levels: dict[str, Level]
    topics: list[Topic] = Field(min_length=1)
    _path: Path | None = PrivateAttr(default=None)

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: dict[str, Level]) -> dict[str, Level]:
        unknown = [key for key in value if key not in LEVELS]
        if unknown:
            raise ValueError(f"unknown level key(s) {', '.join(map(repr, unknown))}; use {', '.join(LEVELS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Roadmap:
        if not (info.context or {}).get("cross_checked"):  # load_roadmap checks these itself, with lines
            entries = [(i, topic.id, topic.level) for i, topic in enumerate(self.topics)]
            problems = [message for _, _, message in cross_problems(entries, self.levels)]
            if problems:
                raise ValueError("; ".join(problems))
        return self

    @property
    def path(self) -> Path | None:
        """The file it was read from (None when built in code)."""
        return self._path

    def read_from(self, path: Path) -> Roadmap:
        self._path = path
        return self

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        close = difflib.get_close_matches(topic_id, [topic.id for topic in self.topics], n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ConfigError(f"unknown topic {topic_id!r}{hint}")

    def topics_at(self, level: str) -> list[Topic]:
        if level not in self.levels:
            raise ConfigError(f"unknown level {level!r}; the roadmap has {', '.join(self.levels)}")
        return [topic for topic in self.topics if topic.level == level]

    def categories(self) -> list[str]:
        """Sorted union of the `cat:` values of all queries (for the listing feed)."""
        return sorted(set().union(*(categories(node) for _, node in self.queries())))

    def seminal_arxiv_ids(self) -> list[str]:
        ids = (paper.arxiv_id for topic in self.topics for paper in topic.seminal if paper.arxiv_id)
        return list(dict.fromkeys(ids))

    def level_rows(self) -> list[LevelRow]:
        return [
            LevelRow(level, info.name_zh, info.name_en, i)
            for i, (level, info) in enumerate(self.levels.items())
        ]

    def rows(self) -> list[TopicRow]:
        return [topic.to_row(position) for position, topic in enumerate(self.topics)]

    def queries(self) -> list[tuple[str, Node]]:
        """(topic id, parsed query) for every topic that has a query, in roadmap order."""
        return [(topic.id, topic.parsed_query) for topic in self.topics if topic.parsed_query is not None]


def cross_problems(
    entries: Sequence[tuple[int, object, object]],
    levels: Iterable[str],
    name_topic: Callable[[int], str] = lambda index: f"topics[{index}]",
) -> list[tuple[int, str, str]]:
    """Problems between topics, as (topic index, field, message): duplicate ids, undefined levels."""
    defined = [str(level) for level in levels]
    first: dict[str, int] = {}
    problems: list[tuple[int, str, str]] = []
    for index, topic_id, level in entries:
        if isinstance(topic_id, str) and topic_id in first:
            earlier = name_topic(first[topic_id])
            problems.append((index, "id", f"duplicate id {topic_id!r}, first used by {earlier}"))
        elif isinstance(topic_id, str):
            first[topic_id] = index
        if level in LEVELS and level not in defined:
            message = f"level {level!r} is not defined under 'levels' (defined: {', '.join(defined)})"
            problems.append((index, "level", message))
    return problems
