"""Collections: names and slugs, privacy, papers in and out, JSONL and BibTeX exports."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.community import collections as lists
from paperwire.errors import CommunityError, Conflict, Forbidden, NotFound
from paperwire.ingest.export import paper_from_export, paper_to_export
from tests.support.community import add_paper, make_user

DAY = dt.date(2026, 3, 16)


def test_create_list_and_find_by_slug(catalog: Catalog) -> None:
    ada = make_user(catalog, "ada")
    made = lists.create_collection(
        catalog, ada, "  Reading:  Diffusion Models! ", description="mine"
    )
    assert (made.name, made.slug, made.owner, made.is_public, made.item_count) == (
        "Reading: Diffusion Models!", "reading-diffusion-models", "ada", False, 0
    )  # fmt: skip
    assert lists.get_collection(catalog, "ADA", "reading-diffusion-models", ada) == made
    with pytest.raises(Conflict, match="already"):
        lists.create_collection(catalog, ada, "reading diffusion models")
    other = lists.create_collection(catalog, make_user(catalog, "bob"), "Reading: diffusion models")
    assert other.slug == made.slug  # names are unique per account only
    with pytest.raises(CommunityError, match="needs a name"):
        lists.create_collection(catalog, ada, " \t ")
    with pytest.raises(Forbidden):
        lists.create_collection(catalog, None, "x")
    assert (
        lists.slugify("Émile's — notes") == "emile-s-notes" and lists.slugify("???") == "collection"
    )


def test_private_collections_are_invisible_to_others(catalog: Catalog) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    secret = lists.create_collection(catalog, ada, "Secret")
    shared = lists.create_collection(catalog, ada, "Shared", public=True)
    assert [c.name for c in lists.collections_of(catalog, "ada", ada)] == ["Secret", "Shared"]
    assert [c.name for c in lists.collections_of(catalog, "ada", bob)] == ["Shared"]
    assert [c.name for c in lists.collections_of(catalog, "ada")] == ["Shared"]
    for viewer in (bob, None):
        with pytest.raises(NotFound):
            lists.get_collection(catalog, "ada", secret.slug, viewer)
    assert lists.get_collection(catalog, "ada", shared.slug, None).id == shared.id
    with pytest.raises(NotFound):  # nor can anybody else change it
        lists.update_collection(catalog, bob, secret.id, public=True)
    with pytest.raises(NotFound):
        lists.delete_collection(catalog, bob, secret.id)
    opened = lists.update_collection(catalog, ada, secret.id, name="Open now", public=True)
    assert (opened.slug, opened.is_public) == ("open-now", True)
    with pytest.raises(Conflict):
        lists.update_collection(catalog, ada, secret.id, name="Shared")


def test_papers_in_and_out(catalog: Catalog, clock: FakeClock) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    first = add_paper(catalog, "2403.01234", listed_on=DAY)
    second = add_paper(catalog, "2403.05678", listed_on=DAY)
    made = lists.create_collection(catalog, ada, "Mine")
    assert lists.add_paper(catalog, ada, made.id, first) is True
    clock.advance(1)
    assert lists.add_paper(catalog, ada, made.id, second) is True
    assert lists.add_paper(catalog, ada, made.id, first) is False
    with pytest.raises(NotFound):
        lists.add_paper(catalog, ada, made.id, "2403.09999")
    with pytest.raises(NotFound):
        lists.add_paper(catalog, bob, made.id, first)
    found = lists.get_collection(catalog, "ada", "mine", ada)
    assert found.item_count == 2
    assert lists.collection_paper_ids(catalog, found) == [second, first]
    assert lists.remove_paper(catalog, ada, made.id, first) is True
    assert lists.remove_paper(catalog, ada, made.id, first) is False
    assert [p.id for p in lists.collection_papers(catalog, found)] == [second]
    lists.delete_collection(catalog, ada, made.id)
    assert lists.collections_of(catalog, "ada", ada) == []


def test_exports(catalog: Catalog) -> None:
    ada = make_user(catalog, "ada")
    paper_id = add_paper(
        catalog,
        "2403.01234",
        listed_on=DAY,
        submitted=dt.date(2024, 3, 2),
        title="Scaling 100% of R&D",
        authors=["Grace Hopper", "Alan Turing"],
        categories=["cs.AI"],
    )
    made = lists.create_collection(catalog, ada, "Export me", public=True)
    lists.add_paper(catalog, ada, made.id, paper_id)
    found = lists.get_collection(catalog, "ada", made.slug)
    [line] = list(lists.export_jsonl(catalog, found))
    [stored] = catalog.get_many([paper_id])
    assert orjson.loads(line) == paper_to_export(stored)
    restored = paper_from_export(orjson.loads(line))
    assert isinstance(restored, Paper) and restored.title == "Scaling 100% of R&D"
    text = lists.export_bibtex(catalog, found)
    assert text.startswith("@misc{hopper2024scaling,\n")
    assert "title = {{Scaling 100\\% of R\\&D}}" in text
    assert "eprint = {2403.01234}" in text and "primaryClass = {cs.AI}" in text
