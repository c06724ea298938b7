"""A reader's way into "For you", in a real browser (Debian's Chromium through Playwright)
over a real site (the demo corpus, embedded): log in, get the call to action, pick topics,
see cold-start picks that say why, upvote and rate 👍 (card by card, without a reload),
hide one as "not interested", and see /for-you turn personal and explain itself. Checked at
1280 and 390 px: nothing scrolls sideways, the script sends no request off the site and
logs no error.

Screenshots of each step go to tmp_path, or to PAPERWIRE_SCREENSHOT_DIR when set
(`PAPERWIRE_SCREENSHOT_DIR=docs/screenshots` refreshes the docs' pictures).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from paperwire.clock import FakeClock
from paperwire.search.embed_job import embed_pending
from paperwire.search.embedder import MiniLmEmbedder
from tests.web.accounts.kit import PASSWORD, account_site, make_user, use_quick_hashing
from tests.web.conftest import Site
from tests.web.test_browser import chromium
from tests.web.test_e2e_community import _visit

WIDTHS = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with pytest.MonkeyPatch.context() as patch:
        use_quick_hashing(patch)
        with account_site(tmp_path / "data", clock=FakeClock()) as served:
            embed_pending(served.catalog, MiniLmEmbedder(max_tokens=64))
            make_user(served.catalog, "ada")
            yield served


def _shots(tmp_path: Path) -> Path:
    wanted = os.environ.get("PAPERWIRE_SCREENSHOT_DIR")
    return Path(wanted) if wanted else tmp_path


def _shoot(page: Page, out: Path, stem: str, width: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide at {widths[1]}px"
    page.evaluate("window.scrollTo(0, 0)")  # a reload keeps the scroll position
    target = out / f"{stem}-{width}.png"
    page.screenshot(path=str(target), full_page=False)
    from PIL import Image  # a 256-colour PNG, small enough to commit (as tools/screenshots.py)

    with Image.open(target) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    reduced.save(target, optimize=True)


def _cards(page: Page) -> list[str]:
    ids = page.locator(".ratings").evaluate_all(
        "nodes => nodes.map(node => node.getAttribute('data-paper-id'))"
    )
    return [str(paper_id) for paper_id in ids]


@pytest.mark.parametrize("width", WIDTHS)
def test_cold_start_then_ratings_make_for_you_personal(
    site: Site, tmp_path: Path, width: str
) -> None:
    out = _shots(tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        context = browser.new_context(viewport=WIDTHS[width])  # type: ignore[arg-type]
        page = context.new_page()
        page.set_default_timeout(15_000)
        visit = _visit(page)

        # Log in on the way to /for-you: an empty profile gets the call to action.
        page.goto(site.url + "/for-you")
        expect(page).to_have_url(re.compile(r"/login\?next=%2Ffor-you$"))
        page.fill("input[name=login]", "ada")
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(site.url + "/for-you")
        expect(page.get_by_role("heading", name="Tell us what you read")).to_be_visible()
        _shoot(page, out, "for-you-empty", width)

        # Cold start: pick two topics and an author.
        page.get_by_role("link", name="Choose topics and import papers").click()
        expect(page).to_have_url(site.url + "/for-you/preferences")
        offered = page.locator(".category-grid input[type=checkbox]")
        offered.nth(0).check()
        offered.nth(1).check()
        page.fill("#prefs-authors", "Marco Garosi")
        page.get_by_role("button", name="Save topics").click()
        expect(page.get_by_text("Your topics are saved")).to_be_visible()
        _shoot(page, out, "for-you-preferences", width)

        page.get_by_role("link", name="For you", exact=True).first.click()
        basis = page.locator(".for-you-basis")
        expect(basis).to_contain_text("Starting point: your topics and what's trending")
        first = page.locator("article.card").first
        expect(first.locator(".reasons li").first).not_to_be_empty()
        _shoot(page, out, "for-you-cold-start", width)
        picks = _cards(page)
        assert len(picks) == 20

        # Upvote the first pick (community.js, no reload), then rate two more 👍 and hide
        # one as "not interested" (for_you.js: each card leaves at once).
        page.evaluate("window.stayedHere = true")
        upvoted = page.locator("article.card", has=page.locator(f'[data-paper-id="{picks[0]}"]'))
        upvoted.locator("form.upvote button").click()
        expect(upvoted.locator("form.upvote button")).to_have_attribute("aria-pressed", "true")
        for paper_id in picks[1:3]:
            card = page.locator("article.card", has=page.locator(f'[data-paper-id="{paper_id}"]'))
            card.get_by_role("button", name=re.compile("^Good pick")).click()
            expect(card).to_have_count(0)
        hidden = page.locator("article.card", has=page.locator(f'[data-paper-id="{picks[3]}"]'))
        hidden.get_by_role("button", name=re.compile("^Not interested")).click()
        expect(hidden).to_have_count(0)
        expect(page.locator("#for-you-status")).to_contain_text("your picks are updated")
        assert page.evaluate("window.stayedHere") is True

        # Reloaded: personal, says on what, every card says why; rated papers are gone.
        page.reload()
        expect(basis).to_contain_text("Based on your 3 papers liked")
        now = _cards(page)
        assert not set(picks[:4]) & set(now)
        reasons = page.locator(".reasons li")
        expect(reasons.first).to_be_visible()
        texts = reasons.all_inner_texts()
        assert any(text.startswith("Like your") for text in texts), texts
        _shoot(page, out, "for-you", width)

        # "More like this" on another page goes back there; anonymous pages have none.
        page.goto(site.url + "/trending")
        card = page.locator("article.card").first
        card.get_by_role("button", name=re.compile("^More like this")).click()
        expect(card.locator(".card-feedback")).to_have_text("Noted: more like this.")
        visit.assert_clean(site)
        context.close()
