"""The arXiv query language: parsing, precedence, canonical printing, errors with positions, grouping."""

from __future__ import annotations

import pytest

from collector.query import (
    BoolOp,
    Node,
    QuerySyntaxError,
    Term,
    categories,
    combine_or,
    group_queries,
    parse_query,
    to_arxiv,
)

A, B, C = Term("ti", "a", False), Term("ti", "b", False), Term("ti", "c", False)


def test_a_single_word_term() -> None:
    assert parse_query("ti:LoRA") == Term("ti", "LoRA", False)


def test_a_phrase_term_keeps_its_words_with_single_spaces() -> None:
    assert parse_query('abs:"low-rank   adaptation"') == Term("abs", "low-rank adaptation", True)


@pytest.mark.parametrize("field", ["ti", "abs", "all", "au", "co", "jr"])
def test_every_text_field_is_known(field: str) -> None:
    assert parse_query(f"{field}:x") == Term(field, "x", False)


@pytest.mark.parametrize(
    "category", ["cs.LG", "stat.ML", "eess.IV", "math.OC", "cs", "astro-ph", "cond-mat.stat-mech"]
)
def test_category_values(category: str) -> None:
    assert parse_query(f"cat:{category}") == Term("cat", category, False)


def test_and_binds_tighter_than_or() -> None:
    assert parse_query("ti:a OR ti:b AND ti:c") == BoolOp("OR", A, BoolOp("AND", B, C))
    assert parse_query("ti:a AND ti:b OR ti:c") == BoolOp("OR", BoolOp("AND", A, B), C)


def test_andnot_binds_like_and_and_is_left_associative() -> None:
    assert parse_query("ti:a ANDNOT ti:b AND ti:c") == BoolOp("AND", BoolOp("ANDNOT", A, B), C)
    assert parse_query("ti:a ANDNOT ti:b OR ti:c") == BoolOp("OR", BoolOp("ANDNOT", A, B), C)


def test_parentheses_override_precedence() -> None:
    assert parse_query("(ti:a OR ti:b) AND ti:c") == BoolOp("AND", BoolOp("OR", A, B), C)
    assert parse_query("ti:a ANDNOT (ti:b OR ti:c)") == BoolOp("ANDNOT", A, BoolOp("OR", B, C))


def test_whitespace_around_parentheses_is_optional() -> None:
    assert parse_query("(ti:a OR ti:b)AND ti:c") == parse_query(" ( ti:a  OR\n ti:b )  AND  ti:c ")


QUERIES = [
    "ti:LoRA",
    'all:"low-rank adaptation" OR all:LoRA',
    "ti:a OR ti:b AND ti:c",
    "(ti:a OR ti:b) AND ti:c",
    "ti:a ANDNOT ti:b ANDNOT ti:c",
    "ti:a ANDNOT (ti:b ANDNOT ti:c)",
    "ti:a AND (ti:b AND ti:c)",
    'ti:"vision transformer" OR ti:ViT OR (abs:ViT AND (cat:cs.CV OR cat:cs.LG)) ANDNOT au:smith',
]


@pytest.mark.parametrize("text", QUERIES)
def test_to_arxiv_round_trips(text: str) -> None:
    node = parse_query(text)
    assert parse_query(to_arxiv(node)) == node
    assert to_arxiv(parse_query(to_arxiv(node))) == to_arxiv(node)


def test_to_arxiv_quotes_phrases_and_parenthesises_sub_expressions() -> None:
    node = parse_query('ti:a OR abs:"low  rank" AND cat:cs.LG')
    assert to_arxiv(node) == 'ti:a OR (abs:"low rank" AND cat:cs.LG)'
    assert to_arxiv(parse_query("(ti:a OR ti:b) AND ti:c")) == "(ti:a OR ti:b) AND ti:c"


def test_to_arxiv_keeps_chains_of_one_associative_operator_flat() -> None:
    assert to_arxiv(parse_query("(ti:a OR ti:b) OR ti:c")) == "ti:a OR ti:b OR ti:c"
    assert to_arxiv(parse_query("ti:a ANDNOT ti:b ANDNOT ti:c")) == "(ti:a ANDNOT ti:b) ANDNOT ti:c"


def test_categories_collects_every_cat_value() -> None:
    node = parse_query("(ti:a AND cat:cs.LG) OR (abs:b AND (cat:stat.ML OR cat:cs.LG)) ANDNOT cat:cs.CR")
    assert categories(node) == {"cs.LG", "stat.ML", "cs.CR"}
    assert categories(parse_query("ti:a")) == set()


# ---------------------------------------------------------------- errors: (query, message part, position)

