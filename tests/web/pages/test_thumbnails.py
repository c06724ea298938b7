"""Thumbnails on the site over real HTTP: the route serves the stored WebP (cacheable) or
404s (not cached), and a card shows it with the paper's title, escaped, as its alt text;
a paper without one gets a text card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paperwire.ingest.pdf import ThumbnailStore, render_first_page
from tests.conftest import FIXTURES
from tests.support.factories import make_record
from tests.web.conftest import Site, site_over
from tests.web.pages.test_papers import Elements

TITLE = '"><img src=x onerror=alert(1)> A <b>bold</b> title'
DAY = dt.date(2026, 3, 20)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir: Path = tmp_path_factory.mktemp("thumbs") / "data"
    records = [
        make_record(raw_id="2603.00001", title=TITLE, listed_on=DAY),
        make_record(raw_id="hep-th/9901001", title="An old-style id", listed_on=DAY),
        make_record(raw_id="2603.00002", title="No thumbnail here", listed_on=DAY),
    ]
    image = render_first_page((FIXTURES / "pdf" / "one-page.pdf").read_bytes())
    store = ThumbnailStore(data_dir)
    store.save("2603.00001", image)
    store.save("hep-th/9901001", image)
    with site_over(data_dir, records, demo=False) as served:
        yield served


def test_route_serves_the_thumbnail_cacheable(site: Site) -> None:
    response = httpx.get(site.url + "/thumbnails/2603.00001.webp")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert response.content[8:12] == b"WEBP"
    assert "max-age" in response.headers["cache-control"]
    assert httpx.get(site.url + "/thumbnails/hep-th/9901001.webp").status_code == 200


def test_route_404s_without_a_thumbnail(site: Site) -> None:
    response = httpx.get(site.url + "/thumbnails/2603.00002.webp")
    assert response.status_code == 404
    assert "no-store" in response.headers["cache-control"]
    assert httpx.get(site.url + "/thumbnails/..%2F..%2Fcatalog.db.webp").status_code == 404


def test_cards_show_the_thumbnail_with_the_title_as_alt(site: Site) -> None:
    html = httpx.get(f"{site.url}/papers/date/{DAY.isoformat()}").text
    parsed = Elements()
    parsed.feed(html)
    images = parsed.find("img")
    assert {image["src"] for image in images} == {
        "/thumbnails/2603.00001.webp",
        "/thumbnails/hep-th/9901001.webp",
    }
    [hostile] = [image for image in images if image["src"] == "/thumbnails/2603.00001.webp"]
    assert hostile["alt"] == f"First page of {TITLE}"
    assert "<img src=x" not in html  # escaped, never markup
    # The paper without one is a plain text card.
    cards = html.split('<article class="card')
    [plain] = [card for card in cards if "No thumbnail here" in card]
    assert plain.startswith('">') and "<img" not in plain
