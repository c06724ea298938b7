"""huggingface_hub itself, unmodified, against paperwire: `HfApi(endpoint=<our url>)`.

Every request the client makes is recorded, and the test fails if one went anywhere but
our server (there is no network here anyway; the check keeps that true elsewhere).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx2
import pytest
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import _http

from tests.web.conftest import Site

DEMO_ITEM = "2602.23229"
DEMO_TITLE = "Large Multimodal Models as General In-Context Classifiers"
DEMO_AUTHORS = [
    "Marco Garosi",
    "Matteo Farina",
    "Alessandro Conti",
    "Massimiliano Mancini",
    "Elisa Ricci",
]


@pytest.fixture
def api(demo_site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[HfApi]:
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    # The client reads both at import time; offline mode would refuse every request.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    requested: list[str] = []

    def recording_client() -> httpx2.Client:
        client = _http.default_client_factory()
        client.event_hooks["request"].append(lambda request: requested.append(str(request.url)))
        return client

    _http.set_client_factory(recording_client)
    try:
        # token=False: never send a token that happens to be saved on this machine.
        yield HfApi(endpoint=demo_site.url, token=False)
    finally:
        _http.set_client_factory(_http.default_client_factory)
    assert requested, "the client made no request"
    assert [url for url in requested if not url.startswith(demo_site.url + "/")] == []


def test_list_daily_papers_of_a_date(api: HfApi) -> None:
    [paper] = api.list_daily_papers(date="2026-03-06")
    assert paper.id == DEMO_ITEM
    assert paper.title == DEMO_TITLE
    assert paper.summary is not None and paper.summary.startswith("Which multimodal model")
    assert paper.authors is not None and [a.name for a in paper.authors] == DEMO_AUTHORS
    assert (paper.upvotes, paper.comments) == (10, 1)
    assert paper.published_at == dt.datetime(2026, 2, 26, tzinfo=dt.UTC)
    # The client takes an item's top-level publishedAt as submitted_at (HF's shape: that
    # field is the paper's publication there too).
    assert paper.submitted_at == dt.datetime(2026, 2, 26, tzinfo=dt.UTC)
    assert paper.submitted_by is not None and paper.submitted_by.fullname == "Marco Garosi"
    assert paper.submitted_by.name == "marco-garosi"  # type: ignore[attr-defined]
    assert paper.organization is not None and paper.organization.name == "MHUGLab"
    # Inside a daily item HF keeps these in `paper`, where this client does not look.
    assert paper.github_stars is None and paper.ai_summary is None


def test_list_daily_papers_latest_day_and_paging(api: HfApi) -> None:
    latest = list(api.list_daily_papers())
    assert len(latest) == 50
    assert all(p.published_at == dt.datetime(2026, 3, 14, tzinfo=dt.UTC) for p in latest)
    rest = list(api.list_daily_papers(p=1))
    assert len(rest) == 17
    titles = {p.title for p in latest + rest}
    assert len(titles) == 67
    assert "UniXcoder: Unified Cross-Modal Pre-training for Code Representation" in titles
    assert len(list(api.list_daily_papers(limit=100, sort="trending"))) == 67


def test_list_daily_papers_by_week_month_and_submitter(api: HfApi) -> None:
    assert [p.id for p in api.list_daily_papers(week="2026-W10")] == [DEMO_ITEM]
    assert len(list(api.list_daily_papers(month="2007-04", limit=100))) == 100
    assert [p.id for p in api.list_daily_papers(submitter="marco-garosi")] == [DEMO_ITEM]
    assert list(api.list_daily_papers(submitter="nobody-here")) == []


def test_a_bad_date_is_an_http_error(api: HfApi) -> None:
    with pytest.raises(HfHubHTTPError) as raised:
        list(api.list_daily_papers(date="2026-02-30"))
    assert raised.value.response.status_code == 400
    assert "no such date" in str(raised.value)


def test_paper_info(api: HfApi) -> None:
    info = api.paper_info(DEMO_ITEM)
    assert info.id == DEMO_ITEM and info.title == DEMO_TITLE
    assert info.authors is not None and [a.name for a in info.authors] == DEMO_AUTHORS
    assert info.published_at == dt.datetime(2026, 2, 26, tzinfo=dt.UTC)
    assert info.submitted_at == dt.datetime(2026, 3, 6, tzinfo=dt.UTC)
    assert (info.upvotes, info.github_stars) == (10, 9)
    assert info.github_repo == "https://github.com/marco-garosi/CIRCLE"
    assert info.project_page == "https://circle-lmm.github.io/"
    assert info.ai_summary is not None and info.ai_summary.startswith("Large Multimodal Models")
    assert info.ai_keywords is not None and "in-context learning" in info.ai_keywords
    assert info.submitted_by is not None
    assert (info.submitted_by.username, info.submitted_by.fullname) == (
        "marco-garosi",
        "Marco Garosi",
    )
    assert info.organization is not None
    assert info.organization.fullname == "Multimedia and Human Understanding Group"
    arxiv = api.paper_info("0704.0001")
    assert arxiv.title is not None and arxiv.title.startswith("Calculation of prompt diphoton")
    assert arxiv.published_at == dt.datetime(2007, 4, 2, tzinfo=dt.UTC)


def test_paper_info_of_an_unknown_paper_is_404(api: HfApi) -> None:
    with pytest.raises(HfHubHTTPError) as raised:
        api.paper_info("2401.99999")
    assert raised.value.response.status_code == 404


def test_list_papers_searches(api: HfApi) -> None:
    found = list(api.list_papers(query="diphoton", limit=5))
    assert found[0].id == "0704.0001"
    assert found[0].title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert found[0].authors is not None and found[0].authors[0].name == "C. Balázs"
    assert 1 <= len(found) <= 5
    [best] = api.list_papers(query="in-context classifiers", limit=1)
    assert (best.id, best.upvotes, best.comments) == (DEMO_ITEM, 10, 1)
    assert list(api.list_papers()) == []  # no query, nothing to match


def test_read_paper(api: HfApi) -> None:
    text = api.read_paper(DEMO_ITEM)
    assert text.startswith(f"# {DEMO_TITLE}\n")
    assert "Authors: Marco Garosi, Matteo Farina" in text
    assert "## Abstract" in text and "CIRCLE" in text
    with pytest.raises(HfHubHTTPError) as raised:
        api.read_paper("2401.99999")
    assert raised.value.response.status_code == 404
