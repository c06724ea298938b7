"""Papers in huggingface.co's JSON shapes, for the HF-compatible API (web/hf/routes.py).

Three shapes, as huggingface_hub's `PaperInfo` parses them:
- `paper_object`: one paper, flat (`GET /api/papers/{id}`, and the `paper` inside an item);
- `daily_item`: `{"paper": {...}}` plus top-level copies (`GET /api/daily_papers`);
- `search_item`: a daily item plus HF's highlight runs (`GET /api/papers/search`).

Fields we cannot fill are left out rather than faked (no discussionId, no thumbnail, no
avatars); the only made-up values are the authors' `_id`s, stable hashes that HF's shape
requires. Counts and the submitter always come from an `Engagement`, never from extras.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from paperwire.catalog.model import Paper
from paperwire.community.engagement import Engagement
from paperwire.search.keyword import Highlights

JSON = dict[str, Any]


def hf_datetime(day: dt.date) -> str:
    """A day as HF writes instants: UTC midnight with milliseconds and a `Z`."""
    return f"{day.isoformat()}T00:00:00.000Z"


def author_id(paper_id: str, index: int) -> str:
    """A stable 24-hex-digit `_id` (HF's MongoDB ObjectId width) for an author entry."""
    return hashlib.blake2b(f"{paper_id}\n{index}".encode(), digest_size=12).hexdigest()


def published_day(paper: Paper) -> dt.date | None:
    """arXiv's first-version date; a paper known only from a listing falls back to that day."""
    return paper.submitted or paper.listed_on


def paper_object(paper: Paper, engagement: Engagement) -> JSON:
    """The flat paper, keys in HF's order; optional keys only when we have a value."""
    data: JSON = {
        "id": paper.id,
        "authors": [
            {"_id": author_id(paper.id, index), "name": name, "hidden": False}
            for index, name in enumerate(paper.authors)
        ],
    }
    media = _media_urls(paper)
    if media:
        data["mediaUrls"] = media
    published = published_day(paper)
    if published is not None:
        data["publishedAt"] = hf_datetime(published)
    if paper.listed_on is not None:
        data["submittedOnDailyAt"] = hf_datetime(paper.listed_on)
    data["title"] = paper.title
    submitter = _submitter(paper, engagement)
    if submitter is not None:
        name, fullname = submitter
        data["submittedOnDailyBy"] = _person("user", name, fullname)
    data["summary"] = paper.abstract
    data["upvotes"] = engagement.upvotes
    project = paper.links_of("project")
    if project:
        data["projectPage"] = project[0]
    code = paper.links_of("code")
    if code:
        data["githubRepo"] = code[0]
    ai_summary = paper.extras.get("ai_summary")
    if isinstance(ai_summary, str) and ai_summary:
        data["ai_summary"] = ai_summary
    keywords = _strings(paper.extras.get("ai_keywords"))
    if keywords:
        data["ai_keywords"] = keywords
    if engagement.github_stars is not None:
        data["githubStars"] = engagement.github_stars
    organization = _organization(paper)
    if organization is not None:
        data["organization"] = organization
    return data


def daily_item(paper: Paper, engagement: Engagement) -> JSON:
    """A daily-papers item: the paper plus the top-level fields HF repeats beside it."""
    inner = paper_object(paper, engagement)
    item: JSON = {"paper": inner}
    if "publishedAt" in inner:
        item["publishedAt"] = inner["publishedAt"]
    item["title"] = paper.title
    item["summary"] = paper.abstract
    if "mediaUrls" in inner:
        item["mediaUrls"] = inner["mediaUrls"]
    item["numComments"] = engagement.num_comments
    submitter = _submitter(paper, engagement)
    if submitter is not None:
        item["submittedBy"] = _person("name", *submitter)
    if "organization" in inner:
        item["organization"] = inner["organization"]
    # No author has a paperwire account yet, so none can take part in a discussion.
    item["isAuthorParticipating"] = False
    return item


def search_item(paper: Paper, engagement: Engagement, highlights: Highlights) -> JSON:
    """A search result: a daily item plus the title and abstract as highlight runs."""
    item = daily_item(paper, engagement)
    item["highlightedTitle"] = highlights.get("title", [])
    item["highlightedSummary"] = highlights.get("summary", [])
    return item


def _submitter(paper: Paper, engagement: Engagement) -> tuple[str, str | None] | None:
    """(user name, full name): who from the engagement; the display name from the feed
    record, only when it describes that same user."""
    name = engagement.submitted_by
    if not name:
        return None
    recorded = paper.extras.get("submitter")
    fullname = recorded.get("fullname") if isinstance(recorded, dict) else None
    same_user = isinstance(recorded, dict) and recorded.get("name") == name
    return name, fullname if same_user and isinstance(fullname, str) and fullname else None


def _person(name_key: str, name: str, fullname: str | None) -> JSON:
    # HF names the user name "name" in an item's submittedBy and "user" in a paper's
    # submittedOnDailyBy; huggingface_hub reads each where HF puts it.
    person: JSON = {name_key: name}
    if fullname:
        person["fullname"] = fullname
    return person


def _organization(paper: Paper) -> JSON | None:
    raw = paper.extras.get("organization")
    if isinstance(raw, str) and raw:
        return {"name": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        return None
    organization: JSON = {"name": raw["name"]}
    if isinstance(raw.get("fullname"), str) and raw["fullname"]:
        organization["fullname"] = raw["fullname"]
    return organization


def _media_urls(paper: Paper) -> list[str]:
    # Ingest kept only plain http(s) URLs (ingest/hf_daily.py); these are the feed's own.
    return _strings(paper.extras.get("mediaUrls"))


def _strings(raw: object) -> list[str]:
    if not isinstance(raw, list):
        return []
    return [value for value in raw if isinstance(value, str) and value]


# -- markdown (GET /papers/{id}.md) ------------------------------------------------------

_LINK_LABELS = (
    ("abs", "arXiv"),
    ("pdf", "PDF"),
    ("doi", "DOI"),
    ("code", "Code"),
    ("project", "Project page"),
)


def paper_markdown(paper: Paper, engagement: Engagement) -> str:
    """The paper page as markdown, what huggingface.co's `/papers/{id}.md` gives readers
    (and language models) when it has no full text: title, authors, dates, abstract, links.

    Served as text/markdown, never as HTML. A `<` is escaped anyway, so a hostile title or
    abstract cannot become a raw HTML tag in a renderer that allows them.
    """
    lines = [f"# {_plain(paper.title)}", ""]
    if paper.authors:
        lines += [f"Authors: {_plain(', '.join(paper.authors))}", ""]
    facts = []
    published = published_day(paper)
    if published is not None:
        facts.append(f"Published: {published.isoformat()}")
    if paper.listed_on is not None:
        facts.append(f"Listed: {paper.listed_on.isoformat()}")
    facts.append(f"Upvotes: {engagement.upvotes}")
    facts.append(f"Comments: {engagement.num_comments}")
    if engagement.submitted_by:
        facts.append(f"Submitted by: {_plain(engagement.submitted_by)}")
    lines += [" · ".join(facts), ""]
    if paper.categories:
        lines += [f"Categories: {_plain(', '.join(paper.categories))}", ""]
    if paper.withdrawn:
        lines += ["This paper has been withdrawn.", ""]
    lines += ["## Abstract", "", _plain(paper.abstract) or "(no abstract)", ""]
    ai_summary = paper.extras.get("ai_summary")
    keywords = _strings(paper.extras.get("ai_keywords"))
    if isinstance(ai_summary, str) and ai_summary:
        lines += ["## AI summary", "", _plain(ai_summary), ""]
    if keywords:
        lines += [f"Keywords: {_plain(', '.join(keywords))}", ""]
    links = [
        f"- {label}: {_plain(url)}" for kind, label in _LINK_LABELS for url in paper.links_of(kind)
    ]
    if links:
        lines += ["## Links", "", *links, ""]
    if paper.journal_ref or paper.comments:
        lines += ["## Notes", ""]
        if paper.journal_ref:
            lines.append(f"Journal reference: {_plain(paper.journal_ref)}")
        if paper.comments:
            lines.append(f"arXiv comments: {_plain(paper.comments)}")
        lines.append("")
    return "\n".join(lines)


def _plain(text: str) -> str:
    # CommonMark: a backslash-escaped `<` is a literal `<`, never the start of a tag.
    return text.replace("<", "\\<")
