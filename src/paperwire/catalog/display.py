"""How a paper reads in brief, wherever it is shown (pages, feeds, mails): a short author
list, an excerpt of the abstract, its code link."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from paperwire.catalog.links import safe_http_url
from paperwire.catalog.model import Paper

AUTHORS_SHOWN = 3
EXCERPT_CHARS = 320


def short_authors(authors: Sequence[str], shown: int = AUTHORS_SHOWN) -> str:
    """ "A, B, C et al. (+5)"; a list only one longer than `shown` is given whole."""
    if len(authors) <= shown + 1:
        return ", ".join(authors)
    return f"{', '.join(authors[:shown])} et al. (+{len(authors) - shown})"


@lru_cache(maxsize=4096)  # each card asks twice (its text, the page's math check)
def excerpt(text: str, max_chars: int = EXCERPT_CHARS) -> str:
    """The start of an abstract, cut at a word, never inside inline math ($...$)."""
    # Cards show only the start: flatten a generous head, not a whole (maybe huge) abstract,
    # unless whitespace runs in the head left it too short to decide.
    head = text[: 2 * max_chars + 64]
    flat = " ".join(head.split())
    if len(flat) <= max_chars and len(head) < len(text):
        flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    cut = flat[:max_chars]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    if cut.count("$") % 2:  # an unclosed $: KaTeX would show half a formula as text
        cut = cut[: cut.rfind("$")]
    return cut.rstrip(" ,;:.") + "…"


def code_url(paper: Paper) -> str | None:
    for url in paper.links_of("code"):
        safe = safe_http_url(url)
        if safe is not None:
            return safe
    return None
