"""GitHub repositories named in a paper's own text (arXiv comment and abstract)."""

from __future__ import annotations

import pytest

from collector.links import github_links


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Real phrasings from the corpus' abstracts and comments.
        (
            "Code is available at https://github.com/OpenGVLab/InternVL.",
            ["https://github.com/OpenGVLab/InternVL"],
        ),
        (
            "Project: github.com/foo-bar/baz_2.0 and http://www.GitHub.com/Foo/qux.git",
            ["https://github.com/foo-bar/baz_2.0", "https://github.com/Foo/qux"],
        ),
        ("See https://GITHUB.COM/a/b, then https://github.com/a/b again.", ["https://github.com/a/b"]),
        ("Not a repo: https://github.com/orgs/openai and https://github.com/topics/llm", []),
        ("A gist: https://gist.github.com/user/abc123; a lookalike: mygithub.com/x/y", []),
        ("No link here, only the word GitHub.", []),
        ("", []),
        (None, []),
    ],
)
def test_github_links(text: str | None, expected: list[str]) -> None:
    assert github_links(text) == expected
