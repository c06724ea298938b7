"""Papers by one author, and the people they wrote with: what an author page shows.

Authors are stored as a JSON array of names on each paper (no authors table: sources spell
names as they like, and an exact name is what a card links to). A name matches an element
of that array exactly, through the database's own JSON functions (SQLite json_each,
PostgreSQL json_array_elements_text), so quotes, backslashes and any Unicode in a name are
compared as text, never spliced into SQL or a LIKE pattern.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from paperwire.catalog import listing, rows, schema
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog

_papers = schema.papers
# Co-authors are counted over this many of the author's newest papers: enough for anybody's
# page, and it bounds the work for a name shared by thousands of papers.
COAUTHOR_SCAN = 2000
COAUTHORS_SHOWN = 30


@dataclass(frozen=True, slots=True)
class CoAuthor:
    name: str
    papers: int


@dataclass(slots=True)
class AuthorPage:
    papers: list[Paper] = field(default_factory=list)
    total: int = 0
    coauthors: list[CoAuthor] = field(default_factory=list)


def has_author(dialect: str, name: str) -> sa.ColumnElement[bool]:
    """Whether a paper's authors array holds exactly `name` (correlated to the papers row)."""
    expand = sa.func.json_each if dialect == "sqlite" else sa.func.json_array_elements_text
    elements = expand(_papers.c.authors).table_valued("value").alias("author_names")
    return sa.exists(sa.select(sa.literal(1)).select_from(elements).where(elements.c.value == name))


def author_page(catalog: Catalog, name: str, *, limit: int = 50, offset: int = 0) -> AuthorPage:
    """One page of `name`'s visible papers, most recently listed first, with the total and
    their co-authors (most shared papers first, then by name)."""
    condition = sa.and_(listing.where(ListQuery()), has_author(catalog.engine.dialect.name, name))
    select = (
        sa.select(_papers)
        .where(condition)
        .order_by(*listing.ordering("listed"))
        .limit(limit)
        .offset(offset)
    )
    with catalog.engine.connect() as connection:
        papers = [rows.paper_from_row(row._mapping) for row in connection.execute(select)]
        total = int(
            connection.execute(
                sa.select(sa.func.count()).select_from(_papers).where(condition)
            ).scalar_one()
        )
        author_lists = connection.execute(
            sa.select(_papers.c.authors)
            .where(condition)
            .order_by(*listing.ordering("listed"))
            .limit(COAUTHOR_SCAN)
        ).scalars()
        counts: Counter[str] = Counter()
        for authors in author_lists:
            counts.update({other for other in authors if other != name})
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:COAUTHORS_SHOWN]
    return AuthorPage(papers, total, [CoAuthor(other, count) for other, count in ranked])
