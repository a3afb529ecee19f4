"""roadmap.yaml loading: the real file loads; each mistake is one line naming file, line, topic and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from collector.errors import ConfigError, RoadmapError
from collector.query import Term, parse_query
from collector.roadmap import Roadmap, load_roadmap
from db import ResourceRow, SeminalRow, TopicRow

ROADMAP = Path(__file__).resolve().parent.parent / "roadmap.yaml"

GOOD = """\
version: 1
levels:
  L1: {name_zh: 基础级, name_en: Basics}
  L2: {name_zh: 入门级, name_en: Beginner}
topics:
  - id: mlp
    level: L1
    name_zh: 多层感知机
    name_en: Multilayer perceptron
  - id: resnet
    level: L2
    name_zh: 残差网络
    name_en: ResNet
    group: classic-cnn
    aliases: [residual network, ResNet-50]
    query: (all:ResNet OR all:"residual network") AND (cat:cs.CV OR cat:cs.LG)
    seminal:
      - arxiv_id: "1512.03385"
        title: Deep Residual Learning for Image Recognition
        year: 2015
    resources:
      - title: Dive into Deep Learning, ResNet
        url: https://d2l.ai/chapter_convolutional-modern/resnet.html
        kind: book
  - id: transformer
    level: L2
    name_zh: Transformer
    name_en: Transformer
    query: >-
      ti:transformer OR
      abs:"self-attention"
      AND cat:stat.ML
    seminal:
      - arxiv_id: 1706.03760
        title: An unquoted id with a trailing zero
        year: 2017
      - arxiv_id: "1512.03385"
        title: Deep Residual Learning for Image Recognition (again)
        year: 2015
      - doi: 10.1162/neco.1997.9.8.1735
        title: Long Short-Term Memory
        year: 1997
      - url: https://www.deeplearningbook.org/
        title: Deep Learning
        year: 2016
      - arxiv_id: hep-th/9901001
        title: An old-style id
        year: 1999
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roadmap.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RoadmapError) as caught:
        load_roadmap(path)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: {len(caught.value.problems)} problem(s)")
    return caught.value.problems


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing `needle`."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return found[occurrence - 1]


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    return write(tmp_path, text), text


# ---------------------------------------------------------------- files that load


def test_the_real_roadmap_loads() -> None:
    if not ROADMAP.exists():
        pytest.skip("roadmap.yaml is not written yet")
    roadmap = load_roadmap(ROADMAP)
    ids = [topic.id for topic in roadmap.topics]
    assert len(ids) == len(set(ids)) > 0
    assert {topic.level for topic in roadmap.topics} <= set(roadmap.levels)
    assert roadmap.queries() and all(parse_query(topic.query) for topic in roadmap.topics if topic.query)
    assert [row.id for row in roadmap.rows()] == ids
    assert roadmap.path == ROADMAP


