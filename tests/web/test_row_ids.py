"""Row ids in requests (web/params.py) against the database's real range, on SQLite and
PostgreSQL: ids past PostgreSQL's int4 (comments, collections, tokens, a reply's parent)
and ids below 1 are refused as invalid or not found, never a 500; signed digest links
with a huge subscriber id or non-ASCII digits are not found either."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperwire.accounts import sessions, tokens
from paperwire.accounts.security import csrf_token
from paperwire.web.auth import SESSION_COOKIE
from paperwire.web.params import MAX_ROW_ID
from tests.support.community import add_paper, make_user, quick_hashing
from tests.web.conftest import Site, site_over

__all__ = ["quick_hashing"]  # the autouse fixture, imported to apply here too

PAPER = "2401.00002"
OUT_OF_RANGE = (2**31, 2**62, -1, 0)
# Invalid (the API's validation answer or a page's) or not found: never a server error.
REFUSED = (400, 404, 422)


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[Site]:
    with site_over(tmp_path / "data", demo=False, database_url=database_url) as served:
        add_paper(served.catalog, PAPER)
        yield served


def _api_calls(row: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("PATCH", f"/api/v1/comments/{row}", {"json": {"body": "edited"}}),
        ("DELETE", f"/api/v1/comments/{row}", {}),
        ("PUT", f"/api/v1/comments/{row}/hidden", {"json": {"hidden": True}}),
        ("PATCH", f"/api/v1/collections/{row}", {"json": {"name": "renamed"}}),
        ("DELETE", f"/api/v1/collections/{row}", {}),
        ("POST", f"/api/v1/collections/{row}/items", {"json": {"paper_id": PAPER}}),
        ("DELETE", f"/api/v1/collections/{row}/items/{PAPER}", {}),
        ("DELETE", f"/api/v1/me/tokens/{row}", {}),
        ("POST", f"/api/v1/papers/{PAPER}/comments", {"json": {"body": "hi", "parent_id": row}}),
    ]


def _page_calls(row: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"/comments/{row}/edit", {}),
        ("POST", f"/comments/{row}/edit", {"data": {"body": "edited"}}),
        ("POST", f"/comments/{row}/delete", {}),
        ("POST", f"/comments/{row}/hide", {"data": {"hidden": "true"}}),
        ("POST", f"/collections/{row}/edit", {"data": {"name": "renamed"}}),
        ("POST", f"/collections/{row}/delete", {}),
        ("POST", f"/collections/{row}/remove", {"data": {"paper_id": PAPER}}),
        ("POST", f"/papers/{PAPER}/collect", {"data": {"collection_id": str(row)}}),
        ("POST", f"/papers/{PAPER}/comments", {"data": {"body": "hi", "parent_id": str(row)}}),
        ("POST", f"/settings/tokens/{row}/revoke", {}),
    ]


def test_ids_past_the_int4_range_are_refused_not_500(site: Site) -> None:
    admin = make_user(site.catalog, "ida", role="admin")
    secret, _ = tokens.create_token(site.catalog, admin, "tests")
    session = sessions.create_session(site.catalog, admin)
    browser = {
        "Cookie": f"{SESSION_COOKIE}={session}",
        "X-CSRF-Token": csrf_token(site.settings, session),
    }
    wrong: list[str] = []
    with httpx.Client(base_url=site.url, timeout=30) as http:
        for row in (*OUT_OF_RANGE, MAX_ROW_ID):
            calls = [(c, {"Authorization": f"Bearer {secret}"}) for c in _api_calls(row)]
            calls += [(c, browser) for c in _page_calls(row)]
            for (method, path, body), headers in calls:
                answer = http.request(method, path, headers=headers, **body)
                # The largest id in range names no row here: found nothing, or refused.
                allowed = REFUSED if row != MAX_ROW_ID else (*REFUSED, 403)
                if answer.status_code not in allowed:
                    wrong.append(f"{method} {path}: {answer.status_code} {answer.text[:80]!r}")
                elif path.startswith("/api/"):
                    assert set(answer.json()) == {"error"}, (path, answer.text)
    assert not wrong, "\n".join(wrong)


def test_digest_links_with_a_huge_or_non_ascii_subscriber_id_are_not_found(site: Site) -> None:
    # The subscriber is looked up before the signature can be checked (it is keyed by
    # the subscriber's link_key): the id in the payload is the attacker's choice.
    signature = "x" * 43
    forged = [
        f"u-{2**62}.{signature}",
        f"p-{2**31}.{signature}",
        f"f-{2**62}-{2**31}.{signature}",
        f"u-{10**17}.{signature}",
        f"u-\u0661\u0662\u0663.{signature}",  # Arabic-Indic digits: str.isdigit() is True
        f"p-\u00b2.{signature}",  # a superscript two: isdigit() too, int() refuses it
        "not-a-token",
    ]
    wrong: list[str] = []
    with httpx.Client(base_url=site.url, timeout=30) as http:
        for token in forged:
            for path in (
                f"/unsubscribe/{token}",
                f"/digest/preferences/{token}",
                f"/digest/feedback/{token}?paper={PAPER}&vote=up",
                f"/digest/confirm/{token}",
            ):
                answer = http.get(path)
                if answer.status_code >= 500:
                    wrong.append(f"GET {path}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
