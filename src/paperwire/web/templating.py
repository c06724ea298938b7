"""The Jinja2 environment shared by pages and errors: autoescaped, with the presentation
helpers of present.py as filters, so templates only lay things out."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from paperwire import __version__
from paperwire.catalog.display import excerpt, short_authors
from paperwire.urls import category_path, paper_path
from paperwire.web import math_guard, present
from paperwire.web.auth import Viewer, viewer
from paperwire.web.middleware.csrf import csrf_token_for

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))

_env = TEMPLATES.env
_env.trim_blocks = True
_env.lstrip_blocks = True
# Templates ship inside the package and change only with it: no stat() per template per render.
_env.auto_reload = False
_env.filters.update(
    short_authors=short_authors,
    excerpt=excerpt,
    highlight=present.highlight,
    highlight_title=present.highlight_title,
    highlight_snippet=present.highlight_snippet,
    paper_url=paper_path,
    day=present.day_label,
    compact=present.compact_number,
    repo_label=present.repo_label,
    paper_links=present.paper_links,
    tex_class=math_guard.tex_class,
    linkify=present.linkify,
    author_url=present.author_path,
    author_links=present.author_links,
    category_url=category_path,
)


def _viewer_of(request: Request) -> Viewer:
    """Who the page is for (the header's account links); resolved once per request and
    without a database read for visitors who carry no cookie."""
    return viewer(request, request.app.state.web)


def _form_token(request: Request) -> str:
    """A CSRF token for a form of a signed-in visitor's page (the header's log-out button)."""
    return csrf_token_for(request, None, request.app.state.web)


def _login_href(request: Request) -> str:
    """The header's "Log in" link: back to this page afterwards (the URL alone decides it,
    so cached anonymous pages stay the same for everybody)."""
    path = request.url.path
    if path in ("/login", "/signup", "/logout") or path.startswith("/account/"):
        return "/login"
    target = path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urlencode({"next": target})


_env.globals.update(
    viewer_of=_viewer_of,
    form_token=_form_token,
    login_href=_login_href,
    version=__version__,
    with_query=present.with_query,
    # Header and error pages render without a handler's context: these are their defaults.
    feeds=(),
    head_meta=(),
    math=False,
    q="",
)
