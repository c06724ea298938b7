"""The community pages over HTTP (web/community_routes.py and the community parts of
pages.py): upvote forms, comment threads, submissions, collections and transparent trending,
with real sessions (logged in through POST /login) on a real uvicorn and SQLite.

The helpers at the top (a site with its own settings and clock, users, logging in, CSRF
tokens out of pages) serve test_api_community.py and test_e2e_community.py too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest

from paperwire.accounts import passwords, sessions
from paperwire.accounts import users as accounts
from paperwire.accounts.model import User
from paperwire.catalog.model import Authority, PaperRecord
from paperwire.clock import FakeClock
from paperwire.community.submissions import retry_pending_submissions
from paperwire.ingest.records import build_record
from tests.support.replay import Reply, replay_server
from tests.support.servers import free_port
from tests.web.conftest import Site, site_over

PASSWORD = "correct horse battery staple"
HF_ITEM = "2602.23229"  # demo: listed 2026-03-06, 10 HF upvotes, 1 HF comment
# The demo's latest listing day is Mar 14, 2026; the clock stands two days later.
DEMO_NOW = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
ATOM = Path(__file__).parents[2] / "fixtures" / "arxiv-atom"
TYPICAL = ATOM / "api-user-manual-typical-response.xml"  # hep-ex/0307015, 2003-07-07
RECORDED_PAPER = "hep-ex/0307015"
RECORDED_QUERY = {"id_list": RECORDED_PAPER, "start": "0", "max_results": "1"}
# Three days after the recorded paper appeared: recent enough to submit.
SUBMISSION_NOW = dt.datetime(2003, 7, 10, 9, 30, tzinfo=dt.UTC)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# -- helpers shared by the community web tests ---------------------------------------


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with tiny parameters: the same code paths, a thousandth of the time."""
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", hasher)


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/api/query"  # nothing listens there


@contextmanager
def community_site(
    data_dir: Path,
    extra: Sequence[PaperRecord] = (),
    *,
    demo: bool = False,
    clock: FakeClock | None = None,
    **settings: Any,
) -> Iterator[Site]:
    """conftest's site_over without the demo corpus by default."""
    with site_over(data_dir, extra, demo=demo, clock=clock, **settings) as site:
        yield site


def make_user(site: Site, username: str, *, role: str = "user", verified: bool = True) -> User:
    return accounts.create_user(
        site.catalog,
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        role=role,
        verified=verified,
    )


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(site: Site, username: str) -> httpx.Client:
    """A browser-like client logged in through the login form."""
    client = httpx.Client(base_url=site.url, timeout=30)
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"login": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
    )
    assert answer.status_code == 303, answer.text
    assert client.cookies.get("pw_session")
    return client


@contextmanager
def signed_in(site: Site, username: str, **kwargs: Any) -> Iterator[httpx.Client]:
    """A new account (verified unless told otherwise), logged in."""
    user = make_user(site, username, **kwargs)
    if user.email_verified:
        client = log_in(site, username)
    else:  # the login form refuses an unconfirmed address: a session of its own
        client = httpx.Client(base_url=site.url, timeout=30)
        client.cookies.set("pw_session", sessions.create_session(site.catalog, user))
    try:
        yield client
    finally:
        client.close()


def post_form(
    client: httpx.Client, path: str, data: dict[str, str], *, token_from: str = "/"
) -> httpx.Response:
    """POST a form as a page would: with the CSRF token of a page of this session."""
    token = csrf_of(client.get(token_from).text)
    return client.post(path, data={**data, "csrf_token": token})


def feed_record(
    paper_id: str,
    *,
    listed_on: dt.date,
    upvotes: int = 0,
    comments: int = 0,
    title: str | None = None,
) -> PaperRecord:
    """A paper as the HF daily feed lists it."""
    return build_record(
        source="hf-daily",
        source_record_id=paper_id,
        authority=Authority.HF_DAILY,
        raw_id=paper_id,
        title=title or f"Paper {paper_id}",
        abstract="An abstract.",
        authors=["Ada Lovelace"],
        categories=["cs.LG"],
        submitted=listed_on - dt.timedelta(days=1),
        listed_on=listed_on,
        extras={"upvotes": upvotes, "numComments": comments},
    )


