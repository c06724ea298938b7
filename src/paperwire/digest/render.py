"""Rendering mails: Jinja templates (autoescaped HTML, CSS inlined by css-inline, a plain
text alternative) filled from an outbox row, with signed links built per subscriber.

Templates are compiled once per Renderer; papers are loaded in bulk and kept in a small
cache, since most digests of a run share most of their papers.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import css_inline
import jinja2
from markupsafe import Markup, escape

from paperwire.catalog.display import code_url, excerpt, short_authors
from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog
from paperwire.clock import Clock, SystemClock
from paperwire.community.engagement import engagement_for
from paperwire.config import Settings
from paperwire.digest import tokens
from paperwire.digest.model import Subscriber
from paperwire.digest.outbox import OutboxRow
from paperwire.digest.schedule import WEEKDAYS
from paperwire.mail import mime
from paperwire.mail.mime import OutgoingMessage
from paperwire.urls import configured_base, paper_url

TEMPLATES = Path(__file__).with_name("templates")
STYLESHEET = (TEMPLATES / "digest.css").read_text(encoding="utf-8")
# Stand-in for the digest's signed feedback URL in cached paper blocks, replaced once per
# mail (never in a sent one).
_FEEDBACK = "https://feedback.paperwire.invalid/"
EXCERPT_CHARS = 300
# Slots in a cached layout (letters and digits only, so escaping and inlining keep them).
_SLOT = re.compile(r"pwslot([a-z_0-9]+)x7q")
_LAYOUT_SLOTS = (
    "subject",
    "email",
    "base_url",
    "site_label",
    "period_label",
    "frequency_label",
    "preferences_url",
    "unsubscribe_url",
)
PAPER_CACHE = 4096


@dataclass(frozen=True, slots=True)
class Content:
    subject: str
    html: str
    text: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class PaperFacts:
    """What a digest shows of a paper, the same for every subscriber (cached per run)."""

    id: str
    title: str
    url: str
    authors: str
    excerpt: str
    upvotes: int
    code_url: str | None


@dataclass(frozen=True, slots=True)
class PaperBlock:
    """A paper as digests show it, rendered (and its HTML CSS-inlined) once per run; the
    👍/👎 links point at a stand-in for the subscriber's feedback URL."""

    facts: PaperFacts
    html: str
    text: str


@dataclass(frozen=True, slots=True)
class PartView:
    title: str
    blocks: list[Any]  # Markup for HTML, str for text


def _environment(autoescape: bool) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment


