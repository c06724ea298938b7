"""Structured search filters: how each is parsed and validated, and what each selects.

Selection is checked on both halves of a search over the same small catalog: the keyword
index (tantivy filters natively) and `passes`, which filters semantic candidates. The two
must agree, or a hybrid search would keep a paper one half had filtered out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from paperwire.catalog.model import Authority, Link, Paper
from paperwire.catalog.store import Catalog
from paperwire.search.filters import SearchFilters, parse_date_range
from paperwire.search.keyword import KeywordIndex
from paperwire.search.query import QueryError, parse_query
from paperwire.search.searcher import passes
from tests.support.factories import make_record

# -- parsing -----------------------------------------------------------------------------


def test_filters_parse_and_validate() -> None:
    filters = SearchFilters.parse(
        submitted="2024-03..2024", listed_on="2026-03-14", categories="cs.CV, hep-th",
        has_code="yes", min_upvotes="3",
    )  # fmt: skip
    assert filters.submitted_from == dt.date(2024, 3, 1)
    assert filters.submitted_to == dt.date(2024, 12, 31)
    assert filters.listed_from == filters.listed_to == dt.date(2026, 3, 14)
    assert filters.categories == ("cs.cv", "hep-th")
    assert (filters.has_code, filters.min_upvotes) == (True, 3)
    assert parse_date_range("..2024-02") == (None, dt.date(2024, 2, 29))
    assert SearchFilters.parse().is_empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01..2024-03-31", (dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
        ("2024-03..", (dt.date(2024, 3, 1), None)),
        ("..2024", (None, dt.date(2024, 12, 31))),
        ("2024", (dt.date(2024, 1, 1), dt.date(2024, 12, 31))),
        ("2024-02", (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),  # a leap year
        ("2023-02", (dt.date(2023, 2, 1), dt.date(2023, 2, 28))),
        ("2024-03-14", (dt.date(2024, 3, 14), dt.date(2024, 3, 14))),
        ("2024-03-14..2024-03-14", (dt.date(2024, 3, 14), dt.date(2024, 3, 14))),
        ("2023..2024-06", (dt.date(2023, 1, 1), dt.date(2024, 6, 30))),
        ("  2024-03 .. 2024-04  ", (dt.date(2024, 3, 1), dt.date(2024, 4, 30))),
        ("..", (None, None)),
        ("", (None, None)),
        ("   ", (None, None)),
        (None, (None, None)),
    ],
)
def test_date_ranges(text: str | None, expected: tuple[dt.date | None, dt.date | None]) -> None:
    assert parse_date_range(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-13",
        "2024-00",
        "2024-02-30",
        "2023-02-29",
        "24-03-01",
        "2024-3-1",
        "2024/03/01",
        "yesterday",
        "2024-03-01T00:00",
        "2024...2025",
        "2025..2024",
        "2024-03-02..2024-03-01",
        "2024\r\n2025",
        "2024" * 100_000,
    ],
)
def test_bad_dates_name_the_filter(text: str) -> None:
    with pytest.raises(QueryError, match="submitted"):
        SearchFilters.parse(submitted=text)
    with pytest.raises(QueryError, match="listed_on"):
        SearchFilters.parse(listed_on=text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cs.CV, hep-th", ("cs.cv", "hep-th")),
        ("cs.CV,,cs.LG,", ("cs.cv", "cs.lg")),
        (["cs.CV", "cs.cv", " CS.CV "], ("cs.cv",)),  # duplicates go, order stays
        (("stat.ML", "cs"), ("stat.ml", "cs")),
        ("cond-mat.mes-hall", ("cond-mat.mes-hall",)),
        ("", ()),
        (None, ()),
    ],
)
def test_categories(
    value: str | list[str] | tuple[str, ...] | None, expected: tuple[str, ...]
) -> None:
    assert SearchFilters.parse(categories=value).categories == expected


@pytest.mark.parametrize(
    "value", ["cs.CV.x", "cs/CV", "1cs", "cs.", ".cv", "cs..cv", "cs cv", "-cs", "cs.c1", "<b>"]
)
def test_bad_categories(value: str) -> None:
    with pytest.raises(QueryError, match="invalid category"):
        SearchFilters.parse(categories=value)


def test_the_constructor_wants_lowercase_categories() -> None:
    assert SearchFilters(categories=("cs.cv",)).categories == ("cs.cv",)
    with pytest.raises(QueryError):
        SearchFilters(categories=("cs.CV",))  # parse() lowercases; direct callers must


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("1", True),
        ("true", True),
        (" YES ", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
        ("", None),
        (None, None),
    ],
)
def test_has_code(value: bool | str | None, expected: bool | None) -> None:
    assert SearchFilters.parse(has_code=value).has_code is expected


@pytest.mark.parametrize("value", ["maybe", "2", "t", "yes please"])
def test_bad_has_code(value: str) -> None:
    with pytest.raises(QueryError, match="has_code"):
        SearchFilters.parse(has_code=value)


@pytest.mark.parametrize(
    ("value", "expected"), [(3, 3), (0, 0), ("3", 3), (" 12 ", 12), ("", None), (None, None)]
)
def test_min_upvotes(value: int | str | None, expected: int | None) -> None:
    assert SearchFilters.parse(min_upvotes=value).min_upvotes == expected


@pytest.mark.parametrize("value", [-1, "-1", "3.5", "lots", "1e3", "0x10"])
def test_bad_min_upvotes(value: int | str) -> None:
    with pytest.raises(QueryError, match="min_upvotes"):
        SearchFilters.parse(min_upvotes=value)


@pytest.mark.parametrize(
    "arguments",
    [
        {"submitted": "2024-13-01"},
        {"submitted": "2024-02-30"},
        {"submitted": "yesterday"},
        {"submitted": "2025..2024"},
        {"listed_on": "2024/03/01"},
        {"categories": "cs.CV,not a category"},
        {"has_code": "maybe"},
        {"min_upvotes": "lots"},
        {"min_upvotes": -1},
    ],
)
def test_invalid_filters_raise_query_error(arguments: dict[str, object]) -> None:
    with pytest.raises(QueryError):
        SearchFilters.parse(**arguments)  # type: ignore[arg-type]


def test_a_reversed_range_is_refused_by_the_constructor_too() -> None:
    with pytest.raises(QueryError, match="empty submitted range"):
        SearchFilters(submitted_from=dt.date(2024, 3, 2), submitted_to=dt.date(2024, 3, 1))
    with pytest.raises(QueryError, match="empty listed_on range"):
        SearchFilters(listed_from=dt.date(2024, 3, 2), listed_to=dt.date(2024, 3, 1))


def test_blank_strings_are_no_constraint() -> None:
    blank = SearchFilters.parse(submitted=" ", listed_on="", categories=" , ", has_code=" ",
                                min_upvotes="  ")  # fmt: skip
    assert blank.is_empty and blank == SearchFilters()
    assert not SearchFilters(min_upvotes=0).is_empty


# -- what each filter selects --------------------------------------------------------------

# Every paper has "sparse" in its title, so the query selects all of them and only the
# filter decides.
PAPERS = {
    "2401.00001": {"categories": ["cs.CV"], "submitted": dt.date(2024, 1, 10),
                   "listed_on": dt.date(2024, 1, 12), "upvotes": 10, "code": True},
    "2402.00002": {"categories": ["cs.LG", "stat.ML"], "submitted": dt.date(2024, 2, 29)},
    "hep-th/9901001": {"categories": ["hep-th"], "submitted": dt.date(1999, 1, 4)},
    "2403.00004": {"categories": ["physics.optics"], "submitted": dt.date(2024, 3, 31),
                   "listed_on": dt.date(2024, 4, 1), "upvotes": 3},
    "2403.00005": {"categories": ["cs.AI"], "submitted": dt.date(2024, 3, 5), "code": True},
    # From a listing only: no arXiv id, no categories, no submission date.
    "sparse-listing-only-paper": {"listed_on": dt.date(2024, 3, 14)},
}  # fmt: skip
ALL = set(PAPERS)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KeywordIndex, list[Paper]]]:
    root = tmp_path_factory.mktemp("filters")
    catalog = Catalog.open(f"sqlite:///{root / 'catalog.db'}")
    records = []
    for paper_id, fields in PAPERS.items():
        listed = fields.get("listed_on")
        slug = not paper_id[0].isdigit() and "/" not in paper_id
        code = [Link("code", f"https://github.com/o/{paper_id.replace('/', '-')}")]
        records.append(
            make_record(
                source="hf-daily" if listed else "arxiv-oai",
                authority=Authority.HF_DAILY if listed else Authority.ARXIV,
                raw_id=None if slug else paper_id,
                title=paper_id.replace("-", " ") if slug else f"Sparse paper {paper_id}",
                abstract="We study sparse models.",
                categories=fields.get("categories", []),
                submitted=fields.get("submitted"),
                listed_on=listed,
                extras={"upvotes": fields["upvotes"]} if "upvotes" in fields else {},
                extra_links=code if fields.get("code") else [],
            )
        )
    catalog.upsert(records)
    with KeywordIndex.open(root / "keyword") as index:
        index.rebuild(catalog)
        papers = catalog.get_many(list(PAPERS))
        assert {paper.id for paper in papers} == ALL
        yield index, papers
    catalog.close()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, ALL),
        ({"submitted": "2024"}, {"2401.00001", "2402.00002", "2403.00004", "2403.00005"}),
        ({"submitted": "2024-02"}, {"2402.00002"}),  # February 29th is inside February
        ({"submitted": "..2023"}, {"hep-th/9901001"}),
        ({"submitted": "2024-03-31.."}, {"2403.00004"}),  # bounds are inclusive
        ({"submitted": "2024-01-11..2024-03-30"}, {"2402.00002", "2403.00005"}),
        # An arXiv paper is listed on its submission day until a feed lists it.
        ({"listed_on": "2024-03"}, {"2403.00005", "sparse-listing-only-paper"}),
        ({"listed_on": "2024-04-01"}, {"2403.00004"}),
        ({"listed_on": "..1999"}, {"hep-th/9901001"}),
        ({"categories": "cs"}, {"2401.00001", "2402.00002", "2403.00005"}),  # an archive
        ({"categories": "cs.CV,hep-th"}, {"2401.00001", "hep-th/9901001"}),  # any of
        ({"categories": "stat.ml"}, {"2402.00002"}),  # not only the primary category
        ({"categories": "cs.ai"}, {"2403.00005"}),  # stored as cs.AI
        ({"categories": "physics"}, {"2403.00004"}),
        ({"categories": "cs.c"}, set()),  # a category's prefix is not an archive
        ({"has_code": "true"}, {"2401.00001", "2403.00005"}),
        ({"has_code": "false"}, ALL - {"2401.00001", "2403.00005"}),
        ({"min_upvotes": "3"}, {"2401.00001", "2403.00004"}),
        ({"min_upvotes": "11"}, set()),
        ({"min_upvotes": "0"}, ALL),  # papers without any upvotes count as 0
        ({"categories": "cs", "has_code": "yes", "submitted": "2024-03"}, {"2403.00005"}),
    ],
)
def test_what_each_filter_selects(
    corpus: tuple[KeywordIndex, list[Paper]],
    arguments: dict[str, str],
    expected: set[str],
) -> None:
    index, papers = corpus
    filters = SearchFilters.parse(**arguments)  # type: ignore[arg-type]
    query = parse_query("sparse")
    by_keyword = {hit.id for hit in index.search(query, 50, filters)}
    by_semantic_check = {paper.id for paper in papers if passes(paper, query, filters)}
    assert by_keyword == expected
    assert by_semantic_check == expected
