"""Hostile papers, ingested through every source format, shown in a real browser.

Each input is a real fixture with its fields replaced by an XSS corpus (markup, event
handlers, javascript: URLs, TeX that tries links, HTML data, or an expansion bomb, CR/LF).
They are ingested with the real sources, served by the real app and opened in Chromium:
no dialog may fire, no javascript: URL or data-born on* attribute may reach the DOM, no
request may leave the site, and the hostile text must be visible as text.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.ingest.files import FilesReport, ingest_paths
from tests.conftest import FIXTURES
from tests.web.conftest import Site, site_over
from tests.web.test_browser import chromium

DAY = dt.date(2026, 3, 20)
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TITLE_BREAKOUT = "</title><script>alert(1)</script>"
ATTR_BREAKOUT = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"
TEX_HREF = r"$\href{javascript:alert(1)}{x}$"
TEX_URL = r"$\url{javascript:alert(1)}$"
TEX_HTML_DATA = r"$\htmlData{foo=bar}{x}$"
TEX_BOMB = r"$\def\a{\a}\a$"
HOSTILE_ABSTRACT = (
    f"We study {IMG} and {SCRIPT} with {TEX_HREF}, {TEX_URL}, {TEX_HTML_DATA} and "
    f"{TEX_BOMB} as well as {ATTR_BREAKOUT} in a long enough abstract."
)


@dataclass(frozen=True)
class Hostile:
    """One hostile paper: its marker word (to search for), id and visible strings."""

    marker: str
    paper_id: str
    visible: tuple[str, ...]


def hf_listing(folder: Path) -> tuple[Path, Hostile]:
    text = (FIXTURES / "hf-papers-listing-encoder.txt").read_text()
    blocks = text.split("\n\n")
    header = blocks[: blocks.index("Mar 14") + 1]
    title = f"Xsslisting {SCRIPT} {IMG}"
    path = folder / "listing.txt"
    path.write_text("\n\n".join([*header, title, HOSTILE_ABSTRACT, ""]))
    slug = "xsslisting-script-alert-1-script-img-src-x-onerror-alert-1"
    return path, Hostile("xsslisting", slug, (title, IMG))


def hf_daily(folder: Path) -> tuple[Path, Hostile]:
    [item] = json.loads((FIXTURES / "hf-daily-papers-sample.json").read_text())
    item = copy.deepcopy(item)
    title = f"Xssdaily {ATTR_BREAKOUT} {TITLE_BREAKOUT}"
    paper = item["paper"]
    paper.update(
        id="2603.00001",
        title=title,
        summary=HOSTILE_ABSTRACT,
        githubRepo=JS_URL,
        projectPage=JS_URL,
        mediaUrls=[JS_URL, "https://evil.example/pixel.png"],
        ai_summary=f"AI says {SCRIPT}",
        submittedOnDailyAt=f"{DAY}T03:55:12.777Z",
    )
    paper["authors"][0]["name"] = IMG
    paper["submittedOnDailyBy"]["user"] = ATTR_BREAKOUT
    item.update(title=title, summary=HOSTILE_ABSTRACT, mediaUrls=[JS_URL])
    item["submittedBy"]["name"] = ATTR_BREAKOUT
    item["submittedBy"]["avatarUrl"] = JS_URL
    path = folder / "daily.json"
    path.write_text(json.dumps([item]))
    return path, Hostile("xssdaily", "2603.00001", (title, f"AI says {SCRIPT}", IMG))


def oai_xml(folder: Path) -> tuple[Path, Hostile]:
    name = "functional-arxiv-fixtures-http-server-records-arxiv-single.xml"
    xml = (FIXTURES / "arxiv-oai" / name).read_text()
    title = f"Xssoai {SCRIPT} line one"
    xml = (
        xml.replace("1401.2122", "2603.00002")
        .replace(
            "<created>2014-01-09</created><updated>2017-10-23</updated>",
            f"<created>{DAY}</created>",
        )
        .replace("<keyname>Sergyeyev</keyname>", f"<keyname>{escape(IMG)}</keyname>")
        .replace(
            "New integrable (3+1)-dimensional systems and contact geometry",
            # A CR/LF inside the title, as a character reference (XML folds a literal CR).
            escape(title) + "&#13;&#10;line two",
        )
        .replace("<comments>16 pages", f"<comments>{escape(TITLE_BREAKOUT)} 16 pages")
        .replace("We introduce a novel", escape(HOSTILE_ABSTRACT) + " We introduce a novel")
    )
    path = folder / "oai.xml"
    path.write_text(xml)
    return path, Hostile("xssoai", "2603.00002", (f"{title} line two", TITLE_BREAKOUT))


def arxiv_atom(folder: Path) -> tuple[Path, Hostile]:
    xml = (FIXTURES / "arxiv-atom" / "api-user-manual-typical-response.xml").read_text()
    title = f"Xssatom {TITLE_BREAKOUT} {TEX_BOMB}"
    xml = (
        xml.replace("hep-ex/0307015", "2603.00003")
        .replace("2003-07-07T13:46:39-04:00", f"{DAY}T13:46:39-04:00")
        .replace(
            "Multi-Electron Production at High Transverse Momenta in ep Collisions at\n  HERA",
            escape(title),
        )
        .replace("  Multi-electron production is studied", escape(HOSTILE_ABSTRACT) + " It")
        .replace(
            '<name xmlns="http://www.w3.org/2005/Atom">H1 Collaboration',
            f'<name xmlns="http://www.w3.org/2005/Atom">{escape(ATTR_BREAKOUT)}',
        )
        .replace("23 pages, 8 figures and 4 tables", escape(SCRIPT))
    )
    path = folder / "atom.xml"
    path.write_text(xml)
    return path, Hostile("xssatom", "2603.00003", (TITLE_BREAKOUT, ATTR_BREAKOUT))


def snapshot(folder: Path) -> tuple[Path, Hostile]:
    line = (FIXTURES / "arxiv-metadata-snapshot-sample.jsonl").read_text().splitlines()[0]
    record = json.loads(line)
    title = f"Xsssnapshot {TEX_HREF} {TEX_URL} {TEX_HTML_DATA}"
    record.update(
        id="2603.00004",
        title=title + "\r\n  carried on",
        abstract=HOSTILE_ABSTRACT,
        authors=f"{IMG}, E. L. Berger",
        authors_parsed=[[IMG, "", ""], ["Berger", "E. L.", ""]],
        comments=ATTR_BREAKOUT,
        versions=[{"version": "v1", "created": "Fri, 20 Mar 2026 19:18:42 GMT"}],
        **{"journal-ref": SCRIPT},
    )
    path = folder / "snapshot.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return path, Hostile("xsssnapshot", "2603.00004", (IMG, ATTR_BREAKOUT, SCRIPT))


def export(folder: Path) -> tuple[Path, Hostile]:
    title = f"Xssexport {ATTR_BREAKOUT} {SCRIPT}"
    paper = {
        "format": "paperwire-export/1",
        "id": "xssexport-paper",
        "title": title,
        "abstract": HOSTILE_ABSTRACT,
        "authors": [IMG, TITLE_BREAKOUT],
        "categories": ["cs.CR"],
        "version": None,
        "submitted": str(DAY),
        "updated": None,
        "doi": None,
        "journal_ref": None,
        "comments": None,
        "license": None,
        "links": [["code", "https://github.com/evil/repo"]],
        "listed_on": str(DAY),
        "listed_from_feed": True,
        "extras": {"submitter": ATTR_BREAKOUT, "githubStars": SCRIPT, "mediaUrls": [JS_URL]},
        "authority": 1,
        "withdrawn": False,
        "sources": [],
    }
    # An export that smuggles a javascript: link is refused whole.
    smuggler = {**paper, "id": "xssexport-smuggler", "links": [["code", JS_URL]]}
    path = folder / "export.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in (paper, smuggler)) + "\n")
    return path, Hostile("xssexport", "xssexport-paper", (title, TITLE_BREAKOUT))


BUILDERS = (hf_listing, hf_daily, oai_xml, arxiv_atom, snapshot, export)


@dataclass
class HostileSite:
    site: Site
    papers: list[Hostile]
    report: FilesReport


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSite]:
    inputs = tmp_path_factory.mktemp("inputs")
    built = [builder(inputs) for builder in BUILDERS]
    data_dir = tmp_path_factory.mktemp("xss") / "data"
    catalog = Catalog.open(Settings(data_dir=data_dir).catalog_url())
    try:
        # The listing's date line has no year: pin the day, as the demo does.
        report = ingest_paths(catalog, [path for path, _ in built], listed_on=DAY)
    finally:
        catalog.close()
    with site_over(data_dir, demo=False) as site:
        yield HostileSite(site, [paper for _, paper in built], report)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


# What data must never become: on* attributes, javascript: URLs, \\htmlData's data-*
# attributes, scripts other than ours, images.
_DOM_PROBLEMS = """() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const value = attribute.value.trim().toLowerCase();
      const where = `${element.tagName} ${attribute.name}`;
      if (attribute.name.startsWith('on')) found.push(where);
      if (value.startsWith('javascript:')) found.push(`${where}=${value}`);
      if (attribute.name.startsWith('data-foo')) found.push(where);
    }
  }
  for (const script of document.scripts) {
    const ours = script.src && script.src.startsWith(location.origin + '/static/');
    if (!ours) found.push('script ' + script.outerHTML.slice(0, 80));
  }
  for (const image of document.images) found.push('img ' + image.outerHTML.slice(0, 80));
  return found;
}"""


@dataclass
class Probe:
    """One tab that records dialogs, requests and console errors of each page it opens."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(message.text)

        self.page.on("dialog", on_dialog)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def check(self, site: Site, url: str, visible: tuple[str, ...]) -> None:
        """Open `url` and check that nothing hostile came alive and the text shows."""
        self.dialogs.clear()
        self.requests.clear()
        self.errors.clear()
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        assert self.dialogs == [], f"a dialog fired on {url}: {self.dialogs}"
        assert self.page.evaluate(_DOM_PROBLEMS) == [], url
        origin = urlsplit(site.url).netloc
        assert [r for r in self.requests if urlsplit(r).netloc != origin] == [], url
        assert self.errors == [], f"console errors on {url}: {self.errors}"
        text = self.page.inner_text("body")
        for snippet in visible:
            assert snippet in text, f"{snippet!r} not visible on {url}"


