"""Where things are on this site: paper paths, and absolute links for mails, feeds and APIs.

PAPERWIRE_BASE_URL, when set, is the public address (behind a proxy the request's own URL
is the internal one); without it a mail falls back to http://HOST:PORT and a web answer to
the address the request came to.
"""

from __future__ import annotations

from urllib.parse import quote

from paperwire.config import Settings


def paper_path(paper_id: str) -> str:
    """The paper page's path. Old-style arXiv ids keep their slash (/papers/hep-th/9901001)."""
    return "/papers/" + quote(paper_id, safe="/")


def category_path(category: str) -> str:
    """A category's list of papers (/papers/category/cs.CL)."""
    return "/papers/category/" + quote(category, safe="/")


def configured_base(settings: Settings) -> str:
    """The site's public address without a trailing slash, for links that leave the site
    without a request to go by (mails): PAPERWIRE_BASE_URL, else http://HOST:PORT."""
    return (settings.base_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def request_base(settings: Settings, request_base_url: str) -> str:
    """The site's address for an answer to a request: PAPERWIRE_BASE_URL when set, else
    the address the request came to."""
    return (settings.base_url or request_base_url).rstrip("/")


def absolute(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")


def public_url(settings: Settings, path: str) -> str:
    """An absolute link to `path` for a mail."""
    return absolute(configured_base(settings), path)


def paper_url(base: str, paper_id: str) -> str:
    """A paper page's absolute URL under `base`."""
    return base.rstrip("/") + paper_path(paper_id)
