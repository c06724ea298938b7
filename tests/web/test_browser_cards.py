"""The card grid, the density toggle and the author page in Chromium at 1280 and 390 px:
a grid of bordered cards on wide screens, a list on phones, thumbnails on top of cards that
have one, no horizontal overflow anywhere, and the density choice remembered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from paperwire.ingest.pdf import ThumbnailStore, render_first_page
from paperwire.web.present import author_path
from tests.conftest import FIXTURES
from tests.support.factories import make_record
from tests.web.conftest import Site, site_over
from tests.web.test_browser import chromium

DAY = dt.date(2026, 3, 20)
LONG_NAME = "Maximiliane-Wilhelmina von Unterschleißheim-Oberhausen-Rheinhausen " * 2
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir: Path = tmp_path_factory.mktemp("grid") / "data"
    records = [
        make_record(
            raw_id=f"2603.{n:05d}",
            title=f"A paper on topic {n} with a rather long title that wraps over lines",
            authors=[
                LONG_NAME.strip(),
                "Ada Lovelace",
                "Alan Turing",
                "Grace Hopper",
                "Kurt Gödel",
            ],
            abstract="We study things. " * 30,
            listed_on=DAY,
        )
        for n in range(1, 9)
    ]
    store = ThumbnailStore(data_dir)
    image = render_first_page((FIXTURES / "pdf" / "one-page.pdf").read_bytes())
    for n in range(1, 9, 2):
        store.save(f"2603.{n:05d}", image)
    with site_over(data_dir, records, demo=False) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _columns(page: Page) -> int:
    return int(
        page.evaluate(
            "getComputedStyle(document.querySelector('.cards'))"
            ".gridTemplateColumns.split(' ').length"
        )
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_front_page_and_author_page_never_overflow(
    site: Site, browser: Browser, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for path in ("/", f"/papers/date/{DAY.isoformat()}", author_path(LONG_NAME.strip())):
            response = page.goto(site.url + path, wait_until="load")
            assert response is not None and response.status == 200, path
            assert _overflow(page) <= 0, f"{path} at {width}px"
        page.goto(site.url + "/", wait_until="load")
        thumbs = page.locator(".card .thumb img")
        if width >= 1280:
            assert _columns(page) >= 2  # a grid
            assert thumbs.first.is_visible()
            assert page.locator(".card.has-thumb").count() == 4
        else:
            assert _columns(page) == 1  # a list
            assert not thumbs.first.is_visible()
    finally:
        context.close()


def test_density_toggle_is_remembered(site: Site, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(site.url + "/", wait_until="load")
        toggle = page.locator(".density-toggle")
        assert toggle.get_attribute("aria-pressed") == "false"
        toggle.click()
        assert toggle.get_attribute("aria-pressed") == "true"
        assert _columns(page) == 1
        assert not page.locator(".card .excerpt").first.is_visible()
        page.reload(wait_until="load")
        assert page.locator("html.density-compact").count() == 1
        assert page.locator(".density-toggle").get_attribute("aria-pressed") == "true"
        page.locator(".density-toggle").click()
        assert _columns(page) >= 2
        assert _overflow(page) <= 0
    finally:
        context.close()
