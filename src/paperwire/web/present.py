"""How papers look on the pages: short author lists, excerpts, safe links, highlights, pagers.

Templates only lay things out; every decision about what text or which URL to show is made
here, in plain functions the tests call directly. Little here builds HTML from data:
`highlight` and `linkify`, and a card's author and category links; each escapes every piece
it puts in.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from markupsafe import Markup, escape

from paperwire.accounts.model import User
from paperwire.catalog.display import AUTHORS_SHOWN, code_url, excerpt
from paperwire.catalog.links import safe_http_url
from paperwire.catalog.model import Paper
from paperwire.community.comments import EDIT_WINDOW, MAX_DEPTH, Comment
from paperwire.community.engagement import Engagement
from paperwire.community.trending import Breakdown
from paperwire.urls import category_path, paper_path
from paperwire.web import math_guard

# Opening delimiters KaTeX's auto-render looks for (math.js); pages without any skip KaTeX.
_TEX = re.compile(r"\$|\\\(|\\\[")
_LINK_LABELS = {
    "abs": "arXiv",
    "pdf": "PDF",
    "code": "Code",
    "project": "Project page",
    "doi": "DOI",
}


# A bare http(s) URL in prose: it ends at space, quotes, angle brackets or TeX's braces.
_BARE_URL = re.compile(r"https?://[^\s<>\"'`{}\\]+", re.IGNORECASE)
_URL_TRAILER = ".,;:!?)]'"
LINK_REL = "nofollow ugc noopener"


def linkify(text: str) -> Markup:
    """`text` escaped, with its bare http(s) URLs as links (rel=nofollow ugc noopener).

    Only URLs that safe_http_url accepts become links; one inside a formula (or a TeX
    argument such as \\url{...}) stays text, so KaTeX still sees the whole formula.
    """
    formulas = math_guard.formula_spans(text) if _TEX.search(text) else []
    parts: list[str] = []
    at = 0
    for match in _BARE_URL.finditer(text):
        start, end = match.span()
        url = match.group().rstrip(_URL_TRAILER)
        if url.count("(") > url.count(")") and match.group()[len(url) : len(url) + 1] == ")":
            url += ")"  # a Wikipedia-style URL keeps its closing parenthesis
        end = start + len(url)
        inside_math = any(left <= start < right for left, right in formulas)
        safe = safe_http_url(url)
        if inside_math or (start and text[start - 1] == "{") or safe is None or safe != url:
            continue
        parts.append(str(escape(text[at:start])))
        href = escape(url)
        parts.append(f'<a href="{href}" rel="{LINK_REL}">{href}</a>')
        at = end
    parts.append(str(escape(text[at:])))
    return Markup("".join(parts))


def comment_texts(thread: Iterable[Comment]) -> Iterator[str]:
    """The (sanitised) HTML of every comment in a thread, replies included: the paper page
    loads KaTeX when any of them holds TeX."""
    for comment in thread:
        if comment.html:
            yield comment.html
        yield from comment_texts(comment.replies)


def has_tex(texts: Iterable[str]) -> bool:
    """Whether any text may hold TeX that KaTeX should render (text too deep or too long
    for KaTeX shows as source, math_guard)."""
    return any(_TEX.search(text) and math_guard.renders_safely(text) for text in texts)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(day: dt.date | None) -> str:
    """ "Dec 4, 2026". Month names spelled out here: strftime's %b is the locale's, and
    slow enough to show on a page of fifty cards."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}" if day else ""


