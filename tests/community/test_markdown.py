"""Comment markdown: the small subset renders, everything else is neutralised."""

from __future__ import annotations

import re

import pytest

from paperwire.community.markdown import render

REL = 'rel="nofollow ugc noopener noreferrer"'


def test_the_allowed_subset() -> None:
    html = render("*em* **strong** `code`\n\n- one\n- two\n\n3. three\n\n> quoted\n\n    block")
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<pre><code>block\n</code></pre>" in html


def test_links_are_http_only_and_marked_user_generated() -> None:
    html = render("[paper](https://arxiv.org/abs/2403.01234) and <http://example.org/x>")
    assert f'<a href="https://arxiv.org/abs/2403.01234" {REL}>paper</a>' in html
    assert f'<a href="http://example.org/x" {REL}>http://example.org/x</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "[x](/relative/path)",
        "[x](//evil.example/path)",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_other_links_are_not_links(source: str) -> None:
    assert "<a" not in render(source)


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="https://x.org" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "![tracker](https://evil.example/pixel.png)",
        "<div style='position:fixed'>x</div>",
        "# heading",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        '[x](https://x.org "title" onmouseover=alert(1))',
    ],
)
def test_raw_html_images_and_headings_are_not_rendered(source: str) -> None:
    html = render(source)
    tags = re.findall(r"<(/?[a-zA-Z][^>]*)>", html)
    names = {tag.lstrip("/").split()[0] for tag in tags}
    assert names <= {"p", "a", "br"}, html
    for tag in tags:  # a link keeps nothing but its href and rel
        assert re.fullmatch(r'/?\w+( href="https://[^"]*" rel="[a-z ]+")?', tag), tag


def test_text_is_escaped() -> None:
    assert render("1 < 2 & 3 > 2") == "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"


def test_bare_urls_in_comments_become_links() -> None:
    html = render("code at https://github.com/a/b, see www.example.org/x.")
    assert f'<a href="https://github.com/a/b" {REL}>https://github.com/a/b</a>,' in html
    assert f'<a href="http://www.example.org/x" {REL}>www.example.org/x</a>.' in html


@pytest.mark.parametrize(
    "source",
    [
        "javascript:alert(1)",
        "JaVaScRiPt://alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "mail ada@example.org",
        "file:///etc/passwd",
    ],
)
def test_bare_hostile_urls_stay_text(source: str) -> None:
    assert "<a" not in render(source)


def test_quotes_and_script_in_a_bare_url_cannot_break_out() -> None:
    html = render('https://e.org/"onmouseover="alert(1) https://e.org/<script>alert(1)</script>')
    assert "onmouseover=" not in html.split(">", 2)[0]  # not an attribute of the link
    assert "<script" not in html and "&lt;script&gt;" in html
    assert html.count("<a ") == 2 and 'href="https://e.org/"' in html


def test_tex_is_left_for_katex() -> None:
    assert render(r"we get $\alpha^2$ here") == r"<p>we get $\alpha^2$ here</p>"
