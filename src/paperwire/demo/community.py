"""Demo accounts with upvotes, comments and a collection, so trending, the paper page and
the profile pages show a community on a fresh machine (docs/demo.md).

Only `paperwire demo` calls this (load_demo(..., recent=True)); a real instance never gets
these accounts. They are named `demo-*`, have addresses under the reserved `.invalid`
domain (no mail can reach them) and no usable password (nobody can log in as them).
"""

from __future__ import annotations

from dataclasses import dataclass

from paperwire.accounts import users as accounts
from paperwire.accounts.model import User
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.periods import Period
from paperwire.catalog.store import Catalog
from paperwire.community import collections, comments, votes

DEMO_PREFIX = "demo-"
DEMO_USERS = ("demo-ada", "demo-grace", "demo-alan")
COLLECTION = "Reading list: this week"
# (who, which of the latest day's papers (by listing order), the comment's text)
COMMENTS = (
    ("demo-ada", 0, "Clear write-up. Has anyone tried the released code on a smaller GPU?"),
    (
        "demo-grace",
        0,
        "Yes: it runs with half the batch size, a bit slower. See $O(n \\log n)$ in §3.",
    ),
    ("demo-alan", 1, "The ablation in table 2 is the interesting part: https://arxiv.org/"),
)


@dataclass
class DemoCommunity:
    users: int = 0
    upvotes: int = 0
    comments: int = 0
    collections: int = 0

    def summary(self) -> str:
        return (
            f"{self.users} demo accounts, {self.upvotes} upvotes, {self.comments} comments, "
            f"{self.collections} collection"
        )


def _account(catalog: Catalog, name: str, made: DemoCommunity) -> User:
    found = accounts.find_user(catalog, name)
    if found is not None:
        return found
    made.users += 1
    return accounts.create_user(
        catalog, username=name, email=f"{name}@demo.invalid", password=None, verified=True
    )


def seed_demo_community(catalog: Catalog) -> DemoCommunity:
    """Upvote, comment and collect on the latest listing day's papers; idempotent (a second
    run adds nothing)."""
    made = DemoCommunity()
    latest = catalog.latest_listed_on()
    if latest is None:
        return made
    papers = catalog.list_page(
        ListQuery(period=Period.day(latest)), limit=12, order="published", with_total=False
    ).papers
    if len(papers) < 2:
        return made
    people = {name: _account(catalog, name, made) for name in DEMO_USERS}
    for rank, paper in enumerate(papers[:9]):
        # The first papers get the most votes: a visible ranking, not a tie.
        for person in DEMO_USERS[: 3 - rank // 3]:
            made.upvotes += votes.upvote(catalog, people[person], paper.id)
    for name, index, body in COMMENTS:
        paper_id = papers[index].id
        if any(c.author == name for c in comments.thread(catalog, paper_id)):
            continue
        comments.add_comment(catalog, people[name], paper_id, body)
        made.comments += 1
    ada = people["demo-ada"]
    if not collections.collections_of(catalog, ada.username, ada):
        shelf = collections.create_collection(
            catalog, ada, COLLECTION, description="Papers the demo accounts liked", public=True
        )
        for paper in papers[:4]:
            collections.add_paper(catalog, ada, shelf.id, paper.id)
        made.collections += 1
    return made
