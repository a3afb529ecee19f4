"""Local matching: a precision table of real arXiv titles and abstracts, scoring, reasons, the real roadmap.

Titles and abstract snippets below are copied verbatim from tests/fixtures/corpus/papers.jsonl.gz; the
comment or id beside each names the arXiv paper it came from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector.matching import Matcher, build_matcher, is_acronym, words_of
from collector.query import parse_query
from collector.roadmap import load_roadmap
from db import MatchRow, PaperRecord

WHEN = datetime(2025, 6, 1, tzinfo=UTC)
ROADMAP = Path(__file__).resolve().parent.parent / "roadmap.yaml"


def make_paper(
    arxiv_id: str,
    title: str,
    abstract: str = "",
    categories: tuple[str, ...] = ("cs.LG",),
    authors: tuple[str, ...] = ("A. Author",),
    comment: str | None = None,
    journal_ref: str | None = None,
) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=1,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=categories,
        primary_category=categories[0],
        published=WHEN,
        updated=WHEN,
        comment=comment,
        journal_ref=journal_ref,
    )


def match_one(query: str, paper: PaperRecord) -> MatchRow | None:
    rows = build_matcher([("topic", parse_query(query))]).match(paper)
    return rows[0] if rows else None


# ---------------------------------------------------------------- the precision table

# (arXiv id, query, title, abstract snippet, categories, must match?)
PRECISION: list[tuple[str, str, str, str, tuple[str, ...], bool]] = [
    # ViT: the acronym, its plural, attached by a hyphen; never the letters inside "activity"
    ("2503.19108", "ti:ViT", "Your ViT is Secretly an Image Segmentation Model", "", ("cs.CV",), True),
    ("2503.18414", "ti:ViT", "U-REPA: Aligning Diffusion U-Nets to ViTs", "", ("cs.CV",), True),
    (
        "2504.00037",
        "ti:ViT",
        "ViT-Linearizer: Distilling Quadratic Knowledge into Linear-Time Vision Models",
        "",
        ("cs.CV", "cs.AI"),
        True,
    ),
    (
        "2504.17735",
        "ti:ViT",
        "EgoCHARM: Resource-Efficient Hierarchical Activity Recognition using an Egocentric IMU Sensor",
        "",
        ("cs.CV", "cs.LG"),
        False,
    ),
    (
        "2504.17735",
        "ti:vit",  # written in lower case it is an ordinary word: still a whole word only
        "EgoCHARM: Resource-Efficient Hierarchical Activity Recognition using an Egocentric IMU Sensor",
        "",
        ("cs.CV", "cs.LG"),
        False,
    ),
    # GAN: the acronym and its plural; never "Organ" or "organization"
    (
        "2503.12567",
        "ti:GAN",
        "GAN-Based Single-Stage Defense for Traffic Sign Classification Under Adversarial Patch Attack",
        "",
        ("cs.CV",),
        True,
    ),
    (
        "2506.18484",
        "ti:GAN",
        "GANs vs. Diffusion Models for virtual staining with the HER2match dataset",
        "",
        ("cs.CV",),
        True,
    ),
    (
        "2511.08509",
        "ti:GAN",
        "Fast Multi-Organ Fine Segmentation in CT Images with Hierarchical Sparse Sampling and Residual "
        "Transformer",
        "",
        ("cs.CV",),
        False,
    ),
    (
        "2507.18197",
        "ti:gan",
        "Integrating an ISO30401-compliant Knowledge management system with existing business processes of "
        "an organization",
        "",
        ("cs.CL", "cs.DL"),
        False,
    ),
    # LoRA is case-sensitive: "(LoRa)" in this abstract is a typo the acronym does not catch, the phrase does
    (
        "2512.16189",
        "abs:LoRA",
        "Mitigating Hallucinations in Healthcare LLMs with Granular Fact-Checking and Domain-Specific "
        "Adaptation",
        "Our model is fine-tuned using Low-Rank Adaptation (LoRa) on the MIMIC III dataset",
        ("cs.CL",),
        False,
    ),
    (
        "2512.16189",
        'abs:"low rank adaptation"',
        "Mitigating Hallucinations in Healthcare LLMs with Granular Fact-Checking and Domain-Specific "
        "Adaptation",
        "Our model is fine-tuned using Low-Rank Adaptation (LoRa) on the MIMIC III dataset",
        ("cs.CL",),
        True,
    ),
    # a word boundary: ElaLoRA is not LoRA, but its title still says low-rank adaptation
    (
        "2504.00254",
        "ti:LoRA",
        "ElaLoRA: Elastic & Learnable Low-Rank Adaptation for Efficient Model Fine-Tuning",
        "",
        ("cs.LG", "cs.AI", "cs.CL", "cs.CV"),
        False,
    ),
    (
        "2504.00254",
        'ti:"low-rank adaptation"',
        "ElaLoRA: Elastic & Learnable Low-Rank Adaptation for Efficient Model Fine-Tuning",
        "",
        ("cs.LG", "cs.AI", "cs.CL", "cs.CV"),
        True,
    ),
    (
        "2503.18225",
        'ti:"Low-Rank Adaptation"',  # ordinary words match in any case: "Low-rank"
        "Decoupling Angles and Strength in Low-rank Adaptation",
        "",
        ("cs.LG", "cs.CL", "cs.CV"),
        True,
    ),
    # RAG: the acronym in the title, but not the lower-case "rag" of a repository name
    (
        "2602.23184",
        "ti:RAG",
        "MTRAG-UN: A Benchmark for Open Challenges in Multi-Turn RAG Conversations",
        "",
        ("cs.CL",),
        True,
    ),
    (
        "2602.23184",
        "abs:RAG",
        "MTRAG-UN: A Benchmark for Open Challenges in Multi-Turn RAG Conversations",
        "Our benchmark is available at https://github.com/IBM/mt-rag-benchmark",
        ("cs.CL",),
        False,
    ),
    (
        "2602.23184",
        'abs:"retrieval-augmented generation"',  # the hyphen in the query matches a space in the text
        "MTRAG-UN: A Benchmark for Open Challenges in Multi-Turn RAG Conversations",
        "We present MTRAG-UN, a benchmark for exploring open challenges in multi-turn retrieval augmented "
        "generation, a popular use of large language models.",
        ("cs.CL",),
        True,
    ),
    # hyphens and spaces are the same separator, both ways; a closed compound is another word
    ("2507.16323", 'ti:"multi head"', "SpeLLM: Character-Level Multi-Head Decoding", "", ("cs.CL",), True),
    ("2507.16323", "ti:multi-head", "SpeLLM: Character-Level Multi-Head Decoding", "", ("cs.CL",), True),
    (
        "2504.20343",
        'abs:"multi-head"',
        "MicarVLMoE: A Modern Gated Cross-Aligned Vision-Language Mixture of Experts Model for Medical Image "
        "Captioning and Report Generation",
        "(ii) a multihead dual-branch latent attention (MDLA) module for vision-language alignment",
        ("cs.CV",),
        False,
    ),
    (
        "2504.20343",
        'abs:"mixture of experts"',
        "MicarVLMoE: A Modern Gated Cross-Aligned Vision-Language Mixture of Experts Model for Medical Image "
        "Captioning and Report Generation",
        "We propose MicarVLMoE, a vision-language mixture-of-experts model with gated cross-aligned fusion",
        ("cs.CV",),
        True,
    ),
    # plurals: "s" on a phrase's last word, "es" on a word ending in h
    (
        "2504.16655",
        'ti:"graph neural network"',
        "WiFi based Human Fall and Activity Recognition using Transformer based Encoder Decoder and Graph "
        "Neural Networks",
        "",
        ("cs.CV",),
        True,
    ),
    (
        "2505.23751",
        "ti:patch",
        "REOrdering Patches Improves Vision Models",
        "",
        ("cs.LG", "cs.AI", "cs.CV"),
        True,
    ),
    # ANDNOT: attention, but not self-attention
    (
        "2503.14615",
        'ti:attention ANDNOT ti:"self-attention"',
        "Unique Hard Attention: A Tale of Two Sides",
        "",
        ("cs.LG", "cs.CC", "cs.CL", "cs.FL"),
        True,
    ),
    (
        "2506.05629",
        'ti:attention ANDNOT ti:"self-attention"',
        "Leveraging Self-Attention for Input-Dependent Soft Prompting in LLMs",
        "",
        ("cs.CL",),
        False,
    ),
    # category filters: exact subject class, or a whole archive
    (
        "2504.16655",
        "ti:transformer AND cat:cs.CV",
        "WiFi based Human Fall and Activity Recognition using Transformer based Encoder Decoder and Graph "
        "Neural Networks",
        "",
        ("cs.CV",),
        True,
    ),
    (
        "2504.16655",
        "ti:transformer AND cat:cs.CL",
        "WiFi based Human Fall and Activity Recognition using Transformer based Encoder Decoder and Graph "
        "Neural Networks",
        "",
        ("cs.CV",),
        False,
    ),
    (
        "2504.16655",
        "ti:transformer AND cat:cs",
        "WiFi based Human Fall and Activity Recognition using Transformer based Encoder Decoder and Graph "
        "Neural Networks",
        "",
        ("cs.CV",),
        True,
    ),
    (
        "2504.16655",
        "ti:transformer ANDNOT cat:cs.CV",
        "WiFi based Human Fall and Activity Recognition using Transformer based Encoder Decoder and Graph "
        "Neural Networks",
        "",
        ("cs.CV",),
        False,
    ),
    (
        "2504.16655",
        "ti:transformer AND cat:stat",  # an archive matches only its own categories
        "WiFi based Human Fall and Activity Recognition using Transformer based Encoder Decoder and Graph "
        "Neural Networks",
        "",
        ("cs.CV",),
        False,
    ),
]


@pytest.mark.parametrize(
    ("arxiv_id", "query", "title", "abstract", "categories", "expected"),
    PRECISION,
    ids=[f"{row[0]}-{row[1]}-{'match' if row[5] else 'no'}" for row in PRECISION],
)
def test_precision_table(
    arxiv_id: str, query: str, title: str, abstract: str, categories: tuple[str, ...], expected: bool
) -> None:
    paper = make_paper(arxiv_id, title, abstract, categories)
    assert (match_one(query, paper) is not None) is expected


# ---------------------------------------------------------------- separators, authors, other fields


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2013", "\u2014", "\u2212", " \u2013 "])
def test_unicode_hyphens_and_dashes_separate_words_like_a_hyphen(dash: str) -> None:
    # 2503.18225's title with its ASCII hyphen replaced, as other feeds render it
    paper = make_paper("2503.18225", f"Decoupling Angles and Strength in Low{dash}rank Adaptation")
    assert match_one('ti:"low-rank adaptation"', paper) is not None
    assert match_one('ti:"low rank adaptation"', paper) is not None


def test_a_phrase_does_not_jump_over_punctuation() -> None:
    paper = make_paper("2503.14615", "Unique Hard Attention: A Tale of Two Sides")
    assert match_one('ti:"attention a"', paper) is None
    assert match_one('ti:"hard attention"', paper) is not None


def test_punctuation_inside_a_phrase_must_be_there() -> None:
    # 2503.19108's abstract; the roadmap's vit topic uses exactly this phrase
    paper = make_paper("2503.19108", VIT_TITLE, VIT_ABSTRACT, ("cs.CV",))
    assert match_one('abs:"Vision Transformers (ViTs)"', paper) is not None
    assert match_one('abs:"Vision Transformer (ViT)"', paper) is None  # only the last word may be plural
    assert match_one('abs:"transformers ViTs"', paper) is None  # "(" is not a separator
    compiled = make_paper("x", "Faster training with torch.compile and torch. compile")  # made up
    assert match_one('ti:"torch.compile"', compiled) is not None
    assert match_one('ti:"torch.compile"', make_paper("y", "torch compile")) is None


def test_a_phrase_must_start_a_word_and_is_found_after_a_false_start() -> None:
    # made-up titles: the phrase first occurs inside "Subgraph", which does not count
    assert match_one('ti:"graph neural network"', make_paper("x", "Subgraph neural networks")) is None
    both = make_paper("y", "Subgraph neural networks versus graph neural networks")
    assert match_one('ti:"graph neural network"', both) is not None
    assert match_one('ti:"na na"', make_paper("z", "Bana na na")) is not None  # overlapping candidates


def test_authors_match_case_insensitively_on_whole_names() -> None:
    # 2503.18938: "AdaWorld: Learning Adaptable World Models with Latent Actions"
    paper = make_paper(
        "2503.18938",
        "AdaWorld: Learning Adaptable World Models with Latent Actions",
        authors=("Shenyuan Gao", "Siyuan Zhou", "Yilun Du", "Jun Zhang", "Chuang Gan"),
        categories=("cs.AI", "cs.CV", "cs.LG", "cs.RO"),
    )
    row = match_one("au:gan", paper)
    assert row is not None and row.reasons == ('authors: "gan"',) and row.score == 0.5
    assert match_one('au:"Chuang Gan"', paper) is not None
    assert match_one("au:Zhan", paper) is None  # not a prefix of Zhang
    assert match_one("all:GAN", paper) is None  # all: is title and abstract, and the surname is not GAN


def test_comment_and_journal_ref() -> None:
    paper = make_paper(
        "x", "A title", comment="Accepted at NeurIPS 2024", journal_ref="Nature 521, 436 (2015)"
    )
    assert match_one("co:NeurIPS", paper) == MatchRow("x", "topic", 0.5, ('comment: "NeurIPS"',))
    assert match_one("jr:nature", paper) == MatchRow("x", "topic", 0.5, ('journal-ref: "nature"',))
    assert match_one("co:ICML", paper) is None
    assert match_one("jr:science", make_paper("y", "A title")) is None  # no journal_ref at all


def test_a_query_of_categories_alone_scores_zero_and_never_matches() -> None:
    paper = make_paper(
        "2503.19108", "Your ViT is Secretly an Image Segmentation Model", categories=("cs.CV",)
    )
    assert match_one("cat:cs.CV", paper) is None


def test_non_ascii_text_is_tokenised_too() -> None:
    paper = make_paper("x", "Über-efficient ViT inference for café menus — a LoRA study", "Ünïcode abstract")
    assert match_one("ti:ViT", paper) is not None
    assert match_one("ti:LoRA", paper) is not None
    assert match_one("ti:cafe", paper) is None
    assert match_one("ti:café", paper) is not None
    assert match_one("ti:menu", paper) is not None


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("GAN", True),
        ("ViT", True),
        ("LoRA", True),
        ("LLaMA", True),
        ("PPO", True),
        ("NMS", True),
        ("mT5", True),
        ("ResNet", False),  # six letters
        ("Adam", False),  # capitalised, not an acronym
        ("gan", False),
        ("A", False),
        ("SIGMOID", False),  # more than five letters
    ],
)
def test_is_acronym(word: str, expected: bool) -> None:
    assert is_acronym(word) is expected


def test_words_of_splits_on_anything_but_letters_and_digits() -> None:
    assert words_of("vit-b/16 low_rank (lora)") == [b"vit", b"b", b"16", b"low", b"rank", b"lora"]
    assert words_of("über–café") == ["über".encode(), "café".encode()]


# ---------------------------------------------------------------- scoring and reasons

VIT_TITLE = "Your ViT is Secretly an Image Segmentation Model"  # 2503.19108
VIT_ABSTRACT = (  # 2503.19108, the first sentence
    "Vision Transformers (ViTs) have shown remarkable performance and scalability across various computer "
    "vision tasks."
)


def test_title_weighs_three_abstract_one() -> None:
    paper = make_paper("2503.19108", VIT_TITLE, VIT_ABSTRACT, ("cs.CV",))
    assert match_one("ti:ViT", paper) == MatchRow("2503.19108", "topic", 3.0, ('title: "ViT"',))
    assert match_one("abs:ViT", paper) == MatchRow("2503.19108", "topic", 1.0, ('abstract: "ViT"',))
    both = match_one('ti:ViT OR abs:"vision transformer"', paper)
    assert both == MatchRow("2503.19108", "topic", 4.0, ('title: "ViT"', 'abstract: "vision transformer"'))


def test_all_takes_the_title_when_the_term_is_there() -> None:
    paper = make_paper("2503.19108", VIT_TITLE, VIT_ABSTRACT, ("cs.CV",))
    assert match_one("all:ViT", paper) == MatchRow("2503.19108", "topic", 3.0, ('title: "ViT"',))
    row = match_one('all:"vision transformer"', paper)
    assert row == MatchRow("2503.19108", "topic", 1.0, ('abstract: "vision transformer"',))


def test_reasons_are_ordered_by_weight_then_query_order_and_deduplicated() -> None:
    paper = make_paper("2503.19108", VIT_TITLE, VIT_ABSTRACT, ("cs.CV",))
    row = match_one(
        'abs:scalability OR abs:"vision transformer" OR ti:ViT OR all:ViT OR all:segmentation', paper
    )
    assert row is not None
    assert row.reasons == ('title: "ViT"', 'title: "segmentation"', 'abstract: "scalability"',
                           'abstract: "vision transformer"')  # fmt: skip
    assert row.score == 8.0  # ti:ViT and all:ViT both say title: "ViT", which counts once


def test_terms_right_of_andnot_and_categories_add_nothing() -> None:
    paper = make_paper("2503.19108", VIT_TITLE, VIT_ABSTRACT, ("cs.CV",))
    row = match_one("(ti:ViT AND cat:cs.CV) ANDNOT (abs:diffusion AND ti:segmentation)", paper)
    assert row == MatchRow("2503.19108", "topic", 3.0, ('title: "ViT"',))


def test_a_satisfied_term_in_a_failed_branch_still_explains_the_match() -> None:
    paper = make_paper("2503.19108", VIT_TITLE, VIT_ABSTRACT, ("cs.CV",))
    row = match_one("(ti:ViT AND ti:diffusion) OR abs:scalability", paper)
    assert row is not None and row.score == 4.0
    assert row.reasons == ('title: "ViT"', 'abstract: "scalability"')


def test_matches_are_sorted_by_score_and_carry_their_topic() -> None:
    paper = make_paper("2503.19108", VIT_TITLE, VIT_ABSTRACT, ("cs.CV",))
    matcher = build_matcher(
        [
            ("vision-transformer", parse_query('abs:"vision transformer"')),
            ("gan", parse_query("all:GAN")),
            ("vit", parse_query("ti:ViT OR abs:ViT")),
            ("segmentation", parse_query("ti:segmentation AND cat:cs.CV")),
        ]
    )
    rows = matcher.match(paper)
    assert [(row.topic_id, row.score) for row in rows] == [
        ("vit", 4.0),
        ("segmentation", 3.0),
        ("vision-transformer", 1.0),
    ]
    assert {row.arxiv_id for row in rows} == {"2503.19108"}


def test_a_matcher_is_reusable_and_terms_shared_between_topics_are_independent() -> None:
    matcher = build_matcher([("a", parse_query("ti:ViT")), ("b", parse_query("ti:ViT ANDNOT ti:secretly"))])
    first = make_paper("2503.19108", VIT_TITLE)
    second = make_paper("2503.18414", "U-REPA: Aligning Diffusion U-Nets to ViTs")
    assert [row.topic_id for row in matcher.match(first)] == ["a"]
    assert [row.topic_id for row in matcher.match(second)] == ["a", "b"]
    assert matcher.match(make_paper("x", "Nothing to see")) == []


def test_no_queries_no_matches() -> None:
    assert build_matcher([]).match(make_paper("2503.19108", VIT_TITLE)) == []


# ---------------------------------------------------------------- the real roadmap


@pytest.fixture(scope="module")
def roadmap_matcher() -> Matcher:
    if not ROADMAP.exists():
        pytest.skip("roadmap.yaml is not written yet")
    return build_matcher(load_roadmap(ROADMAP).queries())


def _topics_of(matcher: Matcher, paper: PaperRecord) -> list[str]:
    return [row.topic_id for row in matcher.match(paper)]


def test_real_roadmap_lora_title_matches_lora(roadmap_matcher: Matcher) -> None:
    paper = make_paper(
        "2504.00254",
        "ElaLoRA: Elastic & Learnable Low-Rank Adaptation for Efficient Model Fine-Tuning",
        categories=("cs.LG", "cs.AI", "cs.CL", "cs.CV"),
    )
    assert "lora" in _topics_of(roadmap_matcher, paper)


def test_real_roadmap_gan_title_matches_gan(roadmap_matcher: Matcher) -> None:
    paper = make_paper(
        "2506.18484",
        "GANs vs. Diffusion Models for virtual staining with the HER2match dataset",
        categories=("cs.CV",),
    )
    assert "gan" in _topics_of(roadmap_matcher, paper)


def test_real_roadmap_unrelated_titles_match_nothing(roadmap_matcher: Matcher) -> None:
    knuth = make_paper(  # math/9501234, with its real abstract
        "math/9501234",
        "Aztec diamonds, checkerboard graphs, and spanning trees",
        "This note derives the characteristic polynomial of a graph that represents nonjump moves in a "
        "generalized game of checkers. The number of spanning trees is also determined.",
        categories=("math.CO",),
        authors=("Donald E. Knuth",),
    )
    assert _topics_of(roadmap_matcher, knuth) == []
    organ = make_paper(
        "2511.08509",
        "Fast Multi-Organ Fine Segmentation in CT Images with Hierarchical Sparse Sampling and Residual "
        "Transformer",
        categories=("cs.CV",),
    )
    assert "gan" not in _topics_of(roadmap_matcher, organ)
    activity = make_paper(
        "2504.17735",
        "EgoCHARM: Resource-Efficient Hierarchical Activity Recognition using an Egocentric IMU Sensor",
        categories=("cs.CV", "cs.LG"),
    )
    assert "vit" not in _topics_of(roadmap_matcher, activity)
