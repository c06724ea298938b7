"""BibTeX entries: arXiv fields, escaping, unique keys."""

from __future__ import annotations

import datetime as dt

from paperwire.catalog.model import Authority, Link, Paper
from paperwire.community.bibtex import bibliography, entry, escape


def _paper(paper_id: str = "1706.03762", **changes: object) -> Paper:
    paper = Paper(
        id=paper_id,
        title="Attention Is All You Need",
        abstract="",
        authors=["Ashish Vaswani", "Noam Shazeer"],
        categories=["cs.CL", "cs.LG"],
        version=7,
        submitted=dt.date(2017, 6, 12),
        updated=None,
        doi=None,
        journal_ref=None,
        comments=None,
        license=None,
        links=[],
        listed_on=None,
        extras={},
        authority=Authority.ARXIV,
        withdrawn=False,
    )
    for name, value in changes.items():
        setattr(paper, name, value)
    return paper


def test_arxiv_paper_is_misc_with_eprint_fields() -> None:
    assert entry(_paper()) == (
        "@misc{vaswani2017attention,\n"
        "  title = {{Attention Is All You Need}},\n"
        "  author = {Ashish Vaswani and Noam Shazeer},\n"
        "  year = {2017},\n"
        "  eprint = {1706.03762},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.CL},\n"
        "  url = {https://arxiv.org/abs/1706.03762}\n"
        "}\n"
    )


def test_special_characters_are_escaped() -> None:
    assert escape(r"50% of R&D_{x} costs $5 #1 ^ ~ \end") == (
        r"50\% of R\&D\_\{x\} costs \$5 \#1 \^{} \~{} \textbackslash{}end"
    )
    text = entry(_paper(title="Unbalanced } brace { and\nnewline", authors=["A. B"]))
    assert "title = {{Unbalanced \\} brace \\{ and newline}}" in text
    assert text.count("{") - text.count("\\{") == text.count("}") - text.count("\\}")


def test_collaborations_and_doi_and_journal() -> None:
    paper = _paper(
        "hep-ex/0307015",
        authors=["H1 and ZEUS Collaborations", "Jane Doe"],
        doi="10.1140/epjc/s2003-01326-x",
        journal_ref="Eur.Phys.J. C31 (2003) 17-29",
        categories=["hep-ex"],
        submitted=dt.date(2003, 7, 7),
        title="Multi-Electron Production",
    )
    text = entry(paper)
    assert "author = {{H1 and ZEUS Collaborations} and Jane Doe}" in text
    assert "eprint = {hep-ex/0307015}" in text and "primaryClass = {hep-ex}" in text
    assert "doi = {10.1140/epjc/s2003-01326-x}" in text
    assert "note = {Eur.Phys.J. C31 (2003) 17-29}" in text
    assert text.startswith("@misc{collaborations2003multielectron,")


def test_papers_without_arxiv_id_get_a_url_and_no_eprint() -> None:
    paper = _paper(
        "a-slug-paper",
        links=[Link("project", "https://example.org/p?q={x}")],
        authors=[],
        submitted=None,
        title="The Slug",
    )
    text = entry(paper)
    assert "eprint" not in text and "archivePrefix" not in text
    assert "url = {https://example.org/p?q=x}" in text
    assert text.startswith("@misc{slug,")


def test_keys_are_unique_within_a_file() -> None:
    text = bibliography([_paper(), _paper("1706.03763"), _paper("1706.03764")])
    keys = [line.split("{", 1)[1].rstrip(",") for line in text.splitlines() if line.startswith("@")]
    assert keys == ["vaswani2017attention", "vaswani2017attentiona", "vaswani2017attentionb"]
