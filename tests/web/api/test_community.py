"""The community JSON API (web/api_community.py) over HTTP: bearer tokens and sessions
with X-CSRF-Token, upvotes under concurrency, comments, submissions, collections,
trending with its breakdown, errors as {"error": ...} and the OpenAPI description."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperwire.accounts import tokens
from paperwire.clock import FakeClock
from paperwire.community import votes
from paperwire.community.comments import PER_HOUR
from paperwire.community.submissions import retry_pending_submissions
from paperwire.web.routes import ROUTES
from tests.support.replay import Reply, replay_server
from tests.web.conftest import Site
from tests.web.pages.test_community import (
    DEMO_NOW,
    HF_ITEM,
    RECORDED_PAPER,
    RECORDED_QUERY,
    SUBMISSION_NOW,
    TRENDING_NOW,
    TYPICAL,
    closed_port_url,
    community_site,
    csrf_of,
    log_in,
    make_user,
    quick_hashing,
    trending_records,
)

__all__ = ["quick_hashing"]  # the autouse fixture, imported to apply here too


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("api-community") / "data"
    with community_site(data, demo=True, clock=FakeClock(DEMO_NOW)) as running_site:
        yield running_site


def bearer(site: Site, username: str, **kwargs: Any) -> dict[str, str]:
    """Authorization headers of a new account's API token."""
    user = make_user(site, username, **kwargs)
    token, _ = tokens.create_token(site.catalog, user, "tests")
    return {"Authorization": f"Bearer {token}"}


def api(
    site: Site, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
) -> httpx.Response:
    return httpx.request(method, f"{site.url}{path}", headers=headers, timeout=30, **kwargs)


# -- upvotes -------------------------------------------------------------------------


def test_upvote_and_take_it_back_with_a_token(site: Site) -> None:
    auth = bearer(site, "tokenvoter")
    added = api(site, "POST", f"/api/v1/papers/{HF_ITEM}/upvote", auth)
    assert added.status_code == 200
    assert added.json() == {"paper_id": HF_ITEM, "upvoted": True, "upvotes": 11}
    assert api(site, "POST", f"/api/v1/papers/{HF_ITEM}v2/upvote", auth).json()["upvotes"] == 11
    hf = api(site, "GET", f"/api/papers/{HF_ITEM}").json()
    assert hf["upvotes"] == 11
    removed = api(site, "DELETE", f"/api/v1/papers/{HF_ITEM}/upvote", auth)
    assert removed.json() == {"paper_id": HF_ITEM, "upvoted": False, "upvotes": 10}
    missing = api(site, "POST", "/api/v1/papers/2401.99999/upvote", auth)
    assert missing.status_code == 404 and missing.json() == {"error": "no paper '2401.99999'"}
    anonymous = api(site, "POST", f"/api/v1/papers/{HF_ITEM}/upvote")
    # No token and no session: not signed in, as /openapi.json says (a CSRF check has no
    # ambient credential to protect here).
    assert anonymous.status_code == 401 and anonymous.json() == {"error": "log in first"}
    forged = api(
        site, "POST", f"/api/v1/papers/{HF_ITEM}/upvote", {"Authorization": "Bearer pw_nope"}
    )
    assert forged.status_code == 401 and forged.json() == {"error": "log in first"}


def test_fifty_parallel_upvotes_by_one_person_count_once(site: Site) -> None:
    auth = bearer(site, "eager")
    paper = "0704.0010"

    async def hammer() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=site.url, headers=auth, timeout=60) as client:
            return await asyncio.gather(
                *(client.post(f"/api/v1/papers/{paper}/upvote") for _ in range(50))
            )

    answers = asyncio.run(hammer())
    assert [answer.status_code for answer in answers] == [200] * 50
    assert {answer.json()["upvotes"] for answer in answers} == {1}
    assert votes.vote_count(site.catalog, paper) == 1
    assert api(site, "GET", f"/api/v1/papers/{paper}").json()["upvotes"] == 1


def test_a_session_needs_the_csrf_header(site: Site) -> None:
    make_user(site, "browser")
    client = log_in(site, "browser")
    try:
        token = csrf_of(client.get(f"/papers/{HF_ITEM}").text)
        refused = client.post(f"/api/v1/papers/{HF_ITEM}/upvote")
        assert refused.status_code == 403 and "error" in refused.json()
        other_site = client.post(
            f"/api/v1/papers/{HF_ITEM}/upvote",
            headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
        )
        assert other_site.status_code == 403
        done = client.post(f"/api/v1/papers/{HF_ITEM}/upvote", headers={"X-CSRF-Token": token})
        assert done.json() == {"paper_id": HF_ITEM, "upvoted": True, "upvotes": 11}
        client.delete(f"/api/v1/papers/{HF_ITEM}/upvote", headers={"X-CSRF-Token": token})
    finally:
        client.close()