def count_on(html: str, paper_id: str) -> int:
    """The upvote count shown for a paper: on its card (the upvote form comes just before
    the title's link) or, on the paper's own page, in its only upvote form."""
    title = html.find(f'<a href="/papers/{paper_id}">')
    before = html[:title] if title >= 0 else html
    counts = re.findall(r'<span class="count">(\d+)</span>', before)
    assert counts
    return int(counts[-1] if title >= 0 else counts[0])


# -- a shared site for the tests below -------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("community") / "data"
    with community_site(data, demo=True, clock=FakeClock(DEMO_NOW)) as running_site:
        yield running_site


# -- upvotes ---------------------------------------------------------------------------


def test_anonymous_pages_have_no_forms_to_post_only_a_way_to_log_in(site: Site) -> None:
    page = httpx.get(f"{site.url}/papers/date/2026-03-06").text
    assert 'action="/login"' in page and 'name="next" value="/papers/date/2026-03-06"' in page
    assert "csrf_token" not in page and "community.js" not in page
    refused = httpx.post(f"{site.url}/papers/{HF_ITEM}/upvote", data={"action": "add"})
    assert refused.status_code == 403  # no session, no token: the CSRF check answers first


def test_upvote_form_adds_once_takes_back_and_returns_to_a_safe_next(site: Site) -> None:
    with signed_in(site, "upvoter") as client:
        day = client.get("/papers/date/2026-03-06").text
        assert f'action="/papers/{HF_ITEM}/upvote"' in day and 'aria-pressed="false"' in day
        assert count_on(day, HF_ITEM) == 10
        assert 'src="/static/community.js' in day
        answer = post_form(
            client,
            f"/papers/{HF_ITEM}/upvote",
            {"action": "add", "next": "/papers/date/2026-03-06"},
        )
        assert (answer.status_code, answer.headers["location"]) == (303, "/papers/date/2026-03-06")
        again = post_form(client, f"/papers/{HF_ITEM}/upvote", {"action": "add"})
        assert again.headers["location"] == f"/papers/{HF_ITEM}"  # no next: the paper
        day = client.get("/papers/date/2026-03-06").text
        assert count_on(day, HF_ITEM) == 11  # one per person, however often
        assert 'class="upvote upvoted"' in day and 'aria-pressed="true"' in day
        assert 'name="action" value="remove"' in day
        # The same count everywhere, for everybody.
        assert count_on(httpx.get(f"{site.url}/papers/{HF_ITEM}").text, HF_ITEM) == 11
        hf = httpx.get(f"{site.url}/api/daily_papers", params={"date": "2026-03-06"}).json()
        assert hf[0]["paper"]["upvotes"] == 11
        assert httpx.get(f"{site.url}/api/v1/papers/{HF_ITEM}").json()["upvotes"] == 11
        # A toggle (no action) takes it back; a next pointing elsewhere is ignored.
        back = post_form(client, f"/papers/{HF_ITEM}/upvote", {"next": "https://evil.example/x"})
        assert back.headers["location"] == f"/papers/{HF_ITEM}"
        assert count_on(client.get(f"/papers/{HF_ITEM}").text, HF_ITEM) == 10


def test_unknown_paper_upvote_is_a_404_page(site: Site) -> None:
    with signed_in(site, "lost") as client:
        answer = post_form(client, "/papers/2401.99999/upvote", {"action": "add"})
        assert answer.status_code == 404 and "no paper" in answer.text


# -- comments --------------------------------------------------------------------------

HOSTILE_COMMENT = (
    "**Nice** result, see [the code](https://example.org/code).\n\n"
    "<script>alert(1)</script> [click](javascript:alert(2)) "
    '<img src=x onerror="alert(3)">'
)


