"""Load and validate roadmap.yaml into a Roadmap of Topics; every mistake becomes one readable line.

`load_roadmap` never shows a traceback for a bad file: it raises `RoadmapError` listing every problem
found (file, line, topic id, field path), sorted by line. YAML numbers with a dot are read as text, so an
unquoted arXiv id such as `1706.03760` keeps its trailing zero instead of becoming the float 1706.0376.
Loading is bounded: a file over MAX_BYTES, or one whose aliases expand past MAX_NODES nodes (a "billion
laughs" of anchors nine deep and ten wide), is refused before anything walks it.
The models themselves live in collector.roadmap_model; they are re-exported here.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from collector.errors import RoadmapError
from collector.roadmap_model import (
    LEVELS,
    RESOURCE_KINDS,
    Level,
    Resource,
    Roadmap,
    Seminal,
    Topic,
    check_arxiv_id,
    check_doi,
    check_http_url,
    cross_problems,
)

__all__ = [
    "LEVELS",
    "RESOURCE_KINDS",
    "Level",
    "Resource",
    "Roadmap",
    "Seminal",
    "Topic",
    "check_arxiv_id",
    "check_doi",
    "check_http_url",
    "load_roadmap",
]

# ---------------------------------------------------------------- loading with line numbers


class _Loader(yaml.SafeLoader):
    """SafeLoader without the float resolver: `1706.03760` stays the text it was written as."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# roadmap.yaml is about 120 kB and 6,300 YAML nodes; these leave thirty to eighty times the room.
MAX_BYTES = 10_000_000
MAX_NODES = 200_000

_CHILD_MODELS: dict[str, type[BaseModel]] = {
    "levels": Level,
    "topics": Topic,
    "seminal": Seminal,
    "resources": Resource,
}


