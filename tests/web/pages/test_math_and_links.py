"""TeX and bare URLs wherever people read text: collection pages load KaTeX for the
excerpts on their cards, comments get TeX and links, abstracts' URLs are safe links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paperwire.community import collections, comments
from paperwire.web.community_view import collection_url
from tests.support.community import make_user
from tests.support.factories import paper
from tests.web.conftest import Site, site_over

DAY = dt.date(2026, 3, 2)
KATEX = '<script defer src="/static/vendor/katex/katex.min.js"></script>'
REL = 'rel="nofollow ugc noopener"'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    records = [
        paper(
            1,
            DAY,
            title="A plain title",
            abstract=r"We bound $\alpha$ tightly; code at https://github.com/a/b. "
            'Not links: javascript:alert(1), https://e.org/"onmouseover="x".',
        ),
    ]
    with site_over(Path(tmp_path_factory.mktemp("tex")) / "data", records, demo=False) as site:
        yield site


def test_collection_pages_load_katex_for_tex_in_excerpts(site: Site) -> None:
    owner = make_user(site.catalog, "curator")
    shelf = collections.create_collection(site.catalog, owner, "Bounds", public=True)
    collections.add_paper(site.catalog, owner, shelf.id, "2603.00001")
    page = httpx.get(site.url + collection_url(shelf)).text
    assert r"$\alpha$" in page and KATEX in page


def test_comments_render_tex_and_link_bare_urls(site: Site) -> None:
    reader = make_user(site.catalog, "reader")
    comments.add_comment(
        site.catalog, reader, "2603.00001", r"So $\beta^2$ holds, see https://example.org/proof"
    )
    page = httpx.get(site.url + "/papers/2603.00001").text
    assert KATEX in page
    assert '<div class="comment-body tex">' in page
    assert '<a href="https://example.org/proof" rel="nofollow ugc noopener noreferrer">' in page


def test_abstract_urls_are_safe_links(site: Site) -> None:
    page = httpx.get(site.url + "/papers/2603.00001").text
    abstract = page.split('<div class="abstract')[1].split("</div>")[0]
    assert f'<a href="https://github.com/a/b" {REL}>https://github.com/a/b</a>.' in abstract
    assert abstract.count("<a ") == 2  # the github one and the bare https://e.org/
    assert f'<a href="https://e.org/" {REL}>https://e.org/</a>&#34;onmouseover' in abstract
    assert "javascript:alert(1)" in abstract and 'href="javascript' not in abstract
