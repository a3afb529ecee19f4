"""The words a list shows beside its papers (pure functions): LaTeX read as text, an abstract's first
sentence, why a paper is listed, plurals, a topic's name said once."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.latex import latex_to_text
from dashboard.lists import plural, shown_count, why_line
from dashboard.state import topic_label, topic_name
from dashboard.text import first_sentence
from tests.factories import corpus, topic


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (
            r"We study \textit{low-rank} adaptation with $O(n^2)$ cost.",
            "We study low-rank adaptation with O(n²) cost.",
        ),
        (r"$\alpha \leq 0.5$ and $\mathcal{O}(n \log n)$ time", "α ≤ 0.5 and O(n log n) time"),
        (r"\textbf{\textsc{FastCuRL}}, a \textbf{Cu}rriculum", "FastCuRL, a Curriculum"),
        (
            r"code at \href{https://github.com/x/y}{this link}; see \url{https://x.org}",
            "code at this link; see https://x.org",
        ),
        (
            r"improves by 5% over {\em strong} baselines \cite{smith2020}",
            "improves by 5% over strong baselines",
        ),
        (r"$x_i^{2}$, $10^{-3}$, $W^{Q}$, $\frac{a}{b}$, $\sqrt{d}$", "xᵢ², 10⁻³, W^Q, a/b, √d"),
        (r"na\"ive \'etude, \c{c}a", "naïve étude, ça"),
        (
            r"retrieval-augmented generation~(RAG), ``quoted''",
            "retrieval-augmented generation (RAG), “quoted”",
        ),
        ("about 10x ~ 12x faster", "about 10x ~ 12x faster"),
        (r"Costs \$5; $5 is a lone dollar", "Costs $5; $5 is a lone dollar"),
        (r"\method{} beats \bW on $3\times$ data", r"\method{} beats \bW on 3× data"),  # unknown: as written
        ("<script>alert(1)</script> [x](javascript:1)", "<script>alert(1)</script> [x](javascript:1)"),
    ],
)
def test_latex_reads_as_the_text_it_stands_for(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\\$~`")))
def test_text_without_markup_is_left_as_it_is(text: str) -> None:
    assert latex_to_text(text) == " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("\\${}^_~`'\"%&#ab ()[]")) | st.characters(), max_size=80))
def test_any_markup_is_read_without_failing_or_growing(text: str) -> None:
    out = latex_to_text(text)
    assert len(out) <= 2 * len(text) + 2


def test_words_of_the_corpus_survive_their_latex() -> None:
    """On the real abstracts with markup, every word outside a command is still there after reading."""
    marked = [raw["abstract"] for raw in corpus() if re.search(r"\\[A-Za-z]|\$", raw["abstract"])]
    assert len(marked) > 1000
    for abstract in marked:
        out = latex_to_text(abstract)
        assert not re.search(r"\\(textit|textbf|emph|mathcal|href)\{", out), out
        # Words standing alone in the text: not in math, a URL or a command, nor glued to one (\textbf{R}ate).
        outside = re.sub(r"\\[A-Za-z]+|\\.|\$[^$]*\$|https?://\S+|[{}]", "\x00", abstract)
        words = set(re.findall(r"(?<![\w\x00])[A-Za-z]{4,}(?![\w\x00])", outside))
        assert words <= set(re.findall(r"[A-Za-z]+", out)), words - set(re.findall(r"[A-Za-z]+", out))


def test_the_first_sentence_ends_at_a_full_stop_not_at_an_abbreviation() -> None:
    abstract = "Hu et al. show that LoRA, e.g. at rank 8, works (Fig. 2). Then more. And more."
    assert first_sentence(abstract) == "Hu et al. show that LoRA, e.g. at rank 8, works (Fig. 2)."
    assert first_sentence("No full stop at all") == "No full stop at all"
    assert first_sentence("A " + "very " * 80 + "long sentence. Next.", limit=50).endswith("…")


def test_why_a_paper_is_listed_reads_as_a_sentence() -> None:
    about = ("about: the title names LoRA; LoRA named throughout the abstract", 'title: "LoRA"')
    assert why_line(about) == "About the topic — the title names LoRA; LoRA named throughout the abstract"
    assert why_line(about, terms=True).endswith("; matched “LoRA” in the title")
    assert (
        why_line(("uses: LoRA is named only in the abstract",))
        == "Uses it — LoRA is named only in the abstract"
    )
    assert why_line(('title: "LoRA"', 'abstract: "low-rank adaptation"')) == (
        "Matched “LoRA” in the title, “low-rank adaptation” in the abstract"
    )
    assert (
        why_line(("23 upvotes on Hugging Face", "40 GitHub stars"))
        == "23 upvotes on Hugging Face; 40 GitHub stars"
    )


def test_counts_in_words() -> None:
    assert [plural(n, "paper") for n in (0, 1, 2)] == ["0 papers", "1 paper", "2 papers"]
    assert plural(1, "match", "matches") == "1 match" and plural(3, "match", "matches") == "3 matches"
    assert [shown_count(n, 20) for n in (-5, 0, 1, 20, 21, 45)] == [20, 20, 20, 20, 40, 60]


def test_a_topic_whose_names_agree_is_named_once() -> None:
    vit = topic(
        "vit", 1, None, level="L3", name_zh="Vision Transformer (ViT)", name_en="Vision Transformer (ViT)"
    )
    lora = topic("lora", 2, None, level="L3", name_zh="LoRA", name_en="LoRA (low-rank adaptation)")
    assert (
        topic_name(vit) == "Vision Transformer (ViT)" and topic_label(vit) == "L3 · Vision Transformer (ViT)"
    )
    assert topic_name(lora) == "LoRA (low-rank adaptation) · LoRA"  # English first: the default language
