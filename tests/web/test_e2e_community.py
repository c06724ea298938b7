"""One person's way into the community, in a real browser (Debian's Chromium through
Playwright): sign up, confirm the address from the mail a real SMTP server caught, log in,
submit a paper (arXiv answered by a replay of a recorded response), upvote without a page
reload, comment, and find the submission on /trending with why it is there.

The recorded arXiv paper (hep-ex/0307015) appeared on 2003-07-07, so the catalog's clock is
set to 2003-07-10: a real clock and the rules' 14-day limit would refuse it. The clock
stands still, which makes ages (and so the trending text) exact.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import ConsoleMessage, Page, expect

from paperwire.catalog.model import Authority, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.ingest.records import build_record
from paperwire.web.app import create_app
from tests.support.replay import ReplayServer, Reply, replay_server
from tests.support.servers import free_port
from tests.support.smtp import SmtpSink, smtp_sink, text_of
from tests.web.conftest import Site
from tests.web.pages.test_community import (
    PASSWORD,
    RECORDED_PAPER,
    RECORDED_QUERY,
    SUBMISSION_NOW,
    TYPICAL,
    quick_hashing,
)
from tests.web.test_browser import Visit, chromium

__all__ = ["quick_hashing"]  # the autouse fixture, imported to apply here too
FEED_PAPER_TITLE = "A paper a feed listed the same day"


@contextmanager
def serve(settings: Settings, catalog: Catalog, port: int) -> Iterator[str]:
    """uvicorn on a port chosen beforehand: the mailed links need the site's URL in its
    settings (base_url) before it starts."""
    app = create_app(settings, catalog=catalog, semantic=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert httpx.get(f"{base}/healthz").status_code == 200
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def community_site(data_dir: Path, mailbox: SmtpSink, arxiv: ReplayServer) -> Iterator[Site]:
    port = free_port()
    settings = Settings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_security="none",
        smtp_from="paperwire <noreply@papers.example.org>",
        arxiv_api_url=f"{arxiv.base_url}/api/query",
    )
    catalog = Catalog.open(settings.catalog_url(), clock=FakeClock(SUBMISSION_NOW))
    try:
        catalog.upsert([_feed_paper()])
        with serve(settings, catalog, port) as url:
            yield Site(url, catalog, settings)
    finally:
        catalog.close()


def _feed_paper() -> PaperRecord:
    """Something else on the day's page, with two upvotes from Hugging Face."""
    return build_record(
        source="hf-listing",
        source_record_id="feed-paper",
        authority=Authority.LISTING,
        raw_id=None,
        title=FEED_PAPER_TITLE,
        listed_on=SUBMISSION_NOW.date(),
        extras={"upvotes": 2},
    )


def _mailed_link(mailbox: SmtpSink, address: str) -> str:
    """The confirmation link of the mail sent to `address` (sent after the response)."""
    deadline = time.monotonic() + 15
    while not mailbox.messages_to(address) and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = mailbox.messages_to(address)
    assert message["Subject"] == "Confirm your email address"
    found = re.search(r"http://127\.0\.0\.1:\d+/account/verify\?token=\S+", text_of(message))
    assert found, text_of(message)
    return found.group(0)


def _visit(page: Page) -> Visit:
    recorded = Visit(page)
    page.on("request", lambda request: recorded.requests.append(request.url))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            recorded.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: recorded.errors.append(str(error)))
    return recorded


def test_sign_up_confirm_submit_upvote_comment_and_trend(tmp_path: Path) -> None:
    with (
        smtp_sink() as mailbox,
        replay_server() as arxiv,
        chromium() as browser,
    ):
        arxiv.add("/api/query", RECORDED_QUERY, Reply(body=TYPICAL.read_bytes()))
        with community_site(tmp_path / "data", mailbox, arxiv) as site:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(15_000)
            visit = _visit(page)

            # Sign up; the mail's link opens a page whose button confirms the address.
            page.goto(site.url + "/signup")
            page.fill("input[name=username]", "ada")
            page.fill("input[name=email]", "ada@example.org")
            page.fill("input[name=password]", PASSWORD)
            page.get_by_role("button", name="Sign up").click()
            expect(page.locator("h1")).to_have_text("Check your inbox")
            page.goto(_mailed_link(mailbox, "ada@example.org"))
            page.get_by_role("button", name="Yes, confirm my address").click()
            # Confirming logs this browser in (docs/community.md, onboarding).
            expect(page.get_by_text("you are logged in")).to_be_visible()

            # Log out and in again, coming back to the submission form.
            page.get_by_role("button", name="Log out", exact=True).click()
            page.goto(site.url + "/submit")
            expect(page).to_have_url(re.compile(r"/login\?next=%2Fsubmit$"))
            page.fill("input[name=login]", "ada")
            page.fill("input[name=password]", PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(site.url + "/submit")

            # Submit by URL: arXiv (replayed) answers, the paper is on today's page.
            page.fill("#submit-paper", f"https://arxiv.org/abs/{RECORDED_PAPER}v1")
            page.get_by_role("button", name="Submit").click()
            expect(page.locator(".notice[role=status]")).to_have_text(
                f"{RECORDED_PAPER} is on today's page now."
            )
            expect(page.locator("tr.submission-listed")).to_contain_text(RECORDED_PAPER)
            page.goto(site.url + "/")
            submitted = page.locator("article.card", has_text="Multi-Electron Production")
            expect(submitted.locator(".submitter")).to_have_text("submitted by ada")
            expect(submitted.locator("form.upvote button")).to_have_attribute(
                "aria-pressed",
                "true",  # a submission counts as its submitter's upvote
            )

            # Upvote the other paper: the count changes without reloading the page.
            page.evaluate("window.stayedHere = true")
            other = page.locator("article.card", has_text=FEED_PAPER_TITLE)
            expect(other.locator(".count")).to_have_text("2")
            other.locator("form.upvote button").click()
            expect(other.locator(".count")).to_have_text("3")
            expect(other.locator("form.upvote button")).to_have_attribute("aria-pressed", "true")
            assert page.evaluate("window.stayedHere") is True
            page.reload()
            expect(other.locator(".count")).to_have_text("3")

            # Comment on the submission.
            submitted.locator(".card-title a").click()
            expect(page).to_have_url(f"{site.url}/papers/{RECORDED_PAPER}")
            page.fill("#body-new", "A **striking** excess at high mass.")
            page.get_by_role("button", name="Comment", exact=True).click()
            expect(page).to_have_url(re.compile(r"#comment-\d+$"))
            comment = page.locator(".comment").first
            expect(comment.locator(".author")).to_have_text("ada")
            expect(comment.locator(".comment-body strong")).to_have_text("striking")
            expect(page.locator("#discussion .count")).to_have_text("1 comment.")

            # On /trending, first, and the card says why.
            page.goto(site.url + "/trending")
            first = page.locator("article.card").first
            expect(first.locator(".card-title")).to_contain_text("Multi-Electron Production")
            first.locator("details.why summary").click()
            expect(first.locator("details.why p")).to_have_text(
                "1 upvote, 1 comment, submitted here, 0 min old"
            )
            expect(page.locator("article.card").nth(1)).to_contain_text(FEED_PAPER_TITLE)
            visit.assert_clean(site)
            context.close()