def compact_number(value: int) -> str:
    """1234 -> "1.2k", like the star counts on repository hosts."""
    if value < 1000:
        return str(value)
    if value < 1_000_000:
        return f"{value / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return f"{value / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"


@dataclass(frozen=True, slots=True)
class LinkView:
    kind: str
    label: str
    url: str


def paper_links(paper: Paper) -> list[LinkView]:
    """The paper's links worth showing, in reading order; only plain http(s) URLs survive
    (ingest already refuses others; this keeps a bad row from ever becoming an href)."""
    views: list[LinkView] = []
    for kind, label in _LINK_LABELS.items():
        for url in paper.links_of(kind):
            safe = safe_http_url(url)
            if safe is not None:
                views.append(LinkView(kind, label, safe))
    return views


def repo_label(url: str) -> str:
    """ "owner/repo" for a repository URL, else its host."""
    parts = urlsplit(url)
    path = [part for part in parts.path.split("/") if part]
    return "/".join(path[:2]) if len(path) >= 2 else parts.netloc


def highlight(runs: Iterable[Mapping[str, str]]) -> Markup:
    """HF's highlight runs ({"type": "text"|"highlight", "text": ...}) as escaped HTML with
    the matches in <mark>."""
    # Plain strings joined once: a search page has hundreds of runs, and Markup's % and
    # join escape and wrap each piece again.
    parts: list[str] = []
    for run in runs:
        text = escape(str(run.get("text", "")))
        parts.append(f"<mark>{text}</mark>" if run.get("type") == "highlight" else text)
    return Markup("".join(parts))


def highlight_title(runs: Sequence[Mapping[str, str]], title: str) -> Markup:
    """A whole title with its matches marked. Snippets end at a word, so a closing bracket
    or `$` after the last word would go missing (and break the TeX): the title's own start
    and end are put back around the runs."""
    joined = "".join(str(run.get("text", "")) for run in runs)
    at = title.find(joined) if joined else -1
    if at < 0:
        return escape(title)
    return escape(title[:at]) + highlight(runs) + escape(title[at + len(joined) :])


def highlight_snippet(runs: Sequence[Mapping[str, str]], text: str) -> Markup:
    """An abstract snippet with its matches marked, with "…" where the abstract goes on."""
    joined = "".join(str(run.get("text", "")) for run in runs)
    if not joined:
        return escape(excerpt(text))
    at = text.find(joined)
    before = "… " if at > 0 else ""
    after = " …" if at >= 0 and at + len(joined) < len(text) else ""
    return escape(before) + highlight(runs) + escape(after)


def with_query(path: str, params: Mapping[str, object | None]) -> str:
    """`path` with the non-empty `params` as its query string."""
    kept = {name: str(value) for name, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


def author_path(name: str) -> str:
    """An author page's path; every character of the name quoted (a slash too), so any
    name, however odd, comes back whole as the route's {name}."""
    return "/authors/" + quote(name, safe="")


_AUTHOR_LINK = Markup('<a href="%s">%s</a>')


def author_links(names: Iterable[str]) -> Markup:
    """The names, comma-separated, each a link to its author page (every name escaped)."""
    return Markup(", ").join(_AUTHOR_LINK % (author_path(name), name) for name in names)


_CATEGORY_TAG = Markup('<a class="tag" href="%s">%s</a>')


def thumbnail_path(paper_id: str) -> str:
    return "/thumbnails/" + quote(paper_id, safe="/") + ".webp"


@dataclass(frozen=True, slots=True)
class Card:
    """One paper in a list, with what the community made of it: `upvoted` is the signed-in
    viewer's own vote, `trending` the score's breakdown on trending lists, `thumbnail` the
    URL of its first page's picture when the worker has made one."""

    paper: Paper
    engagement: Engagement
    code_url: str | None
    upvoted: bool = False
    trending: Breakdown | None = None
    thumbnail: str | None = None

    @property
    def shown_authors(self) -> list[str]:
        """The first few authors (all of them when only one more would be left out)."""
        authors = self.paper.authors
        return list(authors if len(authors) <= AUTHORS_SHOWN + 1 else authors[:AUTHORS_SHOWN])

    @property
    def more_authors(self) -> int:
        return len(self.paper.authors) - len(self.shown_authors)

    # What the card template shows, worked out here once per card: fifty cards make a
    # page, and a filter or macro call per piece in Jinja costs several times as much.
    @property
    def url(self) -> str:
        return paper_path(self.paper.id)

    @property
    def title_class(self) -> str:
        return math_guard.tex_class(self.paper.title)

    @property
    def abstract_class(self) -> str:
        return math_guard.tex_class(self.paper.abstract)

    @property
    def excerpt(self) -> str:
        return excerpt(self.paper.abstract)

    @property
    def listed_iso(self) -> str:
        return self.paper.listed_on.isoformat() if self.paper.listed_on else ""

    @property
    def listed_label(self) -> str:
        return day_label(self.paper.listed_on)

    @property
    def author_links(self) -> Markup:
        return author_links(self.shown_authors)

    @property
    def category_tags(self) -> Markup:
        """The first three categories as links to their lists (escaped, URL-quoted)."""
        return Markup("").join(
            _CATEGORY_TAG % (category_path(category), category)
            for category in self.paper.categories[:3]
        )

    @property
    def trending_reason(self) -> str:
        return trending_reason(self.trending) if self.trending else ""

    @property
    def trending_score(self) -> str:
        return f"{self.trending.score:.3g}" if self.trending else ""


def cards(
    papers: Sequence[Paper],
    engagement: Mapping[str, Engagement],
    upvoted: Iterable[str] = (),
    trending: Mapping[str, Breakdown] | None = None,
    thumbnails: Container[str] = (),
) -> list[Card]:
    """`thumbnails`: the ids of the papers that have a thumbnail."""
    mine = frozenset(upvoted)
    scores = trending or {}
    return [
        Card(
            paper,
            engagement.get(paper.id, Engagement()),
            code_url(paper),
            paper.id in mine,
            scores.get(paper.id),
            thumbnail_path(paper.id) if paper.id in thumbnails else None,
        )
        for paper in papers
    ]


# -- the community's part of a page ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectionChoice:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Member:
    """A signed-in viewer, as a page's forms need them. Pages for anonymous visitors get
    None instead and carry no per-person state and no CSRF token (they are cached)."""

    user: User
    csrf: str
    collections: tuple[CollectionChoice, ...] = ()

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def verified(self) -> bool:
        return self.user.email_verified

    @property
    def moderator(self) -> bool:
        return self.user.is_moderator


def login_url(here: str) -> str:
    return with_query("/login", {"next": here})


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def age_text(hours: float) -> str:
    """ "45 min old", "20 h old", "3 days old"."""
    if hours < 1:
        return f"{int(hours * 60)} min old"
    if hours < 48:
        return f"{int(hours)} h old"
    return f"{int(hours // 24)} days old"


def trending_reason(breakdown: Breakdown) -> str:
    """What a trending score is made of: "12 upvotes, 3 comments, 20 h old"."""
    parts = [plural(breakdown.upvotes, "upvote"), plural(breakdown.comments, "comment")]
    if breakdown.stars_gained:
        parts.append(f"+{breakdown.stars_gained} GitHub stars")
    if breakdown.submitted_here:
        parts.append("submitted here")
    parts.append(age_text(breakdown.age_hours))
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment with what this viewer may do with it."""

    comment: Comment
    replies: list[CommentView]
    can_reply: bool
    can_change: bool
    can_moderate: bool
    ago: str = ""  # "3 hours ago", from the injected clock (the exact time is a tooltip)


_AGO_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400),
              ("day", 86400), ("hour", 3600), ("minute", 60))  # fmt: skip


def relative_time(then: dt.datetime, now: dt.datetime) -> str:
    """How long ago `then` was, in the largest whole unit ("just now" under a minute)."""
    seconds = int((now - then).total_seconds())
    for unit, size in _AGO_UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def comment_views(
    thread: Sequence[Comment], member: Member | None, now: dt.datetime
) -> list[CommentView]:
    """The thread as the viewer sees it: replies only under visible comments short of the
    depth limit, edits and deletes of their own comments within the edit window."""
    return [
        CommentView(
            comment,
            comment_views(comment.replies, member, now),
            can_reply=member is not None
            and member.verified
            and comment.state == "visible"
            and comment.depth < MAX_DEPTH - 1,
            can_change=member is not None
            and comment.state == "visible"
            and comment.author == member.username
            and now - comment.created_at <= EDIT_WINDOW,
            can_moderate=member is not None and member.moderator and comment.state != "deleted",
            ago=relative_time(comment.created_at, now),
        )
        for comment in thread
    ]


@dataclass(frozen=True, slots=True)
class Pager:
    """Page `page` of a list: where the previous and next pages are, and what this one holds.

    `total` is None when the size is unknown (search results), then `has_more` says whether
    another page exists.
    """

    path: str
    params: Mapping[str, object | None]
    page: int
    per_page: int
    total: int | None = None
    has_more: bool = False

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1

    @property
    def prev_url(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        pages = self.pages
        more = self.has_more if pages is None else self.page < pages
        return self.url(self.page + 1) if more else None

    def url(self, page: int) -> str:
        return with_query(self.path, {**self.params, "page": page if page > 1 else None})


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed the page offers: linked in <head> for feed readers and shown in the footer."""

    title: str
    atom: str
    rss: str


def feed(title: str, path: str, params: Mapping[str, object | None] | None = None) -> Feed:
    """Atom and RSS URLs of the feed at `path` (without extension)."""
    query = with_query("", params or {})
    return Feed(title, f"{path}.atom{query}", f"{path}.rss{query}")