def test_every_source_kept_the_hostile_papers(hostile: HostileSite) -> None:
    assert not hostile.report.unreadable
    catalog = hostile.site.catalog
    for paper in hostile.papers:
        stored = catalog.get(paper.paper_id)
        assert stored is not None, paper.marker
        assert "\r" not in stored.title and "\n" not in stored.title
        assert all(
            not url.lower().startswith("javascript:") for url in (link.url for link in stored.links)
        )
    assert catalog.get("xssexport-smuggler") is None  # refused: its link was javascript:


def test_hostile_papers_are_inert_on_every_page(hostile: HostileSite, browser: Browser) -> None:
    site = hostile.site
    context = browser.new_context()
    context.set_default_timeout(10_000)
    try:
        probe = Probe(context.new_page())
        titles = tuple(paper.visible[0] for paper in hostile.papers)
        probe.check(site, site.url + "/", titles)
        probe.check(site, site.url + "/trending", titles)
        for paper in hostile.papers:
            probe.check(site, f"{site.url}/papers/{paper.paper_id}", paper.visible)
        # Free words are alternatives: one search finds every hostile paper.
        markers = "+".join(paper.marker for paper in hostile.papers)
        probe.check(site, f"{site.url}/search?q={markers}", titles)
    finally:
        context.close()


