"""The Recommender on a real SQLite catalog: personal, cold-start and empty readers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from paperwire.accounts.model import User
from paperwire.community import collections, votes
from paperwire.recommend import signals
from paperwire.recommend.engine import Recommender
from paperwire.recommend.interests import set_interests
from paperwire.recommend.readers import Reader
from paperwire.recommend.schema import reader_recommendations
from paperwire.search.indexes import index_root, open_searcher, update_keyword_index
from tests.recommend.corpus import Corpus, store_vectors, unit
from tests.support.community import add_paper

ALICE = Reader("subscriber", 1)


def _like(corpus: Corpus, reader: Reader, ids: list[str], value: int = 1) -> None:
    for paper_id in ids:
        signals.record(corpus.catalog.engine, corpus.clock, reader, paper_id, "for_you", value)


def test_a_reader_who_liked_one_topic_gets_that_topic_with_reasons(corpus: Corpus) -> None:
    liked = corpus.by_topic["cs.CL"][:4]
    _like(corpus, ALICE, liked)
    page = Recommender(corpus.catalog).recommend(ALICE, limit=6)
    assert page.basis == "personal"
    ids = [item.paper.id for item in page.items]
    assert len(ids) == 6
    assert not set(ids) & set(liked)  # rated papers are never recommended
    assert all(paper_id in corpus.by_topic["cs.CL"] for paper_id in ids[:4])
    first = page.items[0]
    similar = [reason for reason in first.reasons if reason.kind == "similar"]
    assert similar and similar[0].paper_id in liked
    assert similar[0].text.startswith("Like your liked “cs.CL paper")
    assert any(r.kind == "topic" and "cs.CL" in r.text for r in first.reasons)
    assert page.computed_at == corpus.clock.now()


def test_dislikes_and_upvotes_and_collections_all_count(corpus: Corpus, alice_user: User) -> None:
    engine = corpus.catalog.engine
    reader = Reader("user", alice_user.id)
    cv = corpus.by_topic["cs.CV"]
    votes.upvote(corpus.catalog, alice_user, cv[0])
    votes.upvote(corpus.catalog, alice_user, cv[1])
    box = collections.create_collection(corpus.catalog, alice_user, "Vision")
    collections.add_paper(corpus.catalog, alice_user, box.id, cv[2])
    _like(corpus, reader, corpus.by_topic["cs.CL"][:2], -1)
    sources = {s.source for s in signals.reader_signals(engine, reader)}
    assert sources == {"upvote", "collection", "for_you"}
    page = Recommender(corpus.catalog).recommend(reader, limit=5)
    assert page.basis == "personal"
    assert all(item.paper.id in cv for item in page.items[:3])
    texts = [r.text for item in page.items for r in item.reasons if r.kind == "similar"]
    assert any("upvoted" in text or "saved" in text for text in texts)


def test_fewer_than_three_positives_is_a_cold_start_from_interests(corpus: Corpus) -> None:
    engine = corpus.catalog.engine
    set_interests(engine, ALICE, categories=["q-bio.NC"], authors=["author cs.cv 1"])
    page = Recommender(corpus.catalog).recommend(ALICE, limit=8)
    assert page.basis == "cold_start"
    top = [item.paper for item in page.items]
    assert all("q-bio.NC" in p.categories or "Author cs.CV 1" in p.authors for p in top)
    texts = [r.text for item in page.items for r in item.reasons]
    assert "In q-bio.NC, a topic you follow" in texts
    assert "By Author cs.CV 1, an author you follow" in texts
    assert any(r.kind == "trending" and "3 more papers" in r.text for r in page.items[0].reasons)


def test_a_reader_with_nothing_gets_an_empty_page(corpus: Corpus) -> None:
    page = Recommender(corpus.catalog).recommend(Reader("user", 999))
    assert page.basis == "empty" and page.items == [] and page.computed_at is None


def test_a_new_signal_makes_the_stored_row_stale(corpus: Corpus) -> None:
    recommender = Recommender(corpus.catalog)
    _like(corpus, ALICE, corpus.by_topic["cs.CL"][:3])
    first = recommender.recommend(ALICE, limit=3)
    assert first.basis == "personal"
    corpus.clock.advance(60)
    shown = first.items[0].paper.id
    _like(corpus, ALICE, [shown], -1)
    second = recommender.recommend(ALICE, limit=3)
    assert second.computed_at == corpus.clock.now()
    assert shown not in [item.paper.id for item in second.items]


def test_refresh_all_ranks_every_reader_and_reports_progress(corpus: Corpus) -> None:
    engine = corpus.catalog.engine
    _like(corpus, ALICE, corpus.by_topic["cs.CV"][:3])
    set_interests(engine, Reader("subscriber", 2), categories=["cs.CL"])
    signals.record(engine, corpus.clock, Reader("user", 5), corpus.by_topic["cs.CL"][0], "card", 1)
    calls: list[tuple[int, int]] = []
    report = Recommender(corpus.catalog).refresh_all(
        lambda done, total: calls.append((done, total))
    )
    assert (report.readers, report.personal, report.cold_start, report.empty) == (3, 1, 2, 0)
    assert report.candidates == 36
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    with engine.connect() as connection:
        rows = dict(
            connection.execute(
                sa.select(reader_recommendations.c.reader, reader_recommendations.c.basis)
            ).all()
        )
    assert rows == {
        "subscriber:1": "personal",
        "subscriber:2": "cold_start",
        "user:5": "cold_start",
    }


def test_the_exclude_hook_leaves_out_papers_seen_elsewhere(corpus: Corpus) -> None:
    cl = corpus.by_topic["cs.CL"]
    _like(corpus, ALICE, cl[:3])
    seen = set(cl[3:8])
    recommender = Recommender(corpus.catalog, exclude=lambda readers: {r: seen for r in readers})
    ids = [item.paper.id for item in recommender.recommend(ALICE, limit=30).items]
    assert ids and not set(ids) & seen


def test_old_papers_and_papers_outside_the_window_are_not_candidates(corpus: Corpus) -> None:
    old = add_paper(
        corpus.catalog,
        "2501.00001",
        listed_on=corpus.today - dt.timedelta(days=90),
        categories=["cs.CL"],
    )
    store_vectors(corpus.catalog, {old: corpus.vectors[corpus.by_topic["cs.CL"][0]]})
    _like(corpus, ALICE, corpus.by_topic["cs.CL"][:3])
    ids = [item.paper.id for item in Recommender(corpus.catalog).recommend(ALICE, limit=50).items]
    assert old not in ids
    basis, window = Recommender(corpus.catalog).candidates(ALICE, corpus.today, corpus.today, 50)
    listed_today = {p for ids_ in corpus.by_topic.values() for p in ids_[::5]}
    assert basis == "personal" and set(window) <= listed_today


def test_a_page_of_near_duplicates_is_diversified(corpus: Corpus) -> None:
    rng = np.random.default_rng(5)
    # Copies of a paper as relevant as the rest of its topic (not of a liked one, which
    # would outscore everything else by far).
    base = corpus.vectors[corpus.by_topic["cs.CL"][6]].astype(np.float64)
    clones = {}
    for n in range(8):
        paper_id = add_paper(
            corpus.catalog, f"2603.{900 + n:05d}", listed_on=corpus.today, categories=["cs.CL"]
        )
        clones[paper_id] = unit(base + 0.02 * rng.standard_normal(384))
    store_vectors(corpus.catalog, clones)
    base_id = corpus.by_topic["cs.CL"][6]
    _like(corpus, ALICE, corpus.by_topic["cs.CL"][:3])
    ids = [item.paper.id for item in Recommender(corpus.catalog).recommend(ALICE, limit=10).items]
    assert len(set(ids) & set(clones | {base_id: base})) <= 3


def test_signals_refresh_and_pages_on_both_databases(any_corpus: Corpus) -> None:
    corpus = any_corpus
    engine = corpus.catalog.engine
    _like(corpus, ALICE, corpus.by_topic["q-bio.NC"][:3])
    set_interests(engine, Reader("user", 2), categories=["cs.CV"])
    report = Recommender(corpus.catalog).refresh_all()
    assert (report.personal, report.cold_start) == (1, 1)
    page = Recommender(corpus.catalog).recommend(ALICE, limit=5)
    assert page.basis == "personal"
    assert [item.paper.id in corpus.by_topic["q-bio.NC"] for item in page.items[:3]] == [True] * 3
    cold = Recommender(corpus.catalog).recommend(Reader("user", 2), limit=3)
    assert cold.basis == "cold_start"
    assert all("cs.CV" in item.paper.categories for item in cold.items)
    assert signals.export(engine, ALICE)["recommendations"]["basis"] == "personal"


def test_one_liked_paper_is_a_cold_start_that_already_leans_its_way(corpus: Corpus) -> None:
    liked = corpus.by_topic["cs.CV"][0]
    _like(corpus, ALICE, [liked])
    page = Recommender(corpus.catalog).recommend(ALICE, limit=4)
    assert page.basis == "cold_start"
    assert all(item.paper.id in corpus.by_topic["cs.CV"] for item in page.items)
    first = page.items[0].reasons
    assert first[0].kind == "similar" and first[0].paper_id == liked
    assert first[-1].text == "Popular this week; like or save 2 more papers for picks of your own"


def test_saved_queries_match_through_the_searcher(corpus: Corpus, tmp_path: Path) -> None:
    paper_id = add_paper(
        corpus.catalog,
        "2603.00777",
        title="Spiking neurons learn cortical maps",
        listed_on=corpus.today,
        categories=["q-bio.NC"],
    )
    root = index_root(tmp_path)
    update_keyword_index(corpus.catalog, root)
    searcher = open_searcher(corpus.catalog, root, semantic=False)
    set_interests(corpus.catalog.engine, ALICE, queries=["spiking neurons"])
    page = Recommender(corpus.catalog, searcher=searcher).recommend(ALICE, limit=3)
    assert page.basis == "cold_start"
    assert page.items[0].paper.id == paper_id
    assert page.items[0].reasons[0].text == "Matches your saved search “spiking neurons”"


def test_a_shared_pool_follows_new_papers_and_vectors(corpus: Corpus) -> None:
    _like(corpus, ALICE, corpus.by_topic["cs.CL"][:3])
    Recommender(corpus.catalog).recommend(ALICE)  # loads and shares the pool
    new = add_paper(corpus.catalog, "2603.00888", listed_on=corpus.today, categories=["cs.CL"])
    store_vectors(corpus.catalog, {new: corpus.vectors[corpus.by_topic["cs.CL"][0]]})
    Recommender(corpus.catalog).refresh_reader(ALICE)
    ids = [item.paper.id for item in Recommender(corpus.catalog).recommend(ALICE, limit=3).items]
    assert new in ids