def test_comment_markdown_is_rendered_and_sanitised_with_replies_and_counts(site: Site) -> None:
    paper = "0704.0002"
    with signed_in(site, "writer") as writer, signed_in(site, "replier") as replier:
        posted = post_form(writer, f"/papers/{paper}/comments", {"body": HOSTILE_COMMENT})
        assert posted.status_code == 303
        comment_id = int(posted.headers["location"].rsplit("#comment-", 1)[1])
        assert posted.headers["location"] == f"/papers/{paper}#comment-{comment_id}"
        reply = post_form(
            replier,
            f"/papers/{paper}/comments",
            {"body": "Agreed, *mostly*.", "parent_id": str(comment_id)},
        )
        assert reply.status_code == 303
    page = httpx.get(f"{site.url}/papers/{paper}").text
    thread = page.split('id="discussion"')[1]
    assert "<strong>Nice</strong>" in thread
    assert '<a href="https://example.org/code" rel="nofollow ugc noopener noreferrer">' in thread
    # Raw HTML and the javascript: link stay inert text; no tag or href carries them.
    assert "<script>alert" not in thread and "<img" not in thread
    assert 'href="javascript:' not in thread and "[click](javascript:alert(2))" in thread
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in thread
    assert "2 comments." in thread
    # The reply sits inside its parent's item.
    parent = thread.split(f'id="comment-{comment_id}"')[1]
    assert "<em>mostly</em>" in parent.split("</li>")[0] or "<em>mostly</em>" in parent
    assert '<ol class="comments">' in parent
    listing = httpx.get(f"{site.url}/papers/category/math.CO").text
    assert f'<a href="/papers/{paper}#discussion">2 comments</a>' in listing
    assert httpx.get(f"{site.url}/api/v1/papers/{paper}").json()["num_comments"] == 2


def test_unverified_and_anonymous_visitors_cannot_comment(site: Site) -> None:
    paper = "0704.0003"
    anonymous = httpx.get(f"{site.url}/papers/{paper}").text
    assert f'href="/login?next=%2Fpapers%2F{paper}">Log in</a> to comment' in anonymous
    with signed_in(site, "unconfirmed", verified=False) as client:
        page = client.get(f"/papers/{paper}").text
        assert "Confirm your email address" in page and 'class="comment-form"' not in page
        refused = post_form(client, f"/papers/{paper}/comments", {"body": "hello"})
        assert refused.status_code == 403 and "confirm your email" in refused.text


def test_edit_and_delete_ones_own_comment_within_the_window(site: Site) -> None:
    paper = "0704.0004"
    with signed_in(site, "editor") as editor, signed_in(site, "other") as other:
        posted = post_form(editor, f"/papers/{paper}/comments", {"body": "Frist!"})
        comment_id = posted.headers["location"].rsplit("-", 1)[1]
        page = editor.get(f"/papers/{paper}").text
        assert f'class="edit-link" href="/comments/{comment_id}/edit"' in page
        # A relative time, the exact one on hover, worked out on the server.
        assert re.search(
            r'<time datetime="[^"]+" title="\w{3} \d{2}, \d{4} \d{2}:\d{2} UTC">'
            r"(just now|\d+ (minute|hour|day|week|month|year)s? ago)</time>",
            page,
        )
        assert f'href="/comments/{comment_id}/edit"' not in other.get(f"/papers/{paper}").text
        form = editor.get(f"/comments/{comment_id}/edit")
        assert form.status_code == 200 and ">Frist!</textarea>" in form.text
        edited = post_form(editor, f"/comments/{comment_id}/edit", {"body": "First, *really*."})
        assert edited.status_code == 303
        page = httpx.get(f"{site.url}/papers/{paper}").text
        assert "<em>really</em>" in page and "(edited)" in page and "Frist" not in page
        assert other.get(f"/comments/{comment_id}/edit").status_code == 404
        stolen = post_form(other, f"/comments/{comment_id}/edit", {"body": "mine now"})
        assert stolen.status_code == 403
        assert post_form(other, f"/comments/{comment_id}/delete", {}).status_code == 403
        deleted = post_form(editor, f"/comments/{comment_id}/delete", {})
        assert deleted.headers["location"] == f"/papers/{paper}#discussion"
        page = httpx.get(f"{site.url}/papers/{paper}").text
        assert "really" not in page and "0 comments." in page


