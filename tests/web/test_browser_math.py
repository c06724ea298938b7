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


@pytest.fixture(scope="module")
def snapshot_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from paperwire.ingest.formats import open_source
    from paperwire.ingest.pipeline import run_source
    from paperwire.search.indexes import index_root, update_keyword_index

    fixtures = Path(__file__).parents[1] / "fixtures"
    with site_over(Path(tmp_path_factory.mktemp("dollars")) / "data", demo=False) as site:
        run_source(site.catalog, open_source(fixtures / "arxiv-metadata-snapshot-sample.jsonl"))
        update_keyword_index(site.catalog, index_root(site.settings.data_dir))
        yield site


@pytest.mark.parametrize("width", [1280, 390])
def test_an_unbalanced_dollar_does_not_widen_the_page(
    snapshot_site: Site, browser: Browser, width: int
) -> None:
    # 0704.0200's abstract lacks one `$`: KaTeX set the prose as one 2,238 px line.
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(snapshot_site.url + "/papers/0704.0200", wait_until="load")
        page.wait_for_load_state("networkidle")
        expect(page.locator("h1")).to_contain_text("Electromagnetic polarizabilities")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            page.evaluate("document.documentElement.scrollWidth")
        )
        # The abstract is shown as its source: the dollars stay and wrap with the words.
        abstract = page.get_by_text("are contributed by a larger number", exact=False).first
        assert abstract.locator(".katex").count() == 0
    finally:
        context.close()