def test_tex_cannot_make_links_or_data_attributes(hostile: HostileSite, browser: Browser) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{hostile.site.url}/papers/2603.00004")
        title = page.locator("h1")
        assert title.locator(".katex, .katex-error").count() >= 3  # KaTeX did run
        assert page.locator("h1 a, .abstract a").count() == 0
        assert page.locator("[data-foo]").count() == 0
        # The expansion bomb defines a macro: the server never hands it to KaTeX
        # (web/math_guard.py), so it shows as plain source.
        page.goto(f"{hostile.site.url}/papers/2603.00003")
        assert page.locator("h1 .katex, h1 .katex-error").count() == 0
        assert "\\def\\a{\\a}\\a" in page.locator("h1").inner_text()
    finally:
        context.close()


def test_the_apis_answer_json_not_html(hostile: HostileSite) -> None:
    """(The policy that forbids inline script, on every response, is tested in
    tests/web/middleware/test_security.py.)"""
    base = hostile.site.url
    for path in ("/api/daily_papers", "/api/papers/2603.00001", "/api/papers/xssexport-paper"):
        response = httpx.get(base + path)
        assert response.headers["content-type"].startswith("application/json"), path
    markdown = httpx.get(base + "/papers/2603.00001.md")
    if markdown.status_code == 200:
        assert not markdown.headers["content-type"].startswith("text/html")


def test_hostile_names_are_inert_on_author_pages_thumbnails_and_citation_meta(
    hostile: HostileSite, browser: Browser
) -> None:
    """The fields of issue 12: an author page for a name that is markup, a thumbnail whose
    alt is a hostile title, citation_* meta tags carrying hostile strings."""
    from paperwire.ingest.pdf import ThumbnailStore, render_first_page
    from paperwire.web.present import author_path

    site = hostile.site
    daily = next(paper for paper in hostile.papers if paper.marker == "xssdaily")
    context = browser.new_context()
    context.set_default_timeout(10_000)
    store = ThumbnailStore(site.settings.data_dir)
    try:
        probe = Probe(context.new_page())
        probe.check(site, site.url + author_path(IMG), (IMG,))
        page = probe.page
        page.goto(f"{site.url}/papers/{daily.paper_id}")
        title = page.locator('meta[name="citation_title"]').get_attribute("content")
        assert title == daily.visible[0]
        authors = page.locator('meta[name="citation_author"]').evaluate_all(
            "(metas) => metas.map((meta) => meta.content)"
        )
        assert IMG in authors
        assert page.locator("head svg, head img, head script:not([src])").count() == 0
        # A thumbnail: its alt is the title as text, and it is the only image on the page.
        store.save(
            daily.paper_id, render_first_page((FIXTURES / "pdf" / "one-page.pdf").read_bytes())
        )
        probe.dialogs.clear()
        page.goto(f"{site.url}/papers/date/{DAY.isoformat()}", wait_until="load")
        assert probe.dialogs == []
        images = page.evaluate(
            "() => [...document.images].map((image) => [image.getAttribute('src'), image.alt])"
        )
        assert images == [
            [f"/thumbnails/{daily.paper_id}.webp", f"First page of {daily.visible[0]}"]
        ]
        assert page.locator("svg[onload], [onerror]").count() == 0
    finally:
        store.path(daily.paper_id).unlink(missing_ok=True)
        context.close()