def test_a_comment_can_no_longer_change_after_the_window(tmp_path: Path) -> None:
    clock = FakeClock(DEMO_NOW)
    extra = [feed_record("2603.00001", listed_on=DEMO_NOW.date())]
    with (
        community_site(tmp_path / "data", extra, clock=clock) as own,
        signed_in(own, "slow") as client,
    ):
        posted = post_form(client, "/papers/2603.00001/comments", {"body": "Draft"})
        comment_id = posted.headers["location"].rsplit("-", 1)[1]
        clock.advance(16 * 60)
        page = client.get("/papers/2603.00001").text
        assert f'href="/comments/{comment_id}/edit"' not in page
        assert "can no longer be changed" in client.get(f"/comments/{comment_id}/edit").text
        late = post_form(client, f"/comments/{comment_id}/edit", {"body": "Final"})
        assert late.status_code == 403 and "15 minutes" in late.text


def test_moderators_hide_and_show_comments(site: Site) -> None:
    paper = "0704.0005"
    with (
        signed_in(site, "troll") as troll,
        signed_in(site, "answerer") as answerer,
        signed_in(site, "mod", role="moderator") as moderator,
    ):
        posted = post_form(troll, f"/papers/{paper}/comments", {"body": "Buy cheap pills"})
        comment_id = posted.headers["location"].rsplit("-", 1)[1]
        post_form(
            answerer,
            f"/papers/{paper}/comments",
            {"body": "Reported.", "parent_id": comment_id},
        )
        assert post_form(troll, f"/comments/{comment_id}/hide", {}).status_code == 403
        hidden = post_form(moderator, f"/comments/{comment_id}/hide", {"hidden": "true"})
        assert hidden.status_code == 303
        public = httpx.get(f"{site.url}/papers/{paper}").text
        assert "Buy cheap pills" not in public and "[hidden by a moderator]" in public
        assert "Reported." in public and "1 comment." in public
        seen_by_moderator = moderator.get(f"/papers/{paper}").text
        assert "Buy cheap pills" in seen_by_moderator and "Show again" in seen_by_moderator
        post_form(moderator, f"/comments/{comment_id}/hide", {"hidden": "false"})
        assert "Buy cheap pills" in httpx.get(f"{site.url}/papers/{paper}").text


# -- submissions -----------------------------------------------------------------------


def test_submission_waits_while_arxiv_is_unreachable_then_the_worker_lists_it(
    tmp_path: Path,
) -> None:
    clock = FakeClock(SUBMISSION_NOW)
    with community_site(tmp_path / "data", clock=clock, arxiv_api_url=closed_port_url()) as own:
        with signed_in(own, "submitter") as client:
            form = client.get("/submit")
            assert form.status_code == 200 and 'action="/submit"' in form.text
            answer = post_form(
                client,
                "/submit",
                {"paper": f"https://arxiv.org/abs/{RECORDED_PAPER}v1"},
                token_from="/submit",
            )
            assert answer.status_code == 303
            assert answer.headers["location"] == "/submit?outcome=pending&paper=hep-ex%2F0307015"
            page = client.get(answer.headers["location"]).text
            assert "hep-ex/0307015 is waiting: arXiv could not be reached" in page
            # Words for people, not exception names (issue 12: "(_WouldWait)").
            assert "tried again in a few minutes" in page and "ConnectError" not in page
            assert '<tr class="submission-pending">' in page and "1 attempt" in page
            with replay_server() as arxiv:
                arxiv.add("/api/query", RECORDED_QUERY, Reply(body=TYPICAL.read_bytes()))
                worker = own.settings.model_copy(
                    update={"arxiv_api_url": f"{arxiv.base_url}/api/query"}
                )
                report = retry_pending_submissions(own.catalog, worker)
            assert report.listed == 1
            page = client.get("/submit").text
            assert '<tr class="submission-listed">' in page
            assert '<a href="/papers/hep-ex/0307015">hep-ex/0307015</a>' in page
        today = httpx.get(f"{own.url}/").text
        assert "Multi-Electron Production at High Transverse Momenta" in today
        assert "submitted by submitter" in today
        assert count_on(today, RECORDED_PAPER) == 1  # the submitter's own upvote


