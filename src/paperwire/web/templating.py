"""The Jinja2 environment shared by pages and errors: autoescaped, with the presentation
helpers of present.py as filters, so templates only lay things out."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from paperwire import __version__
from paperwire.web import present

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))

_env = TEMPLATES.env
_env.trim_blocks = True
_env.lstrip_blocks = True
_env.filters.update(
    short_authors=present.short_authors,
    excerpt=present.excerpt,
    highlight=present.highlight,
    highlight_title=present.highlight_title,
    highlight_snippet=present.highlight_snippet,
    paper_url=present.paper_url,
    day=present.day_label,
    compact=present.compact_number,
    repo_label=present.repo_label,
    paper_links=present.paper_links,
)
_env.globals.update(
    version=__version__,
    with_query=present.with_query,
    # Header and error pages render without a handler's context: these are their defaults.
    feeds=(),
    math=False,
    q="",
)