ERRORS = [
    ("foo", "bare word 'foo' needs a field prefix", 0),
    ("ti:a OR transformer", "bare word 'transformer'", 8),
    ('ti:a OR "low rank"', "quoted phrase needs a field prefix", 8),
    ("xx:a", "unknown field 'xx'", 0),
    ("ti:a AND TI:b", "unknown field 'TI'", 9),
    ("ti:a AND (ti:b))", "unexpected ')'", 15),
    ("(ti:a OR ti:b", "unclosed '('", 0),
    ('ti:"low rank', "unclosed quote", 3),
    ('ti:""', "empty phrase", 3),
    ('ti:"   "', "empty phrase", 3),
    ("ti:a AND", "operator 'AND' has no right operand", 5),
    ("ti:a ANDNOT", "operator 'ANDNOT' has no right operand", 5),
    ("OR ti:a", "operator 'OR' has no left operand", 0),
    ("ti:a OR OR ti:b", "expected a term after 'OR', found 'OR'", 8),
    ("ti:a and ti:b", "operator 'and' must be upper case: write 'AND'", 5),
    ("ti:a Or ti:b", "write 'OR'", 5),
    ("ti:a andnot ti:b", "write 'ANDNOT'", 5),
    ("cat:CS.LG", "malformed category 'CS.LG'", 4),
    ("ti:a OR cat:cs.", "malformed category 'cs.'", 12),
    ("cat:cs_LG", "malformed category", 4),
    ('cat:"cs.LG"', "cat: takes a bare category", 4),
    ("ti:", "missing value after ti:", 3),
    ("ti:a ti:b", "expected AND, OR or ANDNOT before 'ti:b'", 5),
    ("ti:a AND ()", "empty parentheses", 9),
    ("", "empty query", 0),
    ("   ", "empty query", 0),
    ("ti:+++", "has no letters or digits", 3),
    ('ti:low"rank"', "unexpected '\"' inside a value", 6),
]


@pytest.mark.parametrize(("text", "message", "position"), ERRORS)
def test_syntax_errors_say_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(text)
    assert message in caught.value.message
    assert caught.value.position == position
    assert str(caught.value).endswith(f"at column {position + 1}")


def test_a_syntax_error_is_a_value_error_with_a_readable_string() -> None:
    with pytest.raises(ValueError, match=r"^unexpected '\)' at column 14$"):
        parse_query("ti:a AND ti:b)")


# ---------------------------------------------------------------- combining and grouping


def test_combine_or_parenthesises_compound_queries() -> None:
    nodes = [parse_query("ti:a"), parse_query("ti:b OR ti:c"), parse_query('abs:"x y" AND cat:cs.LG')]
    combined = combine_or(nodes)
    assert combined == 'ti:a OR (ti:b OR ti:c) OR (abs:"x y" AND cat:cs.LG)'
    assert parse_query(combined)  # the combined string is itself a valid query


def test_combine_or_needs_a_query() -> None:
    with pytest.raises(ValueError, match="at least one"):
        combine_or([])


def _items(lengths: dict[str, int]) -> list[tuple[str, Node]]:
    """Topic queries `ti:xxxx` whose printed length is exactly the given number of characters."""
    return [(topic_id, Term("ti", "x" * (length - 3), False)) for topic_id, length in lengths.items()]


def test_group_queries_packs_into_few_groups_within_the_limit() -> None:
    items = _items({"a": 40, "b": 30, "c": 20, "d": 50, "e": 10})
    groups = group_queries(items, max_chars=100)
    assert all(len(query) <= 100 for _, query in groups)
    assert sorted(topic for ids, _ in groups for topic in ids) == ["a", "b", "c", "d", "e"]
    assert len(groups) == 2  # 150 characters + separators cannot fit in one group of 100


def test_group_queries_strings_are_the_or_of_their_topics_in_input_order() -> None:
    items = [
        ("lora", parse_query("ti:LoRA OR ti:PEFT")),
        ("vit", parse_query("ti:ViT")),
        ("gan", parse_query("ti:GAN")),
    ]
    groups = group_queries(items, max_chars=1500)
    assert groups == [(["lora", "vit", "gan"], "(ti:LoRA OR ti:PEFT) OR ti:ViT OR ti:GAN")]
    assert parse_query(groups[0][1])


def test_group_queries_puts_a_too_long_topic_in_a_group_of_its_own() -> None:
    items = _items({"short": 20, "huge": 300, "other": 20})
    groups = group_queries(items, max_chars=100)
    assert (["huge"], "ti:" + "x" * 297) in groups
    assert (["short", "other"], f"ti:{'x' * 17} OR ti:{'x' * 17}") in groups


def test_group_queries_exact_fit_counts_the_or_separators() -> None:
    items = _items({"a": 48, "b": 48})
    assert len(group_queries(items, max_chars=100)) == 1  # 48 + len(" OR ") + 48 == 100
    assert len(group_queries(items, max_chars=99)) == 2


def test_group_queries_is_deterministic_and_ordered_by_first_topic() -> None:
    items = _items({f"t{i:02}": 10 + (i * 7) % 60 for i in range(30)})
    first = group_queries(items, max_chars=200)
    assert first == group_queries(list(items), max_chars=200)
    firsts = [ids[0] for ids, _ in first]
    assert firsts == sorted(firsts)
    assert all(ids == sorted(ids) for ids, _ in first)
    assert all(len(query) <= 200 for _, query in first)


def test_group_queries_of_nothing_is_nothing() -> None:
    assert group_queries([], max_chars=100) == []