def test_a_good_roadmap_loads_with_everything_available(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    roadmap = load_roadmap(path)
    assert roadmap.path == path
    assert roadmap.version == 1
    assert [topic.id for topic in roadmap.topics_at("L2")] == ["resnet", "transformer"]
    assert roadmap.topic("resnet").parsed_query == parse_query(
        '(all:ResNet OR all:"residual network") AND (cat:cs.CV OR cat:cs.LG)'
    )
    assert roadmap.topic("mlp").parsed_query is None
    assert roadmap.categories() == ["cs.CV", "cs.LG", "stat.ML"]
    assert roadmap.seminal_arxiv_ids() == ["1512.03385", "1706.03760", "hep-th/9901001"]
    assert [topic_id for topic_id, _ in roadmap.queries()] == ["resnet", "transformer"]


def test_a_folded_query_is_one_line_and_an_unquoted_arxiv_id_keeps_its_zero(tmp_path: Path) -> None:
    roadmap = load_roadmap(write(tmp_path, GOOD))
    transformer = roadmap.topic("transformer")
    assert transformer.query == 'ti:transformer OR abs:"self-attention" AND cat:stat.ML'
    assert transformer.seminal[0].arxiv_id == "1706.03760"  # YAML would have read the float 1706.0376


def test_rows_are_storage_records_in_roadmap_order(tmp_path: Path) -> None:
    rows = load_roadmap(write(tmp_path, GOOD)).rows()
    assert [(row.id, row.position) for row in rows] == [("mlp", 0), ("resnet", 1), ("transformer", 2)]
    assert rows[1] == TopicRow(
        id="resnet",
        level="L2",
        name_zh="残差网络",
        name_en="ResNet",
        group="classic-cnn",
        aliases=("residual network", "ResNet-50"),
        query='(all:ResNet OR all:"residual network") AND (cat:cs.CV OR cat:cs.LG)',
        position=1,
        seminal=(SeminalRow(0, "Deep Residual Learning for Image Recognition", 2015, arxiv_id="1512.03385"),),
        resources=(
            ResourceRow(
                0,
                "Dive into Deep Learning, ResNet",
                "https://d2l.ai/chapter_convolutional-modern/resnet.html",
                "book",
            ),
        ),
    )
    assert rows[2].seminal[2] == SeminalRow(
        2, "Long Short-Term Memory", 1997, doi="10.1162/neco.1997.9.8.1735"
    )


def test_an_unknown_topic_id_names_close_matches(tmp_path: Path) -> None:
    roadmap = load_roadmap(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match=r"unknown topic 'resnte'; did you mean 'resnet'\?"):
        roadmap.topic("resnte")
    with pytest.raises(ConfigError, match=r"^unknown topic 'zzz'$"):
        roadmap.topic("zzz")


def test_an_unknown_level_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown level 'L4'"):
        load_roadmap(write(tmp_path, GOOD)).topics_at("L4")


def test_building_a_roadmap_directly_still_checks_ids() -> None:
    topic = {"id": "a", "level": "L1", "name_zh": "甲", "name_en": "A", "query": "ti:a"}
    data = {"version": 1, "levels": {"L1": {"name_zh": "一", "name_en": "One"}}, "topics": [topic, topic]}
    with pytest.raises(ValidationError, match="duplicate id 'a'"):
        Roadmap.model_validate(data)
    assert Roadmap.model_validate({**data, "topics": [topic]}).queries() == [("a", Term("ti", "a", False))]


# ---------------------------------------------------------------- one test per kind of mistake


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "  - id: transformer", "  - id: resnet")
    first, second = line_of(text, "- id: resnet"), line_of(text, "- id: resnet", 2)
    assert problems_of(path) == [
        f"{path}:{second}: topic 'resnet': field 'id': duplicate id 'resnet', "
        f"first used by topics[1] on line {first}"
    ]


def test_level_not_defined_under_levels(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "  L2: {name_zh: 入门级, name_en: Beginner}\n", "")
    line = line_of(text, "level: L2")
    problems = problems_of(path)
    assert problems[0] == (
        f"{path}:{line}: topic 'resnet': field 'level': "
        "level 'L2' is not defined under 'levels' (defined: L1)"
    )
    assert len(problems) == 2  # resnet and transformer


def test_level_outside_l1_to_l4(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "    level: L1\n", "    level: L5\n")
    line = line_of(text, "level: L5")
    assert problems_of(path) == [
        f"{path}:{line}: topic 'mlp': field 'level': 'L5' is not one of 'L1', 'L2', 'L3' or 'L4'"
    ]


def test_unknown_level_key(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "  L2: {name", "  L9: {name")
    problems = problems_of(path)
    assert (
        problems[0]
        == f"{path}:{line_of(text, 'levels:')}: field 'levels': unknown level key(s) 'L9'; use L1, L2, L3, L4"
    )


def test_unparsable_query_says_what_and_where(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "(cat:cs.CV OR cat:cs.LG)", "(cat:cs.CV OR cat:cs.LG))")
    assert problems_of(path) == [
        f"{path}:{line_of(text, 'query: (all:ResNet')}: topic 'resnet': field 'query': "
        "unexpected ')' at column 68 in "
        """'(all:ResNet OR all:"residual network") AND (cat:cs.CV OR cat:cs.LG))'"""
    ]


