"""The Hugging Face source: recorded /daily_papers answers (four schema generations), through httpx."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import httpx
import pytest

from collector.errors import HTTPStatusError, MalformedResponseError
from collector.http import RateLimiter, polite_get
from collector.http_answers import parse_ratelimit
from collector.sources.huggingface import HuggingFace, parse_item, parse_items, repo_title
from tests.replay import Reply
from tests.replay_hf import HF, HFReplay, day_file, rate_headers, recorded_days

SITE = "https://huggingface.co"
DAYS = ["2024-05-27", "2024-08-02", "2025-05-28", "2026-08-18"]


def recorded(day: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(day_file(day).read_text(encoding="utf-8"))


# -- parsing: the four schema generations ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "items", "with_repo", "with_summary", "with_stars"),
    [
        ("2024-05-27", 13, 0, 0, 0),  # paper: id, authors, publishedAt, title, summary, upvotes
        ("2024-08-02", 16, 0, 0, 0),  # + discussionId, submittedBy
        ("2025-05-28", 39, 20, 39, 0),  # + ai_summary, ai_keywords, githubRepo, projectPage
        ("2026-08-18", 29, 17, 29, 17),  # + githubStars, organization, ai_summary_model
    ],
)
def test_every_generation_parses_without_a_skip(
    day: str, items: int, with_repo: int, with_summary: int, with_stars: int
) -> None:
    page = parse_items(recorded(day), date.fromisoformat(day), SITE)
    assert (len(page.items), page.skipped) == (items, 0)
    papers = [item.paper for item in page.items]
    assert sum(p.github_repo is not None for p in papers) == with_repo
    assert sum(p.ai_summary is not None for p in papers) == with_summary
    assert sum(p.github_stars is not None for p in papers) == with_stars
    assert all(p.featured_on == date.fromisoformat(day) for p in papers)  # the day asked for, not arXiv's
    assert all(p.upvotes is not None and p.comments is not None and p.title and p.authors for p in papers)


def test_an_item_of_the_oldest_generation() -> None:
    item = parse_item(recorded("2024-05-27")[0], date(2024, 5, 27), SITE)
    paper = item.paper
    assert paper.arxiv_id == "2405.15738"
    assert paper.title == "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models"
    assert paper.published == datetime(2024, 5, 24, 17, 34, 15, tzinfo=UTC)
    assert (paper.upvotes, paper.comments) == (32, 3)
    assert paper.authors[:2] == ("Chunjiang Ge", "Sijie Cheng") and len(paper.authors) == 9
    assert (paper.github_repo, paper.ai_summary, paper.ai_keywords) == (None, None, None)
    assert item.resources == ()


def test_an_item_of_the_newest_generation_with_code_and_project_page() -> None:
    item = parse_item(recorded("2026-08-18")[0], date(2026, 8, 18), SITE)
    paper = item.paper
    assert (paper.arxiv_id, paper.upvotes, paper.github_stars) == ("2608.15265", 39, 24)
    assert paper.github_repo == "https://github.com/usail-hkust/VibeWorlding-Gym"
    assert paper.ai_summary and paper.ai_summary.startswith("A unified framework benchmarks")
    assert paper.ai_keywords and "VibeWorlding" in paper.ai_keywords
    code, project = item.resources
    assert (code.kind, code.title, code.stars, code.arxiv_id) == (
        "code",
        "usail-hkust/VibeWorlding-Gym",
        24,
        "2608.15265",
    )
    assert (project.kind, project.url) == (
        "project",
        "https://huggingface.co/collections/usail-hkust/vibeworlder",
    )


def test_a_paper_page_gives_its_featured_day_and_linked_repos() -> None:
    """A paper page (no date asked) says its featured day in submittedOnDailyAt.

    No real paper page with linked repos was recorded: the linked lists below are added to a recorded
    paper object in the shape HF's paper page documents (`linkedModels`: [{"id", "likes", "downloads"}]).
    """
    paper = dict(recorded("2025-05-28")[0]["paper"])
    paper["linkedModels"] = [{"id": "showlab/OmniConsistency", "likes": 12, "downloads": 340}, "bad id!"]
    paper["linkedSpaces"] = ["showlab/OmniConsistency"]
    item = parse_item(paper, None, SITE)
    assert item.paper.featured_on == date(2025, 5, 28)
    kinds = {(r.kind, r.url, r.likes, r.downloads) for r in item.resources}
    assert ("model", f"{SITE}/showlab/OmniConsistency", 12, 340) in kinds
    assert ("space", f"{SITE}/spaces/showlab/OmniConsistency", None, None) in kinds
    assert len([r for r in item.resources if r.kind == "model"]) == 1  # the malformed id is dropped


@pytest.mark.parametrize(
    "broken",
    [
        "not an object",
        {"paper": {"title": "no id"}},
        {"paper": {"id": "not-an-arxiv-id", "title": "x"}},
        {"paper": {"id": "2405.15738"}},  # no title anywhere
    ],
    ids=["string", "no-id", "bad-id", "no-title"],
)
def test_malformed_items_are_skipped_and_counted(broken: object) -> None:
    good = recorded("2024-05-27")[:2]
    page = parse_items([good[0], broken, good[1]], date(2024, 5, 27), SITE)
    assert ([i.paper.arxiv_id for i in page.items], page.skipped) == (
        [good[0]["paper"]["id"], good[1]["paper"]["id"]],
        1,
    )


def test_missing_and_mistyped_optional_fields_are_normal() -> None:
    paper_object = {"id": "2405.15738v2", "title": " A  title ", "upvotes": "many", "githubStars": -1}
    paper_object |= {"githubRepo": "not a url", "ai_keywords": ["ok", 3, " "], "publishedAt": "yesterday"}
    item = {"paper": paper_object}
    paper = parse_item(item, None, SITE).paper
    assert (paper.arxiv_id, paper.title, paper.upvotes, paper.github_stars) == (
        "2405.15738",
        "A title",
        None,
        None,
    )
    assert (paper.github_repo, paper.ai_keywords, paper.published, paper.featured_on) == (
        None,
        ("ok",),
        None,
        None,
    )


def test_repo_titles_of_real_code_links() -> None:
    links = json.loads(
        (day_file("x").parent.parent / "links" / "hf_daily_papers_github_links.json").read_text()
    )
    titles = [repo_title(link["github_repo"]) for link in links if "\n" not in link["github_repo"]]
    assert sum(t.count("/") == 1 for t in titles) == len(titles) - 1  # one is an organisation page
    assert repo_title("https://github.com/CsEgir/MMMR/tree/master") == "CsEgir/MMMR"


# -- requests through the replay server ------------------------------------------------------------------
def test_a_featured_day_is_asked_page_by_page_with_token_and_user_agent(hf: HFReplay) -> None:
    settings = hf.settings(hf_page_size=10, hf_token="hf_secret")
    with HuggingFace(settings, RateLimiter(0)) as source:
        page = source.daily(date(2025, 5, 28))
    assert len(page.items) == 39 and page.skipped == 0
    requests = hf.requests()
    assert [(r.query["date"], r.query["p"], r.query["limit"]) for r in requests] == [
        ("2025-05-28", str(n), "10") for n in range(4)
    ]
    assert all(r.headers["authorization"] == "Bearer hf_secret" for r in requests)
    assert all("RoadmapRadar" in r.user_agent for r in requests)
    assert source.requests == 4


def test_a_day_without_papers_is_empty(hf: HFReplay) -> None:
    with HuggingFace(hf.settings(), RateLimiter(0)) as source:
        assert source.daily(date(2026, 1, 1)).items == []
    assert "authorization" not in hf.requests()[0].headers  # no token set, none sent


def test_429_waits_for_the_ratelimit_reset_then_succeeds(hf: HFReplay) -> None:
    hf.server.script(HF, [Reply(status=429, headers=rate_headers(0, 1))])
    limiter = RateLimiter(0)
    with HuggingFace(hf.settings(http_backoff_seconds=0.01), limiter) as source:
        page = source.daily(date(2024, 5, 27))
    assert len(page.items) == 13 and source.requests == 2
    first, second = hf.requests()
    assert second.time - first.time >= 0.95  # RateLimit t=1 said when the quota comes back


def test_an_exhausted_quota_holds_the_next_request(hf: HFReplay) -> None:
    hf.server.script(HF, [Reply(headers=rate_headers(0, 1))])  # a normal answer announcing r=0
    with HuggingFace(hf.settings(), RateLimiter(0)) as source:
        source.daily(date(2024, 5, 27))
        source.daily(date(2024, 8, 2))
    first, second = hf.requests()
    assert second.time - first.time >= 0.95


def test_5xx_is_retried_and_gives_up_after_the_bounded_retries(hf: HFReplay) -> None:
    hf.server.script(HF, [Reply(status=503), Reply(status=502)])
    with HuggingFace(hf.settings(http_max_retries=2), RateLimiter(0)) as source:
        assert len(source.daily(date(2024, 8, 2)).items) == 16
        hf.server.script(HF, [Reply(status=500)] * 3)
        with pytest.raises(HTTPStatusError) as caught:
            source.daily(date(2024, 8, 2))
    assert (caught.value.status, caught.value.attempt, caught.value.source) == (500, 3, "huggingface")


def test_a_paper_without_an_hf_page_is_none_not_an_error(hf: HFReplay) -> None:
    with HuggingFace(hf.settings(), RateLimiter(0)) as source:
        assert source.paper("1706.03762") is None
        found = source.paper("2505.18445")
    assert found is not None and found.paper.featured_on == date(2025, 5, 28)
    assert found.paper.upvotes == 47 and found.paper.comments is None  # a page has no numComments
    assert [r.path for r in hf.requests()] == ["/hf/api/papers/1706.03762", "/hf/api/papers/2505.18445"]


def test_malformed_json_is_retried_then_reported(hf: HFReplay) -> None:
    truncated = day_file("2024-05-27").read_bytes()[:500]
    bad = Reply(body=truncated, content_type="application/json")
    hf.server.script(HF, [bad])
    with HuggingFace(hf.settings(), RateLimiter(0)) as source:
        assert len(source.daily(date(2024, 5, 27)).items) == 13  # the retry got the whole body
        hf.server.script(HF, [bad] * 3)
        with pytest.raises(MalformedResponseError, match="malformed JSON"):
            source.daily(date(2024, 5, 27))
        hf.server.script(HF, [Reply(body=b'{"error": "not a list"}', content_type="application/json")] * 3)
        with pytest.raises(MalformedResponseError, match="expected a JSON list"):
            source.daily(date(2024, 5, 27))


def test_search_returns_recorded_papers_matching_the_words(hf: HFReplay) -> None:
    with HuggingFace(hf.settings(), RateLimiter(0)) as source:
        page = source.search("diffusion transformers", 5)
    assert 1 <= len(page.items) <= 5
    assert all("diffusion" in f"{i.paper.title} {i.paper.abstract}".lower() for i in page.items)
    (request,) = hf.requests()
    assert request.query == {"q": "diffusion transformers", "limit": "5"}


def test_every_recorded_day_is_served(hf: HFReplay) -> None:
    with HuggingFace(hf.settings(), RateLimiter(0)) as source:
        counts = {day: len(source.daily(date.fromisoformat(day)).items) for day in DAYS}
    assert counts == {day: len(items) for day, items in recorded_days().items()}


# -- the rate-limit headers -------------------------------------------------------------------------------
def test_parse_ratelimit_reads_the_ietf_draft_and_x_headers() -> None:
    assert parse_ratelimit(
        {"RateLimit": '"api";r=0;t=55', "RateLimit-Policy": '"fixed window";"api";q=1000;w=300'}
    ) == (0, 55.0)
    assert parse_ratelimit({"ratelimit-remaining": "7", "ratelimit-reset": "12"}) == (7, 12.0)
    assert parse_ratelimit(
        {"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1700000060"}, now=1700000000
    ) == (3, 60.0)
    assert parse_ratelimit({"RateLimit": "garbage"}) == (None, None)


def test_polite_get_keeps_its_arxiv_behaviour_without_ratelimit_headers(hf: HFReplay) -> None:
    with httpx.Client() as client:
        response = polite_get(client, hf.api_url + "/daily_papers?date=2024-05-27", source="t",
                              settings=hf.settings(), limiter=RateLimiter(0))  # fmt: skip
    assert response.status_code == 200 and response.headers["ratelimit"].startswith('"api";r=')