# -- comments ------------------------------------------------------------------------


def test_comments_thread_edit_delete_and_moderation(site: Site) -> None:
    paper = "0704.0011"
    author, other = bearer(site, "commenter"), bearer(site, "bystander")
    moderator = bearer(site, "moderator1", role="moderator")
    body = {
        "body": "See **this** [link](https://example.org) <script>x()</script> "
        "[bad](javascript:alert(1))"
    }
    posted = api(site, "POST", f"/api/v1/papers/{paper}/comments", author, json=body)
    assert posted.status_code == 201
    comment = posted.json()
    assert comment["author"] == "commenter" and comment["state"] == "visible"
    assert comment["html"] == (
        '<p>See <strong>this</strong> <a href="https://example.org" '
        'rel="nofollow ugc noopener noreferrer">link</a> &lt;script&gt;x()&lt;/script&gt; '
        "[bad](javascript:alert(1))</p>"
    )
    reply = api(
        site,
        "POST",
        f"/api/v1/papers/{paper}/comments",
        other,
        json={"body": "Thanks", "parent_id": comment["id"]},
    ).json()
    assert (reply["parent_id"], reply["depth"]) == (comment["id"], 1)
    thread = api(site, "GET", f"/api/v1/papers/{paper}/comments").json()
    assert thread["num_comments"] == 2
    [root] = thread["comments"]
    assert root["id"] == comment["id"] and [r["id"] for r in root["replies"]] == [reply["id"]]
    # Only the author edits; only moderators hide.
    edit = {"body": "See *that*"}
    assert (
        api(site, "PATCH", f"/api/v1/comments/{comment['id']}", other, json=edit).status_code == 403
    )
    edited = api(site, "PATCH", f"/api/v1/comments/{comment['id']}", author, json=edit).json()
    assert edited["html"] == "<p>See <em>that</em></p>" and edited["edited_at"] is not None
    hide = {"hidden": True}
    assert (
        api(site, "PUT", f"/api/v1/comments/{comment['id']}/hidden", author, json=hide).status_code
        == 403
    )
    hidden = api(site, "PUT", f"/api/v1/comments/{comment['id']}/hidden", moderator, json=hide)
    assert hidden.json()["state"] == "hidden"
    public = api(site, "GET", f"/api/v1/papers/{paper}/comments").json()
    assert public["num_comments"] == 1
    assert public["comments"][0]["html"] == "" and public["comments"][0]["author"] is None
    assert public["comments"][0]["placeholder"] == "[hidden by a moderator]"
    as_moderator = api(site, "GET", f"/api/v1/papers/{paper}/comments", moderator).json()
    assert as_moderator["comments"][0]["html"] == "<p>See <em>that</em></p>"
    api(site, "PUT", f"/api/v1/comments/{comment['id']}/hidden", moderator, json={"hidden": False})
    # Deleting a comment with a reply leaves a placeholder; the reply's own goes entirely.
    assert api(site, "DELETE", f"/api/v1/comments/{reply['id']}", author).status_code == 403
    assert api(site, "DELETE", f"/api/v1/comments/{comment['id']}", author).status_code == 204
    after = api(site, "GET", f"/api/v1/papers/{paper}/comments").json()
    assert after["comments"][0]["state"] == "deleted" and after["num_comments"] == 1
    assert api(site, "DELETE", f"/api/v1/comments/{reply['id']}", other).status_code == 204
    assert api(site, "GET", f"/api/v1/papers/{paper}/comments").json() == {
        "paper_id": paper,
        "num_comments": 0,
        "comments": [],
    }


def test_comment_rules_become_statuses(site: Site) -> None:
    paper = "0704.0012"
    unverified = bearer(site, "newcomer", verified=False)
    refused = api(site, "POST", f"/api/v1/papers/{paper}/comments", unverified, json={"body": "hi"})
    assert refused.status_code == 403 and "confirm your email" in refused.json()["error"]
    chatty = bearer(site, "chatty")
    empty = api(site, "POST", f"/api/v1/papers/{paper}/comments", chatty, json={"body": "  "})
    assert empty.status_code == 400 and empty.json() == {"error": "a comment cannot be empty"}
    missing = api(site, "POST", "/api/v1/papers/2401.99999/comments", chatty, json={"body": "x"})
    assert missing.status_code == 404
    assert api(site, "GET", "/api/v1/papers/2401.99999/comments").status_code == 404
    for number in range(PER_HOUR):
        answer = api(
            site, "POST", f"/api/v1/papers/{paper}/comments", chatty, json={"body": f"#{number}"}
        )
        assert answer.status_code == 201
    too_many = api(site, "POST", f"/api/v1/papers/{paper}/comments", chatty, json={"body": "more"})
    assert too_many.status_code == 429 and too_many.headers["retry-after"] == "600"
    assert "30 comments an hour" in too_many.json()["error"]


