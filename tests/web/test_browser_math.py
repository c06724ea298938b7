"""A LaTeX nesting bomb in a title, in a real browser: the listing page and the paper page
stay alive and show the title as source text (math_guard), while ordinary math renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.factories import paper
from tests.web.conftest import Site, site_over
from tests.web.test_browser import chromium

DAY = dt.date(2026, 3, 2)
BOMB = "$" + "x^{" * 150 + "}" * 150 + "$"
TITLE = "Deep thoughts " + BOMB


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def bomb_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    records = [
        paper(1, DAY, title=TITLE),
        paper(2, DAY, title=r"Harmless $\alpha$ decay"),
    ]
    with site_over(Path(tmp_path_factory.mktemp("bomb")) / "data", records, demo=False) as site:
        yield site


def _open(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    crashes: list[str] = []
    page.on("crash", lambda crashed: crashes.append(crashed.url))
    page.goto(url, wait_until="load")
    return page, crashes


@pytest.mark.parametrize("path", [f"/papers/date/{DAY.isoformat()}", "/papers/2603.00001"])
def test_a_nesting_bomb_leaves_the_page_alive(bomb_site: Site, browser: Browser, path: str) -> None:
    page, crashes = _open(browser, bomb_site.url + path)
    try:
        page.wait_for_load_state("networkidle")
        assert page.evaluate("1 + 1") == 2  # the tab still answers
        bomb_title = page.get_by_text("Deep thoughts", exact=False).first
        expect(bomb_title).to_be_visible()
        # Shown as its source: the dollars stay, nothing of it went to KaTeX.
        assert bomb_title.inner_text().strip().endswith("}$")
        assert bomb_title.locator(".katex").count() == 0
        assert not crashes
    finally:
        page.context.close()


def test_ordinary_math_beside_the_bomb_still_renders(bomb_site: Site, browser: Browser) -> None:
    page, crashes = _open(browser, bomb_site.url + f"/papers/date/{DAY.isoformat()}")
    try:
        harmless = page.locator(".card-title", has_text="Harmless")
        expect(harmless.locator(".katex").first).to_be_visible()
        assert not crashes
    finally:
        page.context.close()
