"""Values for tests: a stored Paper with every field set to a plain default."""

from __future__ import annotations

from paperwire.catalog.model import Authority, Paper


def make_paper(**fields: object) -> Paper:
    """A Paper as the catalog would return it; `fields` override the defaults."""
    values: dict[str, object] = {
        "id": "2403.01234",
        "title": "A title",
        "abstract": "An abstract.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": [],
        "version": None,
        "submitted": None,
        "updated": None,
        "doi": None,
        "journal_ref": None,
        "comments": None,
        "license": None,
        "links": [],
        "listed_on": None,
        "extras": {},
        "authority": Authority.ARXIV,
        "withdrawn": False,
    }
    values.update(fields)
    return Paper(**values)  # type: ignore[arg-type]