class Renderer:
    def __init__(
        self, catalog: Catalog, settings: Settings, key: bytes, clock: Clock | None = None
    ) -> None:
        self.catalog = catalog
        self.key = key
        self.clock = clock or catalog.clock or SystemClock()
        self.base_url = configured_base(settings)
        self.site_label = urlsplit(self.base_url).netloc or self.base_url
        self.domain = (urlsplit(self.base_url).hostname or "paperwire.invalid").lower()
        self.sender = mime.parse_from(settings.smtp_from)
        html = _environment(autoescape=True)
        text = _environment(autoescape=False)
        self._html = {kind: html.get_template(f"{kind}.html") for kind in ("digest", "confirm")}
        self._text = {kind: text.get_template(f"{kind}.txt") for kind in ("digest", "confirm")}
        self._inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
        self._paper_html = html.get_template("paper.html")
        self._paper_text = text.get_template("paper.txt")
        self._papers: OrderedDict[str, PaperBlock] = OrderedDict()
        self._layouts: dict[int, str] = {}  # inlined digest layouts by part count
        self._lock = threading.Lock()

    # -- links -----------------------------------------------------------------------

    def link(self, subscriber: Subscriber, purpose: tokens.Purpose, **extra: Any) -> str:
        claim = tokens.LinkClaim(purpose, subscriber.id, **extra)
        token = tokens.sign(self.key, claim, subscriber.link_key)
        # One-click unsubscribe sits at the top: the app's one CSRF-exempt prefix (RFC 8058).
        prefix = "" if purpose == "unsubscribe" else "/digest"
        return f"{self.base_url}{prefix}/{purpose}/{token}"

    def confirm_url(self, nonce: str) -> str:
        return f"{self.base_url}/digest/confirm/{tokens.confirmation_token(self.key, nonce)}"

    def message_id(self, row: OutboxRow) -> str:
        """Stable per outbox row: every attempt at the same mail carries the same id, so a
        receiver (or a person) can tell a repeat."""
        return f"<paperwire.{row.kind}.{row.id}.{row.subscriber.id}@{self.domain}>"

    # -- content ---------------------------------------------------------------------

    def digest(
        self, subscriber: Subscriber, payload: dict[str, Any], digest_id: int = 0
    ) -> Content:
        """The digest mail; `digest_id` (its outbox row) is what its feedback links name."""
        wanted = [paper_id for part in payload["parts"] for paper_id in part["papers"]]
        papers = self._load(wanted)
        titles: list[str] = []
        text_parts: list[PartView] = []
        blocks_html: list[str] = []
        first: PaperFacts | None = None
        for part in payload["parts"]:
            blocks = [papers[paper_id] for paper_id in part["papers"] if paper_id in papers]
            if not blocks:
                continue
            first = first or blocks[0].facts
            # The layout is inlined on its own; the (inlined) blocks go in afterwards.
            blocks_html.append("".join(block.html for block in blocks))
            titles.append(str(part["title"]))
            text_parts.append(PartView(str(part["title"]), [block.text for block in blocks]))
        count = sum(len(part.blocks) for part in text_parts)
        title = first.title if first else "no new papers"
        subject = title + (f" (+{count - 1} more)" if count > 1 else "") + " · paperwire"
        unsubscribe = self.link(subscriber, "unsubscribe")
        context = {
            "subject": subject,
            "css": Markup(STYLESHEET),
            "email": subscriber.email,
            "base_url": self.base_url,
            "site_label": self.site_label,
            "period_label": _period_label(payload["since"], payload["until"]),
            "frequency_label": _frequency_label(subscriber),
            "preferences_url": self.link(subscriber, "preferences"),
            "unsubscribe_url": unsubscribe,
        }
        # One pass over the cached layout: a value that looks like a slot stays as it is.
        slots = {name: str(escape(context[name])) for name in _LAYOUT_SLOTS}
        slots |= {f"part{index}": str(escape(title)) for index, title in enumerate(titles)}
        html = _SLOT.sub(lambda found: slots[found[1]], self._layout(len(titles)))
        for index, part_html in enumerate(blocks_html):
            html = html.replace(f"<!--pw-part-{index}-->", part_html, 1)
        feedback = self.link(subscriber, "feedback", digest_id=digest_id)
        html = html.replace(_FEEDBACK, str(escape(feedback)))
        text = self._text["digest"].render(context, parts=text_parts).replace(_FEEDBACK, feedback)
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"paperwire digest <digest.{self.domain}>",
        }
        return Content(subject, html, text, headers)

    def _layout(self, parts: int) -> str:
        """The digest's HTML around `parts` parts, CSS-inlined once per part count: every
        value that differs between mails is a slot, filled (escaped) per mail."""
        with self._lock:
            cached = self._layouts.get(parts)
        if cached is not None:
            return cached
        context = {name: _slot(name) for name in _LAYOUT_SLOTS} | {"css": Markup(STYLESHEET)}
        views = [
            PartView(_slot(f"part{index}"), [Markup(f"<!--pw-part-{index}-->")])
            for index in range(parts)
        ]
        layout = self._inliner.inline(self._html["digest"].render(context, parts=views))
        with self._lock:
            self._layouts[parts] = layout
        return layout

    def confirmation(self, subscriber: Subscriber, nonce: str) -> Content:
        subject = "Confirm your paperwire digest subscription"
        context = {
            "subject": subject,
            "email": subscriber.email,
            "site_label": self.site_label,
            "confirm_url": self.confirm_url(nonce),
        }
        html = self._inliner.inline(self._html["confirm"].render(context))
        return Content(subject, html, self._text["confirm"].render(context), {})

    def _block(self, facts: PaperFacts) -> PaperBlock:
        about = f"{_FEEDBACK}?paper={quote(facts.id, safe='')}&vote="
        links = {"paper": facts, "like_url": about + "1", "dislike_url": about + "-1"}
        html = css_inline.inline_fragment(self._paper_html.render(links), STYLESHEET)
        return PaperBlock(facts, html, self._paper_text.render(links))

    def _facts(self, paper: Paper, upvotes: int) -> PaperFacts:
        return PaperFacts(
            id=paper.id,
            title=mime.one_line(paper.title, 500),
            url=paper_url(self.base_url, paper.id),
            authors=short_authors(paper.authors),
            excerpt=excerpt(paper.abstract, EXCERPT_CHARS),
            upvotes=upvotes,
            code_url=code_url(paper),
        )

    def _load(self, ids: Sequence[str]) -> dict[str, PaperBlock]:
        with self._lock:
            found = {i: self._papers[i] for i in ids if i in self._papers}
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            papers = [p for p in self.catalog.get_many(missing) if not p.withdrawn]
            engagement = engagement_for(self.catalog, papers)
            loaded = {p.id: self._block(self._facts(p, engagement[p.id].upvotes)) for p in papers}
            found.update(loaded)
            with self._lock:
                self._papers.update(loaded)
                while len(self._papers) > PAPER_CACHE:
                    self._papers.popitem(last=False)
        return found

    # -- whole messages --------------------------------------------------------------

    def content(self, row: OutboxRow) -> Content:
        if row.kind == "confirm":
            return self.confirmation(row.subscriber, str(row.payload["nonce"]))
        return self.digest(row.subscriber, row.payload, row.id)

    def message(self, row: OutboxRow, eight_bit: bool = False) -> OutgoingMessage:
        """The mail for `row`; `eight_bit` when the server announced 8BITMIME."""
        content = self.content(row)
        message_id = self.message_id(row)
        data = mime.build(
            sender=self.sender,
            to=row.subscriber.email,
            subject=content.subject,
            text=content.text,
            html=content.html,
            message_id=message_id,
            date=self.clock.now(),
            headers=content.headers,
            eight_bit=eight_bit,
        )
        return OutgoingMessage(
            row.id, message_id, self.sender.addr_spec, row.subscriber.email, data, eight_bit
        )


def _slot(name: str) -> str:
    return f"pwslot{name}x7q"


def _period_label(since: str, until: str) -> str:
    start, end = dt.date.fromisoformat(since), dt.date.fromisoformat(until)
    if start == end:
        return f"on {end:%b} {end.day}, {end.year}"
    return f"{start:%b} {start.day} – {end:%b} {end.day}, {end.year}"


def _frequency_label(subscriber: Subscriber) -> str:
    preferences = subscriber.preferences
    if preferences.frequency == "weekly":
        return f"weekly ({WEEKDAYS[preferences.weekday]})"
    return "weekday"