def test_submission_refusals_are_shown_on_the_form(site: Site) -> None:
    with signed_in(site, "picky") as client:
        bad = post_form(client, "/submit", {"paper": "not a paper"}, token_from="/submit")
        assert bad.status_code == 400 and "give an arXiv id" in bad.text
        assert 'value="not a paper"' in bad.text  # the form keeps what was typed
        # Known to the catalog from 2007, so nothing is fetched: too old.
        old = post_form(client, "/submit", {"paper": "0704.0001"}, token_from="/submit")
        assert old.status_code == 400 and "only papers from the last 14 days" in old.text
    with signed_in(site, "unsure", verified=False) as client:
        page = client.get("/submit").text
        assert "Confirm your email address" in page and 'action="/submit"' not in page
        refused = post_form(client, "/submit", {"paper": "2403.01234"}, token_from="/submit")
        assert refused.status_code == 403
    assert httpx.get(f"{site.url}/submit", follow_redirects=False).headers["location"] == (
        "/login?next=%2Fsubmit"
    )


# -- collections -----------------------------------------------------------------------


def test_collections_from_creation_to_export_private_until_shared(site: Site) -> None:
    with signed_in(site, "curator") as owner, signed_in(site, "snoop") as snoop:
        created = post_form(
            owner, "/collections", {"name": "Reading list"}, token_from="/collections"
        )
        url = "/users/curator/collections/reading-list"
        assert (created.status_code, created.headers["location"]) == (303, url)
        # Every card and paper page offers the viewer's collections.
        day = owner.get("/papers/date/2007-04-02").text
        assert day.count(">Reading list</option>") == 50
        paper_page = owner.get("/papers/0704.0001").text
        assert 'action="/papers/0704.0001/collect"' in paper_page
        collection_id = re.search(r'<option value="(\d+)">Reading list</option>', paper_page)
        assert collection_id
        for paper in ("0704.0001", HF_ITEM):
            added = post_form(
                owner,
                f"/papers/{paper}/collect",
                {"collection_id": collection_id.group(1), "next": "/papers/date/2007-04-02"},
            )
            assert added.headers["location"] == "/papers/date/2007-04-02"
        page = owner.get(url).text
        assert "A private collection by" in page and "2 papers" in page
        assert 'href="/papers/0704.0001"' in page and "Remove from this collection" in page
        # Private: absent for everybody else, exports included.
        for path in (url, f"{url}.bib", f"{url}.jsonl"):
            assert snoop.get(path).status_code == 404
            assert httpx.get(site.url + path).status_code == 404
        assert "Reading list" not in httpx.get(f"{site.url}/users/curator/collections").text
        bib = owner.get(f"{url}.bib")
        assert bib.headers["content-type"].startswith("application/x-bibtex")
        assert 'filename="curator-reading-list.bib"' in bib.headers["content-disposition"]
        assert "eprint = {0704.0001}" in bib.text and "archivePrefix = {arXiv}" in bib.text
        assert "eprint = {2602.23229}" in bib.text and bib.text.count("@misc{") == 2
        lines = [json.loads(line) for line in owner.get(f"{url}.jsonl").text.splitlines()]
        assert sorted(line["id"] for line in lines) == ["0704.0001", HF_ITEM]
        # Shared under a new name: visible to all at its new address.
        post_form(
            owner,
            f"/collections/{collection_id.group(1)}/edit",
            {"name": "Best of 2007", "description": "Early arXiv", "public": "true"},
        )
        shared = "/users/curator/collections/best-of-2007"
        public = httpx.get(site.url + shared)
        assert public.status_code == 200 and "A public collection by" in public.text
        assert "Early arXiv" in public.text and "Remove from this collection" not in public.text
        assert "Best of 2007" in httpx.get(f"{site.url}/users/curator/collections").text
        removed = post_form(
            owner,
            f"/collections/{collection_id.group(1)}/remove",
            {"paper_id": HF_ITEM, "next": shared},
        )
        assert removed.headers["location"] == shared
        assert "1 paper" in httpx.get(site.url + shared).text
        post_form(owner, f"/collections/{collection_id.group(1)}/delete", {})
        assert httpx.get(site.url + shared).status_code == 404
        assert "no collections yet" in owner.get("/collections").text


