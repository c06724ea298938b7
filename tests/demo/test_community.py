"""What `paperwire demo` loads looks alive: recent HF papers, demo accounts' upvotes and
comments, a collection; trending scores above zero and a digest preview with papers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest

from paperwire.accounts import users as accounts
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.periods import Period
from paperwire.community import collections, comments
from paperwire.demo import load_demo
from paperwire.demo.community import DEMO_USERS, seed_demo_community
from paperwire.digest import service as digest_service
from tests.web.conftest import Site, site_over


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with site_over(tmp_path_factory.mktemp("demo") / "data", demo=False) as served:
        load_demo(served.catalog, served.settings, recent=True)
        seed_demo_community(served.catalog)
        yield served


def test_the_hf_papers_are_listed_today_with_demo_accounts_on_them(site: Site) -> None:
    today = dt.datetime.now(dt.UTC).date()
    assert site.catalog.latest_listed_on() == today
    names = [user.username for user in accounts.list_users(site.catalog)]
    assert sorted(names) == sorted(DEMO_USERS)
    for name in DEMO_USERS:
        user = accounts.require_user(site.catalog, name)
        assert user.email.endswith("@demo.invalid") and user.email_verified
        assert accounts.password_hash_of(site.catalog, user.id) is None  # nobody logs in
    ada = accounts.require_user(site.catalog, "demo-ada")
    [shelf] = collections.collections_of(site.catalog, "demo-ada", ada)
    assert shelf.is_public and shelf.item_count == 4
    # Seeding again adds nothing.
    again = seed_demo_community(site.catalog)
    assert (again.users, again.upvotes, again.comments, again.collections) == (0, 0, 0, 0)


def test_trending_shows_scores_above_zero(site: Site) -> None:
    page = httpx.get(site.url + "/trending", timeout=10).text
    scores = [float(s) for s in re.findall(r"<summary>Trending score ([0-9.]+)</summary>", page)]
    # Before: every card said "Trending score 0" (the papers were months old).
    assert len(scores) >= 5 and min(scores[:5]) > 0, scores


def test_a_paper_has_the_demo_comments(site: Site) -> None:
    latest = site.catalog.latest_listed_on()
    assert latest is not None
    commented = [
        paper.id
        for paper in site.catalog.list_page(
            ListQuery(period=Period.day(latest)), limit=100, with_total=False
        ).papers
        if comments.thread(site.catalog, paper.id)
    ]
    assert commented
    page = httpx.get(f"{site.url}/papers/{commented[0]}", timeout=10).text
    assert "demo-grace" in page or "demo-ada" in page or "demo-alan" in page
    assert "ago</time>" in page or "just now</time>" in page


def test_the_digest_preview_has_papers(site: Site) -> None:
    preview = digest_service.preview(site.catalog, site.settings, "reader@example.org")
    assert preview is not None, "nothing new"
    assert "/papers/" in preview.text
