"""The pages in a real browser (Debian's Chromium through Playwright) over the demo site:
a reader's journey, KaTeX, the keyboard, and that nothing leaves the site or breaks the CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.web.conftest import Site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright never downloads a browser here."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class Visit:
    """A browser page that records every request it makes and every console error."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self, site: Site) -> None:
        origin = urlsplit(site.url).netloc
        assert self.requests, "the page made no requests at all"
        elsewhere = [url for url in self.requests if urlsplit(url).netloc != origin]
        assert not elsewhere, f"requests to other origins: {elsewhere}"
        assert not self.errors, f"console errors (CSP violations included): {self.errors}"


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    recorded = Visit(page)
    page.on("request", lambda request: recorded.requests.append(request.url))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            recorded.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: recorded.errors.append(str(error)))
    try:
        yield recorded
    finally:
        context.close()


def test_a_readers_journey(demo_site: Site, visit: Visit) -> None:
    page = visit.page
    page.goto(demo_site.url + "/")
    expect(page.locator("h1")).to_have_text("Daily papers · Mar 14, 2026")
    page.locator(".period-nav a[rel=prev]").click()
    expect(page).to_have_url(demo_site.url + "/papers/date/2026-03-06")
    expect(page.locator("h1")).to_have_text("Daily papers · Mar 6, 2026")
    expect(page.locator(".card .code")).to_contain_text("marco-garosi/CIRCLE")

    page.locator("#header-q").fill("diphoton")
    page.locator("#header-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=diphoton$"))
    expect(page.locator(".card-title mark").first).to_have_text("diphoton")

    page.locator(".card-title a").first.click()
    expect(page).to_have_url(demo_site.url + "/papers/0704.0001")
    expect(page.locator("h1")).to_contain_text("Calculation of prompt diphoton production")
    similar = page.locator(".similar li a").first
    target = similar.get_attribute("href")
    assert target and target != "/papers/0704.0001"
    similar.click()
    expect(page).to_have_url(demo_site.url + target)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#discussion")).to_contain_text("comment")
    visit.assert_clean(demo_site)


def test_katex_renders_tex_in_titles_and_abstracts(demo_site: Site, visit: Visit) -> None:
    page = visit.page
    page.goto(demo_site.url + "/papers/0704.0174")  # "... extraction of $\alpha$ from ..."
    title = page.locator("h1")
    expect(title.locator(".katex").first).to_be_visible()
    assert title.locator(".katex").count() == 2  # $\alpha$ and $B\to\pi\pi$
    assert "α" in title.inner_text() and "$" not in title.inner_text()
    assert page.locator(".katex-error").count() == 0
    # A list page renders the TeX of its cards too.
    page.goto(demo_site.url + "/papers/date/2007-04-02")
    expect(page.locator(".card-title .katex").first).to_be_visible()
    visit.assert_clean(demo_site)


def test_the_keyboard_reaches_search_and_skips_to_content(demo_site: Site, visit: Visit) -> None:
    page = visit.page
    page.goto(demo_site.url + "/trending")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    for _ in range(5):
        if page.evaluate("document.activeElement.id") == "header-q":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#header-q")).to_be_focused()
    page.keyboard.type("transformer")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=transformer$"))
    expect(page.locator(".card").first).to_be_visible()
    # Every form control on the search page has a label.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select')]
            .filter(e => e.type !== 'hidden' && e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabelled == []
    visit.assert_clean(demo_site)


def test_phone_width_has_no_horizontal_scroll(demo_site: Site, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        for path in ("/", "/papers/0704.0001", "/search?q=model"):
            page.goto(demo_site.url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    finally:
        context.close()