def test_collection_names_are_unique_per_account(site: Site) -> None:
    with signed_in(site, "twice") as client:
        post_form(client, "/collections", {"name": "Ideas"}, token_from="/collections")
        again = post_form(client, "/collections", {"name": "ideas!"}, token_from="/collections")
        assert again.status_code == 409 and "already" in again.text
        assert 'value="ideas!"' in again.text


# -- trending --------------------------------------------------------------------------

TRENDING_DAY = dt.date(2026, 3, 15)
TRENDING_NOW = dt.datetime(2026, 3, 15, 20, 0, tzinfo=dt.UTC)  # 20 h after the listing


def trending_records() -> list[PaperRecord]:
    return [
        feed_record("2603.00101", listed_on=TRENDING_DAY, upvotes=12, comments=3, title="Popular"),
        feed_record("2603.00102", listed_on=TRENDING_DAY, upvotes=5, title="Liked"),
        feed_record("2603.00103", listed_on=TRENDING_DAY, title="Quiet"),
        feed_record("2603.00104", listed_on=TRENDING_DAY - dt.timedelta(days=3), upvotes=12),
    ]


def test_trending_ranks_by_score_and_says_why(tmp_path: Path) -> None:
    clock = FakeClock(TRENDING_NOW)
    with community_site(tmp_path / "data", trending_records(), clock=clock) as own:
        page = httpx.get(f"{own.url}/trending").text
        order = re.findall(r'<h2 class="card-title tex"><a href="/papers/([^"]+)"', page)
        # 00104 has the upvotes of 00101 but is three days older: the decay outweighs them.
        # 00103 has nothing: score 0, after every scored paper.
        assert order == ["2603.00101", "2603.00102", "2603.00104", "2603.00103"]
        assert "12 upvotes, 3 comments, 20 h old" in page
        assert "5 upvotes, 0 comments, 20 h old" in page
        assert "12 upvotes, 0 comments, 3 days old" in page
        assert "Trending score " in page and "4 papers" in page
        # Six people's upvotes here lift "Quiet" (6) above "Liked" (5 from Hugging Face).
        for name in ("v1", "v2", "v3", "v4", "v5", "v6"):
            with signed_in(own, name) as client:
                post_form(client, "/papers/2603.00103/upvote", {"action": "add"})
        page = httpx.get(f"{own.url}/trending").text
        order = re.findall(r'<h2 class="card-title tex"><a href="/papers/([^"]+)"', page)
        assert order == ["2603.00101", "2603.00103", "2603.00102", "2603.00104"]
        assert "6 upvotes, 0 comments, 20 h old" in page
        # The same order in both APIs and the feed.
        hf = httpx.get(f"{own.url}/api/daily_papers", params={"sort": "trending", "limit": 10})
        # Without a date, the HF API lists the latest listing day only.
        assert [item["paper"]["id"] for item in hf.json()] == [
            "2603.00101",
            "2603.00103",
            "2603.00102",
        ]
        v1 = httpx.get(f"{own.url}/api/v1/papers", params={"order": "trending"}).json()
        assert [item["id"] for item in v1["items"]] == order and v1["total"] == 4
        feed = httpx.get(f"{own.url}/feeds/trending.atom").text
        assert re.findall(r"<id>[^<]*/papers/(2603\.\d+)</id>", feed) == order