# -- submissions ---------------------------------------------------------------------


def test_submissions_pending_then_listed_duplicates_and_limits(tmp_path: Path) -> None:
    clock = FakeClock(SUBMISSION_NOW)
    with community_site(
        tmp_path / "data", clock=clock, arxiv_api_url=closed_port_url(), submission_daily_cap=1
    ) as own:
        first, second = bearer(own, "first"), bearer(own, "second")
        pending = api(
            own, "POST", "/api/v1/submissions", first, json={"id": f"arXiv:{RECORDED_PAPER}v1"}
        )
        assert pending.status_code == 202
        body = pending.json()
        assert (body["outcome"], body["paper_id"], body["paper"]) == (
            "pending",
            RECORDED_PAPER,
            None,
        )
        assert body["submission"]["status"] == "pending"
        assert "arXiv could not be reached" in body["submission"]["reason"]
        # Upvotes of a paper still pending count already.
        voted = api(own, "POST", f"/api/v1/papers/{RECORDED_PAPER}/upvote", second)
        assert voted.json() == {"paper_id": RECORDED_PAPER, "upvoted": True, "upvotes": 1}
        capped = api(own, "POST", "/api/v1/submissions", first, json={"id": "2307.01234"})
        assert capped.status_code == 429 and int(capped.headers["retry-after"]) > 0
        with replay_server() as arxiv:
            arxiv.add("/api/query", RECORDED_QUERY, Reply(body=TYPICAL.read_bytes()))
            worker = own.settings.model_copy(
                update={"arxiv_api_url": f"{arxiv.base_url}/api/query"}
            )
            assert retry_pending_submissions(own.catalog, worker).listed == 1
        [mine] = api(own, "GET", "/api/v1/submissions", first).json()["items"]
        assert (mine["paper_id"], mine["status"], mine["submitted_by"]) == (
            RECORDED_PAPER,
            "listed",
            "first",
        )
        paper = api(own, "GET", f"/api/v1/papers/{RECORDED_PAPER}").json()
        assert (paper["submitted_by"], paper["upvotes"]) == ("first", 2)
        assert paper["listed_on"] == "2003-07-10"
        hf = api(own, "GET", "/api/daily_papers").json()
        assert hf[0]["submittedBy"] == {"name": "first"} and hf[0]["paper"]["upvotes"] == 2
        # Submitted again by someone else: an upvote (already counted for "second").
        duplicate = api(own, "POST", "/api/v1/submissions", second, json={"id": RECORDED_PAPER})
        assert duplicate.status_code == 200
        assert duplicate.json()["outcome"] == "duplicate"
        assert duplicate.json()["paper"]["upvotes"] == 2
        bad = api(own, "POST", "/api/v1/submissions", second, json={"id": "hello"})
        assert bad.status_code == 400 and "arXiv id" in bad.json()["error"]
        unverified = bearer(own, "third", verified=False)
        refused = api(own, "POST", "/api/v1/submissions", unverified, json={"id": "2307.01234"})
        assert refused.status_code == 403
        assert api(own, "GET", "/api/v1/submissions").status_code == 401


# -- collections ---------------------------------------------------------------------


