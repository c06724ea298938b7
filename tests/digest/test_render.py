"""Rendering digests: the layout is CSS-inlined once per part count, values go in per mail."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markupsafe import Markup

from paperwire.catalog.store import Catalog
from paperwire.digest.render import _FEEDBACK, STYLESHEET, PartView, Renderer
from paperwire.digest.subscriptions import Subscriptions
from tests.support.factories import make_record, settings_for, subscriptions

HOSTILE = '<b>Tom & Jerry\'s "cats"</b> pwslotemailx7q </h2><script>x</script>'


class _Events(HTMLParser):
    """An HTML document as (tag, attributes) and text events, entities decoded: two
    spellings of the same document give the same events."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Any] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append((tag, sorted(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("/", tag))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.events.append(" ".join(data.split()))


def events(html: str) -> list[Any]:
    parser = _Events()
    parser.feed(html)
    return parser.events


def inlined_whole(renderer: Renderer, subscriber: Any, payload: dict[str, Any]) -> str:
    """The digest's HTML as it was made before the layout cache: the layout inlined per
    mail, then the (inlined once) paper blocks put in."""
    content = renderer.digest(subscriber, payload, 7)
    papers = renderer._load([i for part in payload["parts"] for i in part["papers"]])
    parts = [
        PartView(part["title"], [Markup(f"<!--pw-part-{index}-->")])
        for index, part in enumerate(payload["parts"])
    ]
    context = {
        "subject": content.subject,
        "css": Markup(STYLESHEET),
        "email": subscriber.email,
        "base_url": renderer.base_url,
        "site_label": renderer.site_label,
        "period_label": "on Mar 16, 2026",
        "frequency_label": "weekday",
        "preferences_url": renderer.link(subscriber, "preferences"),
        "unsubscribe_url": renderer.link(subscriber, "unsubscribe"),
    }
    html = renderer._inliner.inline(renderer._html["digest"].render(context, parts=parts))
    for index, part in enumerate(payload["parts"]):
        blocks = "".join(papers[paper_id].html for paper_id in part["papers"])
        html = html.replace(f"<!--pw-part-{index}-->", blocks, 1)
    return html.replace(_FEEDBACK, renderer.link(subscriber, "feedback", digest_id=7))


def test_cached_layouts_give_the_mail_inlining_it_whole_gave(
    sqlite_catalog: Catalog, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    subs: Subscriptions = subscriptions(sqlite_catalog, settings)
    sqlite_catalog.upsert(
        [
            make_record(raw_id="2403.01111", title="A first & <odd> title"),
            make_record(raw_id="2403.02222", title="A second title", source_record_id="2"),
        ]
    )
    renderer = Renderer(sqlite_catalog, settings, b"k" * 32)
    payload = {
        "since": "2026-03-16",
        "until": "2026-03-16",
        "parts": [
            {"title": HOSTILE, "papers": ["2403.01111"]},
            {"title": "Trending", "papers": ["2403.02222"]},
        ],
    }
    for email in ("first@example.org", "o'neil&co@example.org"):  # the second uses the cache
        subscriber = subs.add(email, confirmed=True)
        html = renderer.digest(subscriber, payload, 7).html
        assert events(html) == events(inlined_whole(renderer, subscriber, payload))
        assert "pwslot" not in html.replace("pwslotemailx7q", "")  # every slot filled
        assert "<script>" not in html and "&lt;script&gt;" in html
    assert list(renderer._layouts) == [2]
