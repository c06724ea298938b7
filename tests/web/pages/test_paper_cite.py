"""The paper page's citing parts over real HTTP: citation_* meta tags for Zotero and Google
Scholar, the BibTeX entry with its copy button, arXiv/PDF/HF links, the version history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest

from tests.support.factories import make_record
from tests.web.conftest import Site, site_over
from tests.web.pages.test_papers import Elements

TITLE = 'Quotes "and" <b>tags</b> & 50% of R&D'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    record = make_record(
        raw_id="2603.00042v3",
        title=TITLE,
        authors=["Ada Lovelace", 'Bob "Tables" O\'Brien'],
        version=3,
        submitted=dt.date(2026, 3, 2),
        updated=dt.date(2026, 3, 9),
        listed_on=dt.date(2026, 3, 10),
        doi="10.1234/abc",
    )
    unversioned = make_record(raw_id="2603.00043", title="No versions known", version=None)
    data_dir: Path = tmp_path_factory.mktemp("cite") / "data"
    with site_over(data_dir, [record, unversioned], demo=False) as served:
        yield served


def _page(site: Site, paper_id: str) -> tuple[str, Elements]:
    response = httpx.get(f"{site.url}/papers/{paper_id}")
    assert response.status_code == 200
    parsed = Elements()
    parsed.feed(response.text)
    return response.text, parsed


def test_citation_meta_tags_name_the_paper(site: Site) -> None:
    _, page = _page(site, "2603.00042")
    meta = [(attrs["name"], attrs["content"]) for attrs in page.find("meta") if "name" in attrs]
    citation = [(name, content) for name, content in meta if name.startswith("citation_")]
    assert ("citation_title", TITLE) in citation
    authors = [content for name, content in citation if name == "citation_author"]
    assert authors == ["Ada Lovelace", 'Bob "Tables" O\'Brien']
    assert ("citation_publication_date", "2026/03/02") in citation
    assert ("citation_arxiv_id", "2603.00042") in citation
    assert ("citation_pdf_url", "https://arxiv.org/pdf/2603.00042") in citation
    assert ("citation_doi", "10.1234/abc") in citation
    assert ("citation_abstract_html_url", f"{site.url}/papers/2603.00042") in citation


def test_cite_box_holds_the_bibtex_and_a_copy_button(site: Site) -> None:
    html, page = _page(site, "2603.00042")
    start = html.index('<pre id="bibtex"')
    bibtex = unescape(html[html.index(">", start) + 1 : html.index("</pre>", start)])
    assert bibtex.startswith("@misc{")
    assert "eprint = {2603.00042}" in bibtex
    assert r"50\% of R\&D" in bibtex
    assert page.find("button", **{"data-copy-target": "bibtex"})
    assert page.find("script", src=f"/static/cite.js?v={_version()}")


def test_links_to_arxiv_pdf_and_hugging_face(site: Site) -> None:
    _, page = _page(site, "2603.00042")
    hrefs = {attrs.get("href") for attrs in page.find("a")}
    assert "https://arxiv.org/abs/2603.00042" in hrefs
    assert "https://arxiv.org/pdf/2603.00042" in hrefs
    assert "https://huggingface.co/papers/2603.00042" in hrefs


def test_version_history_shows_what_the_catalog_knows(site: Site) -> None:
    html, _ = _page(site, "2603.00042")
    versions = html[html.index('id="versions-heading"') : html.index('id="cite-heading"')]
    assert "<strong>v1</strong> submitted" in versions and "Mar 2, 2026" in versions
    assert "<strong>v2</strong>" in versions
    assert "<strong>v3</strong> latest" in versions and "Mar 9, 2026" in versions
    unversioned, _ = _page(site, "2603.00043")
    assert "(version unknown)" in unversioned
    assert "(vNone)" not in unversioned and "v?" not in unversioned


def _version() -> str:
    from paperwire import __version__

    return __version__
