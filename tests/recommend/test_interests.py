"""Interests replace as a whole; imports seed +1 signals, report unknowns, and write nothing
on error."""

from __future__ import annotations

import pytest

from paperwire.recommend import signals
from paperwire.recommend.interests import (
    Interests,
    RecommendInputError,
    import_papers,
    interests,
    set_interests,
)
from paperwire.recommend.readers import Reader
from tests.recommend.corpus import Corpus
from tests.support.community import add_paper

READER = Reader("user", 4)


def test_set_interests_replaces_the_lists(corpus: Corpus) -> None:
    engine = corpus.catalog.engine
    assert not interests(engine, READER)
    set_interests(engine, READER, categories=["cs.CL", "cs.CL", " "], authors=["Ada  Lovelace"])
    assert interests(engine, READER) == Interests(("cs.CL",), ("Ada Lovelace",), ())
    set_interests(engine, READER, queries=["speech recognition"])
    assert interests(engine, READER) == Interests((), (), ("speech recognition",))
    with pytest.raises(RecommendInputError):
        set_interests(engine, READER, categories=[f"c{n}" for n in range(101)])


def test_import_seeds_known_papers_and_reports_the_rest(corpus: Corpus) -> None:
    engine, catalog = corpus.catalog.engine, corpus.catalog
    doi_paper = add_paper(catalog, "2603.00999", listed_on=corpus.today)
    with catalog.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE papers SET doi = '10.1000/ABC' WHERE id = '2603.00999'")
    known = corpus.by_topic["cs.CL"][0]
    bibtex = (
        f"@article{{a, eprint = {{{known}}}}}\n"
        "@article{b, doi = {10.1000/abc}}\n"
        "@article{c, eprint = {2001.00001}}\n"
    )
    report = import_papers(catalog, engine, corpus.clock, READER, bibtex, "refs.bib")
    assert report.added == [known, doi_paper]
    assert report.unknown == ["2001.00001"]
    assert {(s.paper_id, s.source, s.value) for s in signals.reader_signals(engine, READER)} == {
        (known, "seed", 1),
        (doi_paper, "seed", 1),
    }


def test_a_malformed_import_writes_nothing(corpus: Corpus) -> None:
    engine = corpus.catalog.engine
    text = f"@article{{a, eprint = {{{corpus.by_topic['cs.CL'][0]}}}}}\n@article{{b, title = {{x"
    with pytest.raises(RecommendInputError, match="line 2"):
        import_papers(corpus.catalog, engine, corpus.clock, READER, text)
    assert signals.reader_signals(engine, READER) == []
