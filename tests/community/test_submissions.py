"""Community submissions against recorded arXiv API responses (tests/replay.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.catalog.listing import ListQuery
from paperwire.catalog.periods import Period
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.community import submissions, votes
from paperwire.community.engagement import engagement_for
from paperwire.community.submissions import (
    parse_submission,
    retry_pending_submissions,
    submit_paper,
)
from paperwire.config import Settings
from paperwire.errors import CommunityError, Forbidden, NotFound, TooMany
from tests.support.community import add_paper, make_user
from tests.support.replay import ReplayServer, Reply, replay_server
from tests.support.servers import free_port

ATOM = Path(__file__).parents[1] / "fixtures" / "arxiv-atom"
TYPICAL = ATOM / "api-user-manual-typical-response.xml"  # hep-ex/0307015, published 2003-07-07
ERROR = ATOM / "api-user-manual-error-response.xml"
PAPER = "hep-ex/0307015"
QUERY = {"id_list": PAPER, "start": "0", "max_results": "1"}
SUBMITTED_ON = dt.date(2003, 7, 10)


@pytest.fixture
def clock() -> FakeClock:
    # Three days after the recorded paper appeared, so it is recent enough to submit.
    return FakeClock(dt.datetime(2003, 7, 10, 9, 30, tzinfo=dt.UTC))


@pytest.fixture
def arxiv() -> Iterator[ReplayServer]:
    with replay_server() as server:
        server.add("/api/query", QUERY, Reply(body=TYPICAL.read_bytes()))
        yield server


def _settings(settings: Settings, arxiv_url: str) -> Settings:
    return settings.model_copy(update={"arxiv_api_url": f"{arxiv_url}/api/query"})


@pytest.fixture
def online(settings: Settings, arxiv: ReplayServer) -> Settings:
    return _settings(settings, arxiv.base_url)


@pytest.fixture
def offline(settings: Settings) -> Settings:
    return _settings(settings, f"http://127.0.0.1:{free_port()}")  # nothing listens there


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2403.01234", "2403.01234"),
        (" 2403.01234v2 ", "2403.01234"),
        ("arXiv:2403.01234", "2403.01234"),
        ("https://arxiv.org/abs/2403.01234v3", "2403.01234"),
        ("http://export.arxiv.org/abs/2403.01234", "2403.01234"),
        ("https://arxiv.org/pdf/2403.01234v1.pdf", "2403.01234"),
        ("https://huggingface.co/papers/2403.01234", "2403.01234"),
        ("https://hf.co/papers/2403.01234?ref=x#community", "2403.01234"),
        ("https://arxiv.org/abs/hep-ex/0307015v1", "hep-ex/0307015"),
    ],
)
def test_ids_come_out_of_ids_and_known_urls(text: str, expected: str) -> None:
    assert parse_submission(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "2413.01234",
        "https://evil.example/abs/2403.01234",
        "https://arxiv.org.evil.example/abs/2403.01234",
        "https://example.org/?u=https://arxiv.org/abs/2403.01234",
        "file:///etc/passwd",
        "2403.01234" + "x" * 400,
    ],
)
def test_anything_else_is_refused_without_fetching(text: str) -> None:
    with pytest.raises(CommunityError, match="arXiv id"):
        parse_submission(text)


def test_a_submission_lists_the_paper_today(
    catalog: Catalog, online: Settings, arxiv: ReplayServer
) -> None:
    ada = make_user(catalog, "ada")
    result = submit_paper(catalog, online, ada, "https://arxiv.org/abs/hep-ex/0307015v1")
    assert (result.outcome, result.paper_id) == ("listed", PAPER)
    assert result.submission is not None and result.submission.status == "listed"
    assert arxiv.requests == [("/api/query", QUERY)]
    page = catalog.list_page(ListQuery(period=Period.day(SUBMITTED_ON)), with_sources=True)
    [paper] = page.papers
    assert paper.id == PAPER and paper.listed_on == SUBMITTED_ON and paper.listed_from_feed
    assert paper.title.startswith("Multi-Electron Production")
    assert {ref.source for ref in paper.sources} == {"arxiv-atom", "community"}
    found = engagement_for(catalog, [paper])[PAPER]
    assert (found.submitted_by, found.upvotes) == ("ada", 1)  # the submitter's own upvote


def test_a_second_submission_is_an_upvote(
    catalog: Catalog, online: Settings, arxiv: ReplayServer
) -> None:
    submit_paper(catalog, online, make_user(catalog, "ada"), PAPER)
    bob = make_user(catalog, "bob")
    result = submit_paper(catalog, online, bob, f"arXiv:{PAPER}")
    assert result.outcome == "duplicate" and result.submission is not None
    assert result.submission.username == "ada"
    assert votes.vote_count(catalog, PAPER) == 2 and len(arxiv.requests) == 1
    assert submit_paper(catalog, online, bob, PAPER).outcome == "duplicate"
    assert votes.vote_count(catalog, PAPER) == 2


def test_a_paper_a_feed_listed_is_a_duplicate(
    catalog: Catalog, online: Settings, arxiv: ReplayServer
) -> None:
    add_paper(catalog, "2307.01234", listed_on=dt.date(2003, 7, 9))
    result = submit_paper(catalog, online, make_user(catalog, "ada"), "2307.01234")
    assert (result.outcome, result.submission) == ("duplicate", None)
    assert votes.vote_count(catalog, "2307.01234") == 1 and arxiv.requests == []


def test_metadata_the_catalog_has_is_not_fetched_again(
    catalog: Catalog, online: Settings, arxiv: ReplayServer
) -> None:
    add_paper(catalog, "2307.01234", source="arxiv-oai", submitted=dt.date(2003, 7, 8))
    result = submit_paper(catalog, online, make_user(catalog, "ada"), "2307.01234")
    assert result.outcome == "listed" and arxiv.requests == []
    [paper] = catalog.get_many(["2307.01234"])
    assert (paper.listed_on, paper.listed_from_feed) == (SUBMITTED_ON, True)


def test_too_old_and_unknown_papers_are_refused_without_a_trace(
    catalog: Catalog, online: Settings, arxiv: ReplayServer, clock: FakeClock
) -> None:
    ada = make_user(catalog, "ada")
    clock.advance(12 * 86400)  # 2003-07-22: the paper is from the 7th
    with pytest.raises(CommunityError, match="last 14 days"):
        submit_paper(catalog, online, ada, PAPER)
    assert submissions.get_submission(catalog, PAPER) is None and catalog.count() == 0
    unknown = {"id_list": "hep-ex/0307099", "start": "0", "max_results": "1"}
    arxiv.add("/api/query", unknown, Reply(body=ERROR.read_bytes()))
    with pytest.raises(NotFound, match="arXiv has no paper"):
        submit_paper(catalog, online, ada, "hep-ex/0307099")
    assert submissions.submissions_of(catalog, ada.id, viewer=ada) == []


def test_only_verified_accounts_submit(catalog: Catalog, online: Settings) -> None:
    with pytest.raises(Forbidden, match="log in"):
        submit_paper(catalog, online, None, PAPER)
    with pytest.raises(Forbidden, match="confirm your email"):
        submit_paper(catalog, online, make_user(catalog, "ada", verified=False), PAPER)


def test_unreachable_arxiv_leaves_it_pending_until_a_retry(
    catalog: Catalog, offline: Settings, online: Settings, clock: FakeClock
) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    result = submit_paper(catalog, offline, ada, PAPER)
    assert result.outcome == "pending" and result.submission is not None
    assert result.submission.status == "pending" and result.submission.attempts == 1
    assert "could not be reached" in (result.submission.reason or "")
    assert catalog.count() == 0
    assert submit_paper(catalog, offline, bob, PAPER).outcome == "duplicate"  # bob's upvote
    assert [s.status for s in submissions.submissions_of(catalog, ada.id, viewer=ada)] == [
        "pending"
    ]
    assert submissions.submissions_of(catalog, ada.id, viewer=bob) == []  # not public yet
    report = retry_pending_submissions(catalog, offline)
    assert (report.listed, report.pending) == (0, 1)
    clock.advance(86400)
    report = retry_pending_submissions(catalog, online)
    assert (report.listed, report.rejected, report.pending) == (1, 0, 0)
    [paper] = catalog.get_many([PAPER])
    assert paper.listed_on == SUBMITTED_ON + dt.timedelta(days=1)  # listed the day it lists
    found = engagement_for(catalog, [paper])[PAPER]
    assert (found.submitted_by, found.upvotes) == ("ada", 2)
    assert [s.status for s in submissions.submissions_of(catalog, ada.id, viewer=bob)] == ["listed"]
    assert retry_pending_submissions(catalog, online).listed == 0


def test_retries_reject_what_cannot_be_listed(
    catalog: Catalog, offline: Settings, online: Settings, arxiv: ReplayServer, clock: FakeClock
) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    submit_paper(catalog, offline, ada, "hep-ex/0307099")
    votes.upvote(catalog, bob, "hep-ex/0307099")  # an upvote of a pending paper
    submit_paper(catalog, offline, ada, "hep-ex/0307098")
    both = {"id_list": "hep-ex/0307099,hep-ex/0307098", "start": "0", "max_results": "2"}
    arxiv.add("/api/query", both, Reply(body=ERROR.read_bytes()))
    report = retry_pending_submissions(catalog, online)
    assert (report.listed, report.rejected) == (0, 2)
    states = {
        s.paper_id: (s.status, s.reason)
        for s in submissions.submissions_of(catalog, ada.id, viewer=ada)
    }
    assert states["hep-ex/0307099"] == ("rejected", "arXiv has no paper hep-ex/0307099")
    assert votes.vote_count(catalog, "hep-ex/0307099") == 0
    # A rejected paper may be submitted again (arXiv may know it by then).
    assert submit_paper(catalog, offline, bob, "hep-ex/0307099").outcome == "pending"
    clock.advance(3 * 86400 + 1)
    assert retry_pending_submissions(catalog, offline).rejected == 1


def test_the_age_rule_counts_from_the_day_of_submission(
    catalog: Catalog, offline: Settings, online: Settings, clock: FakeClock
) -> None:
    clock.advance(10 * 86400)  # 2003-07-20: 13 days after the paper
    ada = make_user(catalog, "ada")
    submit_paper(catalog, offline, ada, PAPER)
    clock.advance(2 * 86400)  # 15 days after the paper when arXiv answers
    assert retry_pending_submissions(catalog, online).listed == 1


def test_the_daily_cap(catalog: Catalog, offline: Settings, clock: FakeClock) -> None:
    capped = offline.model_copy(update={"submission_daily_cap": 2})
    ada = make_user(catalog, "ada")
    submit_paper(catalog, capped, ada, "hep-ex/0307015")
    submit_paper(catalog, capped, ada, "hep-ex/0307016")
    with pytest.raises(TooMany, match="2 papers a day") as refused:
        submit_paper(catalog, capped, ada, "hep-ex/0307017")
    assert refused.value.retry_after == 14 * 3600 + 30 * 60 + 1  # until midnight UTC
    assert (
        submit_paper(catalog, capped, make_user(catalog, "bob"), "hep-ex/0307017").outcome
        == "pending"
    )
    clock.advance(15 * 3600)
    assert submit_paper(catalog, capped, ada, "hep-ex/0307018").outcome == "pending"


def test_arxiv_asking_to_wait_leaves_a_human_reason_not_an_internal_name(
    catalog: Catalog, settings: Settings
) -> None:
    with replay_server() as busy:
        busy.add("/api/query", QUERY, Reply(status=503, headers={"Retry-After": "30"}))
        result = submit_paper(
            catalog, _settings(settings, busy.base_url), make_user(catalog, "ada"), PAPER
        )
    assert result.outcome == "pending" and result.submission is not None
    reason = result.submission.reason or ""
    assert reason == (
        "arXiv could not be reached: it asked us to slow down; "
        "it will be tried again in a few minutes"
    )
    assert "_WouldWait" not in reason and "(" not in reason