def test_unbalanced_parenthesis_in_query(tmp_path: Path) -> None:
    path, text = broken(
        tmp_path, '(all:ResNet OR all:"residual network")', '(all:ResNet OR all:"residual network"'
    )
    [problem] = problems_of(path)
    assert problem.startswith(
        f"{path}:{line_of(text, 'query: (all:ResNet')}: topic 'resnet': field 'query': "
    )
    assert "unclosed '(' at column 1 in" in problem


def test_query_with_lower_case_operator(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "ti:transformer OR", "ti:transformer or")
    [problem] = problems_of(path)
    # a folded block scalar: the line is the key's, the column is within the folded query
    assert problem.startswith(f"{path}:{line_of(text, 'query: >-')}: topic 'transformer': field 'query': ")
    assert "operator 'or' must be upper case: write 'OR' at column 16" in problem


def test_malformed_arxiv_id(tmp_path: Path) -> None:
    path, text = broken(tmp_path, 'arxiv_id: "1512.03385"', 'arxiv_id: "1512.033"')
    assert problems_of(path) == [
        f"{path}:{line_of(text, '1512.033')}: topic 'resnet': field 'seminal[0].arxiv_id': '1512.033' is not "
        "an arXiv id (expected e.g. '1706.03762' or 'hep-th/9901001')"
    ]


def test_versioned_arxiv_id(tmp_path: Path) -> None:
    path, text = broken(tmp_path, 'arxiv_id: "1512.03385"', "arxiv_id: 1512.03385v2")
    assert problems_of(path) == [
        f"{path}:{line_of(text, '1512.03385v2')}: topic 'resnet': field 'seminal[0].arxiv_id': "
        "'1512.03385v2' has a version suffix; write '1512.03385'"
    ]


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("arXiv:1706.03762", "has an 'arXiv:' prefix; write '1706.03762'"),
        ("https://arxiv.org/abs/1706.03762v5", "is a URL; write the id '1706.03762'"),
        ("hep-th/9901001v1", "has a version suffix; write 'hep-th/9901001'"),
    ],
)
def test_arxiv_id_written_another_way(tmp_path: Path, written: str, hint: str) -> None:
    path, text = broken(tmp_path, "arxiv_id: hep-th/9901001", f"arxiv_id: {written}")
    line = line_of(text, written)
    assert problems_of(path) == [
        f"{path}:{line}: topic 'transformer': field 'seminal[4].arxiv_id': {written!r} {hint}"
    ]


def test_missing_required_field(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "    name_zh: 残差网络\n", "")
    assert problems_of(path) == [
        f"{path}:{line_of(text, '- id: resnet')}: topic 'resnet': field 'name_zh': required field is missing"
    ]


def test_missing_id_names_the_topic_by_index(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "  - id: mlp\n    level: L1", "  - level: L1")
    assert problems_of(path) == [
        f"{path}:{line_of(text, '- level: L1')}: topics[0] (no id): field 'id': required field is missing"
    ]


def test_missing_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("version: 1\n", ""))
    assert problems_of(path) == [f"{path}:1: field 'version': required field is missing"]


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "    aliases:", "    alias:")
    assert problems_of(path) == [
        f"{path}:{line_of(text, 'alias:')}: topic 'resnet': field 'alias': "
        "unknown key; did you mean 'aliases'?"
    ]


def test_unknown_key_in_a_seminal_paper(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "        year: 1997\n", "        year: 1997\n        authors: Hochreiter\n")
    [problem] = problems_of(path)
    assert problem.startswith(
        f"{path}:{line_of(text, 'authors:')}: topic 'transformer': field 'seminal[2].authors'"
    )
    assert "unknown key" in problem


def test_bad_resource_kind(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "kind: book", "kind: video")
    assert problems_of(path) == [
        f"{path}:{line_of(text, 'kind: video')}: topic 'resnet': field 'resources[0].kind': "
        "'video' is not one of 'docs', 'course', 'tutorial', 'tool', 'book', 'blog', 'site' or 'feed'"
    ]


