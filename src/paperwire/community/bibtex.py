"""BibTeX for papers: arXiv papers as @misc with eprint, archivePrefix and primaryClass (the
form arXiv's own "Export BibTeX" gives), others as @misc with a url.

Text fields are escaped for (La)TeX: the ten special characters become commands, so a
title with "50% of R&D_{x}" or unbalanced braces cannot break the file. TeX math in titles
is therefore shown literally rather than typeset. url and doi fields are verbatim in
BibTeX styles: only characters that would end the field (braces) or escape it (backslash)
are dropped from them. Keys are first-author surname + year + first title word, made
unique within one file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from paperwire.catalog.model import Paper

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_SPECIAL_PATTERN = re.compile("|".join(re.escape(char) for char in _SPECIAL))
_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards"}


def escape(text: str) -> str:
    """Text safe inside a braced BibTeX field; control characters become spaces."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    return _SPECIAL_PATTERN.sub(lambda match: _SPECIAL[match.group(0)], " ".join(clean.split()))


def _verbatim(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable() and ch not in "{}\\ ")


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _surname(author: str) -> str:
    if "," in author:
        return author.split(",", 1)[0]
    parts = author.split()
    return parts[-1] if parts else ""


def base_key(paper: Paper) -> str:
    surname = _ascii_word(_surname(paper.authors[0])) if paper.authors else ""
    year = str(paper.submitted.year) if paper.submitted else ""
    words = [_ascii_word(word) for word in paper.title.split()]
    first = next((word for word in words if word and word not in _STOP_WORDS), "")
    return (surname + year + first) or _ascii_word(paper.id) or "paper"


def _author(name: str) -> str:
    escaped = escape(name)
    # A name with " and " in it (a collaboration) would split into two authors.
    return f"{{{escaped}}}" if " and " in f" {name.lower()} " else escaped


def entry(paper: Paper, key: str | None = None) -> str:
    fields: list[tuple[str, str]] = [("title", "{" + escape(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(_author(name) for name in paper.authors)))
    if paper.submitted:
        fields.append(("year", str(paper.submitted.year)))
    arxiv_id = paper.arxiv_id
    if arxiv_id:
        fields += [("eprint", arxiv_id), ("archivePrefix", "arXiv")]
        if paper.categories:
            fields.append(("primaryClass", escape(paper.categories[0])))
        url = f"https://arxiv.org/abs/{arxiv_id}"
    else:
        links = paper.links_of("abs") or paper.links_of("pdf") or paper.links_of("project")
        url = links[0] if links else ""
    if paper.doi:
        fields.append(("doi", _verbatim(paper.doi)))
    if paper.journal_ref:
        fields.append(("note", escape(paper.journal_ref)))
    if url:
        fields.append(("url", _verbatim(url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key or base_key(paper)},\n{body}\n}}\n"


def bibliography(papers: Sequence[Paper]) -> str:
    """Entries for all papers, with keys made unique by a, b, c... suffixes."""
    used: dict[str, int] = {}
    entries: list[str] = []
    for paper in papers:
        key = base_key(paper)
        count = used.get(key, 0)
        used[key] = count + 1
        if count:
            key = f"{key}{_suffix(count)}"
        entries.append(entry(paper, key))
    return "\n".join(entries)


def _suffix(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
