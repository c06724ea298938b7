"""Digest pages over real HTTP (uvicorn) and real SMTP (aiosmtpd): subscribe, confirm from the
mail, preferences, RFC 8058 one-click unsubscribe, feedback, the admin preview."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from paperwire.accounts.mail_limits import DEFAULT_LIMITS
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.digest import service
from paperwire.digest.compose import Composer
from paperwire.digest.engine import SendPolicy
from paperwire.digest.subscriptions import Subscriptions
from paperwire.web.app import create_app
from tests.support.factories import BASE_URL, paper, settings_for, subscriptions
from tests.support.servers import running
from tests.support.smtp import SmtpSink, smtp_sink

_LINK = r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?"


@dataclass
class Site:
    url: str
    catalog: Catalog
    settings: Settings
    sink: SmtpSink
    subs: Subscriptions
    clock: FakeClock

    def deliver(self, compose: bool = False) -> None:
        if compose:
            Composer(self.catalog).compose_due(self.clock.now(), force=True)
        policy = SendPolicy(rate=1000.0)
        service.sender(self.catalog, self.settings, clock=self.clock, policy=policy).run()

    def link(self, recipient: str, kind: str) -> str:
        """The newest `kind` link (confirm, unsubscribe...) mailed to `recipient`, on this site."""
        mails = [m for m in self.sink.to(recipient)]
        text = mails[-1].data.decode().replace("=\r\n", "").replace("=3D", "=")
        prefix = "" if kind == "unsubscribe" else "/digest"
        found = re.findall(
            rf"{re.escape(BASE_URL)}({prefix}/{kind}/{_LINK}(?:\?[^\s\"<>]*)?)", text
        )
        assert found, f"no {kind} link in the mail"
        return self.url + found[-1]


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def submit(client: httpx.Client, url: str, data: dict[str, str] | None = None) -> httpx.Response:
    """Like a browser: load the page with the form, then post it with its CSRF token."""
    token = _CSRF.search(client.get(url).text)
    assert token is not None, "the page has no form"
    return client.post(url, data={"csrf_token": token[1], **(data or {})})


@pytest.fixture
def site(sqlite_catalog: Catalog, tmp_path: Path, clock: FakeClock) -> Iterator[Site]:
    sqlite_catalog.upsert([paper(1, clock.now().date(), upvotes=3), paper(2, clock.now().date())])
    with smtp_sink() as sink:
        settings = settings_for(tmp_path / "data", sink.port)
        app = create_app(settings, catalog=sqlite_catalog, semantic=False)
        with running(app) as url:
            yield Site(
                url, sqlite_catalog, settings, sink, subscriptions(sqlite_catalog, settings), clock
            )


def test_subscribe_confirm_digest_one_click_unsubscribe(site: Site) -> None:
    browser = httpx.Client()
    form = browser.get(f"{site.url}/digest/subscribe")
    assert form.status_code == 200 and 'action="/digest/subscribe"' in form.text
    answer = submit(
        browser,
        f"{site.url}/digest/subscribe",
        {"email": "reader@example.org", "topics": "cat:cs.LG\n"},
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    site.deliver()
    [confirmation] = site.sink.to("reader@example.org")
    assert "Confirm" in str(confirmation.parsed()["Subject"])
    confirm = site.link("reader@example.org", "confirm")
    mail_client = httpx.Client()  # the link opens in whatever browser the mail client uses
    page = mail_client.get(confirm)  # what a mail scanner would fetch: changes nothing
    assert page.status_code == 200 and "<form" in page.text
    assert site.subs.by_email("reader@example.org").status == "pending"  # type: ignore[union-attr]
    done = submit(mail_client, confirm)
    assert done.status_code == 200 and "You are subscribed" in done.text
    assert submit(mail_client, confirm).status_code == 200  # a second click: harmless
    subscriber = site.subs.by_email("reader@example.org")
    assert subscriber is not None and subscriber.status == "confirmed"
    assert subscriber.preferences.topics == ("cat:cs.LG",)

    site.deliver(compose=True)
    digest = site.sink.to("reader@example.org")[-1].parsed()
    unsubscribe = re.fullmatch(r"<(.+)>", str(digest["List-Unsubscribe"]))
    assert unsubscribe is not None
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = unsubscribe[1].replace(BASE_URL, site.url)
    # RFC 8058: the mail provider POSTs this body, with no cookies and no CSRF token.
    response = httpx.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert site.subs.by_email("reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    before = len(site.sink.received)
    site.catalog.upsert([paper(3, site.clock.now().date())])
    site.clock.advance(24 * 3600)
    site.deliver(compose=True)
    assert len(site.sink.received) == before  # the next run skips the address


def test_subscribing_answers_the_same_whoever_you_are(site: Site) -> None:
    site.subs.add("confirmed@example.org", confirmed=True)
    site.subs.subscribe("pending@example.org")
    browser = httpx.Client()
    url = f"{site.url}/digest/subscribe"
    bodies = {
        _CSRF.sub("", submit(browser, url, {"email": email}).text)
        for email in ("confirmed@example.org", "pending@example.org", "new@example.org")
    }
    assert len(bodies) == 1
    bad = submit(browser, url, {"email": "not an address"})
    assert bad.status_code == 400 and "valid email" in bad.text
    injected = submit(browser, url, {"email": "a@example.org\r\nBcc: b@example.org"})
    assert injected.status_code == 400
    assert httpx.post(url, data={"email": "x@example.org"}).status_code == 403  # no token


def test_one_network_cannot_subscribe_the_world(site: Site) -> None:
    browser = httpx.Client()
    url = f"{site.url}/digest/subscribe"
    limit = DEFAULT_LIMITS.per_client  # PAPERWIRE_MAIL_LIMIT_PER_CLIENT, shared by every mail
    answers = [submit(browser, url, {"email": f"s{n}@example.org"}) for n in range(limit + 1)]
    codes = [answer.status_code for answer in answers]
    assert codes[:limit] == [200] * limit and codes[limit] == 429
    assert int(answers[limit].headers["retry-after"]) > 0


def test_unsubscribe_get_only_asks(site: Site) -> None:
    subscriber = site.subs.add("reader@example.org", confirmed=True)
    url = f"{site.url}/unsubscribe/{site.subs.link(subscriber, 'unsubscribe')}"
    page = httpx.get(url)
    assert page.status_code == 200 and "Unsubscribe</button>" in page.text
    assert site.subs.by_email("reader@example.org").status == "confirmed"  # type: ignore[union-attr]
    assert httpx.post(f"{site.url}/unsubscribe/forged.token").status_code == 404
    assert submit(httpx.Client(), url).status_code == 200  # the button on the page
    assert site.subs.by_email("reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]


def test_preferences_by_signed_link(site: Site) -> None:
    subscriber = site.subs.add("reader@example.org", confirmed=True)
    url = f"{site.url}/digest/preferences/{site.subs.link(subscriber, 'preferences')}"
    browser = httpx.Client()
    page = browser.get(url)
    assert page.status_code == 200 and "reader@example.org" in page.text
    assert "<option selected>UTC</option>" in page.text
    saved = submit(
        browser,
        url,
        {
            "frequency": "weekly",
            "weekday": "4",
            "hour": "18",
            "timezone": "Europe/Berlin",
            "paper_count": "5",
            "topics": "medical image segmentation\r\ncat:cs.CL",
        },
    )
    assert saved.status_code == 200 and "Saved" in saved.text
    after = site.subs.get(subscriber.id)
    assert after is not None
    prefs = after.preferences
    assert (prefs.frequency, prefs.weekday, prefs.hour, prefs.timezone, prefs.paper_count) == (
        "weekly",
        4,
        18,
        "Europe/Berlin",
        5,
    )
    assert prefs.topics == ("medical image segmentation", "cat:cs.CL")
    bad = submit(browser, url, {"timezone": "Mars/Olympus"})
    assert bad.status_code == 400 and "unknown time zone" in bad.text
    other = url.replace("/digest/preferences/", "/unsubscribe/")
    assert httpx.get(other).status_code == 404  # a preferences link does not unsubscribe


def test_feedback_links_record_ratings(site: Site) -> None:
    site.subs.add("reader@example.org", confirmed=True)
    site.deliver(compose=True)
    text = site.sink.to("reader@example.org")[-1].parsed().get_body(("plain",))
    assert text is not None
    links = re.findall(rf"Less like this: {re.escape(BASE_URL)}(\S+)", str(text.get_content()))
    dislike = site.url + links[0]
    response = httpx.get(dislike)
    assert response.status_code == 200 and "fewer papers like this" in response.text
    subscriber = site.subs.by_email("reader@example.org")
    assert subscriber is not None
    # Trending order: the paper with 3 upvotes comes first.
    assert "paper=2603.00001" in dislike
    assert site.subs.ratings(subscriber.id) == {"2603.00001": -1}
    tampered = dislike.replace("paper=2603.00001", "paper=2603.09999")
    assert httpx.get(tampered).status_code == 404  # only papers of that digest


def test_admin_preview_is_for_admins_only(site: Site) -> None:
    from paperwire.accounts import sessions
    from paperwire.accounts import users as accounts

    site.subs.add("reader@example.org", confirmed=True)
    url = f"{site.url}/admin/digest/preview"
    params = {"email": "reader@example.org"}
    anonymous = httpx.get(url, params=params)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    cookies = {}
    for name, role in (("reader", "user"), ("boss", "admin")):
        person = accounts.create_user(
            site.catalog, username=name, email=f"{name}@example.org", password=None, role=role
        )
        cookies[role] = {"pw_session": sessions.create_session(site.catalog, person)}
    assert httpx.get(url, params=params, cookies=cookies["user"]).status_code == 403
    page = httpx.get(url, params=params, cookies=cookies["admin"])
    assert page.status_code == 200 and "A study of topic 1" in page.text
    assert page.headers["cache-control"] == "no-store"
    missing = httpx.get(url, params={"email": "nobody@example.org"}, cookies=cookies["admin"])
    assert missing.status_code == 404
    # Previews are signed with a throwaway key: their links unsubscribe nobody.
    token = re.search(r"/unsubscribe/([^\"]+)\"", page.text)
    assert token is not None
    assert httpx.post(f"{site.url}/unsubscribe/{token[1]}").status_code == 404