def test_bad_resource_url(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "url: https://d2l.ai/", "url: d2l.ai/")
    assert problems_of(path) == [
        f"{path}:{line_of(text, 'url: d2l.ai')}: topic 'resnet': field 'resources[0].url': "
        "'d2l.ai/chapter_convolutional-modern/resnet.html' is not an http(s) URL"
    ]


def test_seminal_without_id_doi_or_url(tmp_path: Path) -> None:
    path, text = broken(
        tmp_path, "      - url: https://www.deeplearningbook.org/\n        title", "      - title"
    )
    assert problems_of(path) == [
        f"{path}:{line_of(text, '- title: Deep Learning')}: topic 'transformer': field 'seminal[3]': seminal "
        "paper 'Deep Learning' needs at least one of arxiv_id, doi or url"
    ]


def test_bad_doi(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "doi: 10.1162/", "doi: https://doi.org/10.1162/")
    [problem] = problems_of(path)
    assert problem == (
        f"{path}:{line_of(text, 'doi:')}: topic 'transformer': field 'seminal[2].doi': "
        "'https://doi.org/10.1162/neco.1997.9.8.1735' is not a bare DOI; write '10.1162/neco.1997.9.8.1735'"
    )


def test_bad_topic_id(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "id: mlp", "id: Multi_Layer")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(text, 'Multi_Layer')}: topic 'Multi_Layer': field 'id': ")
    assert "is not a slug" in problem


def test_wrong_type_shows_the_value(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "year: 2015", "year: twenty-fifteen")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(text, 'twenty')}: topic 'resnet': field 'seminal[0].year': ")
    assert "(got 'twenty-fifteen')" in problem


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path, text = broken(
        tmp_path, "    name_en: ResNet\n", "    name_en: ResNet\n    name_en: Residual networks\n"
    )
    assert problems_of(path) == [
        f"{path}:{line_of(text, 'name_en: Residual')}: topic 'resnet': field 'name_en': "
        f"duplicate key, first on line {line_of(text, 'name_en: ResNet')}; YAML would keep only this one"
    ]


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path, text = broken(
        tmp_path, "  L1: {name_zh: 基础级, name_en: Basics}", "  L1: {name_zh: 基础级, name_en: Basics"
    )
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(text, 'L2:')}:")
    assert "YAML syntax error" in problem and "flow mapping" in problem


def test_bad_indentation_is_a_yaml_syntax_error(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "    level: L1\n", "     level: L1\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(text, ' level: L1')}:")
    assert "YAML syntax error" in problem


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    assert problems_of(path) == [f"{path}: file not found (set RADAR_ROADMAP_PATH?)"]


def test_a_directory_is_not_a_roadmap(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path}: cannot read")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "roadmap.yaml"
    path.write_bytes(GOOD.encode("utf-16"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: not UTF-8 text")


@pytest.mark.parametrize(
    ("text", "found"), [("", "an empty file"), ("- a\n- b\n", "a list"), ("hello\n", "a str")]
)
def test_wrong_top_level_shape(tmp_path: Path, text: str, found: str) -> None:
    path = write(tmp_path, text)
    assert problems_of(path) == [
        f"{path}:1: expected a mapping with keys version, levels, topics; found {found}"
    ]


def test_wrong_shapes_below_the_top(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nlevels: [L1]\ntopics: {mlp: {}}\n")
    assert problems_of(path) == [
        f"{path}:2: field 'levels': Input should be a valid dictionary",
        f"{path}:3: field 'topics': Input should be a valid list",
    ]


def test_every_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    text = (
        GOOD.replace("    level: L1\n", "    level: L7\n")
        .replace('arxiv_id: "1512.03385"', "arxiv_id: 1512.03385v1", 1)
        .replace("kind: book", "kind: movie")
        .replace("  - id: transformer", "  - id: mlp")
        .replace("ti:transformer OR", "ti:transformer OR OR")
    )
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 5
    lines = [int(problem.split(":")[1]) for problem in problems]
    assert lines == sorted(lines)
    assert [problem.split(": ", 2)[1] for problem in problems] == [
        "topic 'mlp'",
        "topic 'resnet'",
        "topic 'resnet'",
        "topic 'mlp'",
        "topic 'mlp'",
    ]
