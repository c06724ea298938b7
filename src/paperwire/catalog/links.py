"""Links of a paper: arXiv abs/pdf, DOIs, and code or project pages mentioned in its text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from paperwire.catalog.ids import is_arxiv_id
from paperwire.catalog.model import Link

_URL = re.compile(r"https?://[^\s<>\"'{}|\\^`\[\]]+", re.IGNORECASE)
_TRAILING = ".,;:!?)'\"*"
_CODE_HOSTS = re.compile(
    r"^https?://(?:www\.)?(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)"
    r"/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)",
    re.IGNORECASE,
)
_PROJECT_HINT = re.compile(r"project\s*(?:page|website|site)|homepage|webpage", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/[^\s,;<>\"']+")
URL_MAX_CHARS = 2_000


def arxiv_links(paper_id: str) -> list[Link]:
    if not is_arxiv_id(paper_id):
        return []
    return [
        Link("abs", f"https://arxiv.org/abs/{paper_id}"),
        Link("pdf", f"https://arxiv.org/pdf/{paper_id}"),
    ]


def split_dois(raw: str | None) -> list[str]:
    """arXiv's doi field may hold several DOIs separated by commas, semicolons or spaces."""
    if not raw:
        return []
    # DOIs are ASCII in practice; anything else is noise (or a trick) and is dropped.
    return [doi.rstrip(".") for doi in _DOI.findall(raw) if doi.isascii() and doi.isprintable()]


def doi_links(dois: Iterable[str]) -> list[Link]:
    return [Link("doi", f"https://doi.org/{doi}") for doi in dois]


def normalise_code_url(url: str) -> str | None:
    """The canonical https://host/owner/repo form of a repository URL, else None."""
    match = _CODE_HOSTS.match(url)
    if not match:
        return None
    host, owner, repo = match.groups()
    repo = repo.removesuffix(".git")
    if not repo or repo in {".", ".."} or owner in {".", ".."}:
        return None
    return f"https://{host.lower()}/{owner}/{repo}"


def extract_links(*texts: str | None) -> list[Link]:
    """Code repositories and project pages mentioned in an abstract or comments."""
    found: list[Link] = []
    for text in texts:
        if not text or "http" not in text.lower():
            continue
        for match in _URL.finditer(text):
            url = match.group(0).rstrip(_TRAILING)
            if len(url) > URL_MAX_CHARS:
                continue
            code = normalise_code_url(url)
            if code:
                found.append(Link("code", code))
                continue
            before = text[max(0, match.start() - 40) : match.start()]
            if ".github.io" in url.lower() or _PROJECT_HINT.search(before):
                found.append(Link("project", url))
    return dedupe_links(found)


def dedupe_links(links: Iterable[Link]) -> list[Link]:
    seen: set[tuple[str, str]] = set()
    unique: list[Link] = []
    for link in links:
        key = (link.kind, link.url.rstrip("/").lower())
        if key not in seen:
            seen.add(key)
            unique.append(link)
    return unique


def safe_http_url(url: str | None) -> str | None:
    """Keep a URL a source gave us only when it is plain http(s) without whitespace."""
    if not url:
        return None
    url = url.strip()
    if len(url) > URL_MAX_CHARS or not url.isprintable():  # controls, bidi, zero-width
        return None
    if not re.match(r"^https?://[^\s<>\"']+$", url, re.IGNORECASE):
        return None
    return url
