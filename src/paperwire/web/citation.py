"""What the paper page tells reference managers and readers about citing the paper:
Highwire-style citation_* meta tags (Zotero's and Google Scholar's importers read them),
the BibTeX entry, where else the paper lives, and its version history.

The catalog keeps a paper's version count, first submission date (v1) and last update
date (the latest version), not every version's date: the history shows what is known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from paperwire.catalog.model import Paper
from paperwire.web.present import LinkView

ARXIV_ABS = "https://arxiv.org/abs/{id}"
ARXIV_PDF = "https://arxiv.org/pdf/{id}"
HF_PAPER = "https://huggingface.co/papers/{id}"


def _scholar_date(day: dt.date) -> str:
    return f"{day.year}/{day.month:02d}/{day.day:02d}"


def citation_meta(paper: Paper, page_url: str) -> list[tuple[str, str]]:
    """(name, content) pairs in the order Google Scholar's inclusion guidelines list them;
    one citation_author per author. Values are plain text (the template escapes them)."""
    meta = [("citation_title", paper.title)]
    meta += [("citation_author", name) for name in paper.authors]
    day = paper.submitted or paper.listed_on
    if day:
        meta.append(("citation_publication_date", _scholar_date(day)))
    if paper.updated:
        meta.append(("citation_online_date", _scholar_date(paper.updated)))
    arxiv_id = paper.arxiv_id
    if arxiv_id:
        meta += [
            ("citation_arxiv_id", arxiv_id),
            ("citation_technical_report_institution", "arXiv"),
            ("citation_pdf_url", ARXIV_PDF.format(id=arxiv_id)),
        ]
    if paper.doi:
        meta.append(("citation_doi", paper.doi))
    meta.append(("citation_abstract_html_url", page_url))
    return meta


def elsewhere(paper: Paper, known: list[LinkView]) -> list[LinkView]:
    """arXiv's abstract page and PDF and Hugging Face's discussion, for arXiv papers, where
    the paper's own links do not name them already."""
    arxiv_id = paper.arxiv_id
    if not arxiv_id:
        return []
    have = {link.kind for link in known}
    wanted = [
        LinkView("abs", "arXiv", ARXIV_ABS.format(id=arxiv_id)),
        LinkView("pdf", "PDF", ARXIV_PDF.format(id=arxiv_id)),
        LinkView("hf", "Hugging Face discussion", HF_PAPER.format(id=arxiv_id)),
    ]
    return [link for link in wanted if link.kind not in have]


@dataclass(frozen=True, slots=True)
class VersionEntry:
    label: str
    day: dt.date | None
    what: str


def version_history(paper: Paper) -> list[VersionEntry]:
    """v1 with its submission date and the latest version with its update date; versions in
    between by number only (their dates are not stored)."""
    if not paper.version:
        if paper.submitted:
            return [VersionEntry("Version unknown", paper.submitted, "submitted")]
        return []
    entries = [VersionEntry("v1", paper.submitted, "submitted")]
    for number in range(2, paper.version + 1):
        latest = number == paper.version
        entries.append(
            VersionEntry(
                f"v{number}", paper.updated if latest else None, "latest" if latest else ""
            )
        )
    return entries
