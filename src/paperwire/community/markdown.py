"""Comment markdown: a small subset rendered by markdown-it-py, then sanitised by nh3.

Allowed: paragraphs and line breaks, *emphasis*, **strong**, `code` and code blocks, links
(http and https only, rel="nofollow ugc noopener noreferrer"; bare URLs become links too,
through linkify-it-py), lists and block quotes. TeX ($x^2$) is left as text for KaTeX on
the page (math.js); web/math_guard.py decides whether it may render.
Not allowed: raw HTML (shown as text), images, headings, tables. Two layers refuse
anything else: markdown-it renders only the enabled rules and refuses other link schemes,
and nh3 keeps only the listed tags and attributes whatever the renderer produced.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote"}
_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
_SCHEMES = {"http", "https"}
LINK_REL = "nofollow ugc noopener noreferrer"


def _is_web_link(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://"))


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable("linkify")
    # Bare e-mail addresses stay text (mailto: is not a scheme comments may link).
    assert md.linkify is not None  # linkify-it-py is installed (markdown-it-py[linkify])
    md.linkify.set({"fuzzy_email": False})
    md.disable(["heading", "lheading", "hr", "html_block", "html_inline", "image"])
    md.validateLink = _is_web_link  # type: ignore[method-assign]
    return md


_MD = _renderer()


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if _is_web_link(value) else None
    if tag == "ol" and attribute == "start":
        return value if value.isdigit() and len(value) <= 6 else None
    return value  # what nh3 adds itself (rel) and nothing else reaches here


def render(source: str) -> str:
    """Safe HTML for a comment's markdown."""
    return nh3.clean(
        _MD.render(source),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        link_rel=LINK_REL,
        url_schemes=_SCHEMES,
        url_relative="deny",
        strip_comments=True,
    ).strip()