def load_roadmap(path: Path) -> Roadmap:
    """Read and validate roadmap.yaml; raises RoadmapError listing every problem, one line each."""
    name = str(path)
    node, data = _parse_yaml(name, _read_text(path))
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise RoadmapError(
            name, [f"{name}:1: expected a mapping with keys version, levels, topics; found {found}"]
        )
    report = _Report(name, node, data)
    report.duplicate_keys(node, ())
    report.cross_topic()
    try:
        roadmap = Roadmap.model_validate(data, context={"cross_checked": True})
    except ValidationError as error:
        for details in error.errors():
            report.add(details["loc"], _describe(details))
    if report.problems:
        raise RoadmapError(name, report.sorted())
    return roadmap.read_from(path)


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise RoadmapError(str(path), [f"{path}: larger than {MAX_BYTES:,} bytes: not a roadmap"])
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RoadmapError(str(path), [f"{path}: file not found (set RADAR_ROADMAP_PATH?)"]) from None
    except UnicodeDecodeError as error:
        raise RoadmapError(
            str(path), [f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"]
        ) from None
    except OSError as error:
        raise RoadmapError(str(path), [f"{path}: cannot read: {error.strerror or error}"]) from None


def _parse_yaml(name: str, text: str) -> tuple[yaml.Node | None, object]:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader checks the characters here: a NUL or ESC fails at once
        node = loader.get_single_node()
        _check_size(name, node)
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.MarkedYAMLError as error:
        raise RoadmapError(name, [_yaml_problem(name, error)]) from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        character = f"#x{error.character:04x}" if isinstance(error.character, int) else repr(error.character)
        raise RoadmapError(
            name, [f"{name}:{line}: the character {character} is not allowed in YAML"]
        ) from None
    except yaml.YAMLError as error:
        raise RoadmapError(name, [f"{name}: YAML error: {error}"]) from None
    except RecursionError:
        raise RoadmapError(name, [f"{name}: nested too deep to be a roadmap"]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_size(name: str, root: yaml.Node | None) -> None:
    """Refuse a document whose aliases expand past MAX_NODES nodes (or refer to themselves)."""
    sizes: dict[int, int] = {}
    if root is not None and _expanded(root, sizes, set()) > MAX_NODES:
        raise RoadmapError(
            name, [f"{name}: its aliases expand to more than {MAX_NODES:,} nodes: not a roadmap"]
        )


def _expanded(node: yaml.Node, sizes: dict[int, int], path: set[int]) -> int:
    """How many nodes `node` stands for once every alias is expanded (memoised: each node is seen once)."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in path:
        return MAX_NODES + 1  # an alias inside its own anchor: endless once expanded
    path.add(id(node))
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    total = 1
    for child in children:
        total = min(total + _expanded(child, sizes, path), MAX_NODES + 1)
    path.discard(id(node))
    sizes[id(node)] = total
    return total


def _yaml_problem(name: str, error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
    context = (
        f" ({error.context} on line {error.context_mark.line + 1})"
        if error.context and error.context_mark
        else ""
    )
    return f"{where}: YAML syntax error: {error.problem}{context}"


class _Report:
    """Collects problems with the line of the YAML node each one is about."""

    def __init__(self, name: str, root: yaml.Node | None, data: dict[str, Any]) -> None:
        self.name = name
        self.root = root
        self.data = data
        self.problems: list[tuple[int, str]] = []

    def add(self, loc: Sequence[int | str], message: str, line: int | None = None) -> None:
        line = _line_of(self.root, loc) if line is None else line
        self.problems.append((line, f"{self.name}:{line}: {_subject(self.data, loc)}{message}"))

    def sorted(self) -> list[str]:
        return [text for _, text in sorted(self.problems, key=lambda problem: problem[0])]

    def cross_topic(self) -> None:
        topics, levels = self.data.get("topics"), self.data.get("levels")
        if not isinstance(topics, list) or not isinstance(levels, dict):
            return
        entries = [(i, t.get("id"), t.get("level")) for i, t in enumerate(topics) if isinstance(t, dict)]
        for index, field, message in cross_problems(entries, levels, self._topic_with_line):
            self.add(("topics", index, field), message)

    def _topic_with_line(self, index: int) -> str:
        return f"topics[{index}] on line {_line_of(self.root, ('topics', index))}"

    def duplicate_keys(self, node: yaml.Node | None, loc: tuple[int | str, ...]) -> None:
        """YAML silently keeps the last of two equal keys; report them instead."""
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.duplicate_keys(item, (*loc, i))
        if not isinstance(node, yaml.MappingNode):
            return
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in seen:
                message = f"duplicate key, first on line {seen[key.value]}; YAML would keep only this one"
                self.add((*loc, key.value), message, line)
            seen.setdefault(key.value, line)
            self.duplicate_keys(value, (*loc, key.value))


def _line_of(root: yaml.Node | None, loc: Sequence[int | str]) -> int:
    """The line of the deepest YAML node on the path `loc` (a mapping entry's own key line)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else 1)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            entry = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if entry is None:
                break
            line, node = entry[0].start_mark.line + 1, entry[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _subject(data: dict[str, Any], loc: Sequence[int | str]) -> str:
    """`topic 'resnet': field 'seminal[0].arxiv_id': ` for a loc inside a topic, `field 'version': ` else."""
    prefix, rest = "", list(loc)
    if len(loc) >= 2 and loc[0] == "topics" and isinstance(loc[1], int):
        prefix, rest = _topic_name(data, loc[1]) + ": ", list(loc[2:])
    if not rest:
        return prefix
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest).lstrip(".")
    return f"{prefix}field {path!r}: "


def _topic_name(data: dict[str, Any], index: int) -> str:
    topics = data.get("topics")
    topic = topics[index] if isinstance(topics, list) and index < len(topics) else None
    topic_id = topic.get("id") if isinstance(topic, dict) else None
    return f"topic {topic_id!r}" if isinstance(topic_id, str) else f"topics[{index}] (no id)"


def _describe(details: ErrorDetails) -> str:
    """One pydantic error as a sentence, with the offending value where it helps."""
    kind, value = details["type"], details["input"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        known = list(_model_at(details["loc"]).model_fields)
        close = difflib.get_close_matches(str(details["loc"][-1]), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
        return f"unknown key; {hint}"
    if kind == "value_error":
        return str(details["ctx"]["error"]) if "ctx" in details else details["msg"]
    if kind == "literal_error" and "ctx" in details:
        return f"{value!r} is not one of {details['ctx']['expected']}"
    if isinstance(value, str | int | float | bool) or value is None:
        return f"{details['msg']} (got {value!r})"
    return details["msg"]


def _model_at(loc: Sequence[int | str]) -> type[BaseModel]:
    model: type[BaseModel] = Roadmap
    for part in loc[:-1]:
        if isinstance(part, str) and part in _CHILD_MODELS:
            model = _CHILD_MODELS[part]
    return model