def test_collections_api_private_until_public(site: Site) -> None:
    owner, other = bearer(site, "librarian"), bearer(site, "visitor")
    created = api(site, "POST", "/api/v1/collections", owner, json={"name": "Graph theory"})
    assert created.status_code == 201
    collection = created.json()
    assert (collection["slug"], collection["public"], collection["item_count"]) == (
        "graph-theory",
        False,
        0,
    )
    assert collection["url"] == f"{site.url}/users/librarian/collections/graph-theory"
    assert collection["exports"]["bibtex"] == collection["url"] + ".bib"
    conflict = api(site, "POST", "/api/v1/collections", owner, json={"name": "graph  Theory"})
    assert conflict.status_code == 409
    items = f"/api/v1/collections/{collection['id']}/items"
    added = api(site, "POST", items, owner, json={"paper_id": "0704.0002v1"}).json()
    assert added == {"collection_id": collection["id"], "paper_id": "0704.0002", "changed": True}
    assert (
        api(site, "POST", items, owner, json={"paper_id": "0704.0002"}).json()["changed"] is False
    )
    assert api(site, "POST", items, other, json={"paper_id": "0704.0004"}).status_code == 404
    assert api(site, "POST", items, owner, json={"paper_id": "2401.99999"}).status_code == 404
    api(site, "POST", items, owner, json={"paper_id": "0704.0004"})
    detail_path = "/api/v1/users/librarian/collections/graph-theory"
    detail = api(site, "GET", detail_path, owner).json()
    # Latest added first; the clock stands still here, so the tie goes by id.
    assert [paper["id"] for paper in detail["papers"]] == ["0704.0002", "0704.0004"]
    assert detail["collection"]["item_count"] == 2
    for headers in (other, None):
        assert api(site, "GET", detail_path, headers).status_code == 404
        assert api(site, "GET", "/api/v1/users/librarian/collections", headers).json() == {
            "items": []
        }
    [listed] = api(site, "GET", "/api/v1/collections", owner).json()["items"]
    assert listed["id"] == collection["id"]
    shared = api(
        site, "PATCH", f"/api/v1/collections/{collection['id']}", owner, json={"public": True}
    )
    assert shared.json()["public"] is True and shared.json()["name"] == "Graph theory"
    assert (
        api(
            site, "PATCH", f"/api/v1/collections/{collection['id']}", other, json={"public": False}
        ).status_code
        == 404
    )
    assert api(site, "GET", detail_path).json()["collection"]["public"] is True
    removed = api(site, "DELETE", f"{items}/0704.0004", owner).json()
    assert removed["changed"] is True
    assert api(site, "GET", detail_path).json()["collection"]["item_count"] == 1
    assert api(site, "DELETE", f"/api/v1/collections/{collection['id']}", other).status_code == 404
    assert api(site, "DELETE", f"/api/v1/collections/{collection['id']}", owner).status_code == 204
    assert api(site, "GET", detail_path).status_code == 404


# -- trending ------------------------------------------------------------------------


def test_trending_api_gives_order_and_breakdown(tmp_path: Path) -> None:
    with community_site(
        tmp_path / "data", trending_records(), clock=FakeClock(TRENDING_NOW)
    ) as own:
        answer = api(own, "GET", "/api/v1/trending", params={"limit": 2}).json()
        assert (answer["total"], answer["window_start"], answer["window_end"]) == (
            4,
            "2026-03-09",
            "2026-03-15",
        )
        first = answer["items"][0]
        assert first["paper"]["id"] == "2603.00101" and first["paper"]["upvotes"] == 12
        assert first["trending"]["upvotes"] == 12 and first["trending"]["comments"] == 3
        assert first["trending"]["age_hours"] == 20.0
        expected = (12 + 0.5 * 3) / (20 + 2) ** 1.8
        assert first["trending"]["score"] == pytest.approx(expected)
        assert [item["paper"]["id"] for item in answer["items"]] == ["2603.00101", "2603.00102"]
        assert (
            api(own, "GET", "/api/v1/trending", params={"offset": 2}).json()["items"][0]["paper"][
                "id"
            ]
            == "2603.00104"
        )


# -- the API's description -----------------------------------------------------------


def test_routes_declare_their_access_and_appear_in_openapi(site: Site) -> None:
    access = {(row.method, row.path): row.access for row in ROUTES}
    assert access[("POST", "/api/v1/papers/{paper_id:path}/upvote")] == "user"
    assert access[("POST", "/api/v1/papers/{paper_id:path}/comments")] == "verified"
    assert access[("GET", "/api/v1/papers/{paper_id:path}/comments")] == "anyone"
    assert access[("PUT", "/api/v1/comments/{comment_id}/hidden")] == "moderator"
    assert access[("POST", "/api/v1/submissions")] == "verified"
    assert access[("DELETE", "/api/v1/collections/{collection_id}/items/{paper_id:path}")] == "user"
    assert access[("POST", "/submit")] == "verified"
    assert access[("POST", "/comments/{comment_id}/hide")] == "moderator"
    assert access[("GET", "/users/{username}/collections/{slug}")] == "anyone"
    spec = api(site, "GET", "/openapi.json").json()
    upvote = spec["paths"]["/api/v1/papers/{paper_id}/upvote"]["post"]
    assert upvote["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UpvoteOut"
    }
    assert upvote["security"] == [{"HTTPBearer": []}]
    assert "CommentIn" in spec["components"]["schemas"]
    assert "/api/v1/trending" in spec["paths"] and "/submit" not in spec["paths"]
    assert api(site, "GET", "/api/v1/collections").json() == {"error": "log in first"}
