"""The BM25 keyword index (tantivy): derived from the catalog, rebuilt or synced from it.

One process writes (`open`, holding the directory's writer lock); any number read
(`open_reader`) and see new commits, or a rebuilt generation, on `reload()`. The layout
and the atomic generation swap live in index_dir.py.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import tantivy
from tantivy import Filter, Occur, Query, TextAnalyzerBuilder, Tokenizer

from paperwire.catalog.model import Paper
from paperwire.search.filters import SearchFilters
from paperwire.search.index_dir import IndexDirectory, IndexLockedError
from paperwire.search.query import ParsedQuery

__all__ = [
    "ChangeFeed",
    "FieldWeights",
    "Highlights",
    "IndexLockedError",
    "KeywordHit",
    "KeywordIndex",
    "ReadOnlyIndexError",
]

SCHEMA_VERSION = 1  # bump when the schema or analyzers change: the writer then reindexes
SUMMARY_CHARS = 300  # abstract snippet length in highlights
SYNC_BATCH = 5000  # papers per commit during sync/rebuild: bounded memory, durable progress
PREFIX_EXPANSIONS = 30  # index terms a prefix highlights at most
WRITER_HEAP = 128_000_000
# tantivy's built-in "en_stem" (simple, remove_long 40, lowercase, English Snowball);
# rebuilt here so query words are stemmed exactly as indexed words.
_STEMMER = (
    TextAnalyzerBuilder(Tokenizer.simple())
    .filter(Filter.remove_long(40))
    .filter(Filter.lowercase())
    .filter(Filter.stemmer("english"))
    .build()
)
_STEMMED = ("title", "abstract")


class ReadOnlyIndexError(RuntimeError):
    """A write was attempted through a reader opened with `open_reader`."""


class ChangeFeed(Protocol):
    """What the index needs from the catalog (Catalog implements it)."""

    def iter_changed(self, after_seq: int = 0, page_size: int = 1000) -> Iterator[Paper]: ...


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """BM25 boosts per field. Equal boosts still make a title match count most per word:
    BM25's length normalisation scores a hit in a 10-word title far above one in a 200-word
    abstract. An extra 2x title boost measured worse on SciFact (nDCG@10 0.623 vs 0.676)."""

    title: float = 1.0
    abstract: float = 1.0
    authors: float = 1.0

    def of(self, field: str) -> float:
        if field == "words":  # the unstemmed prefix field holds title and abstract words
            return self.abstract
        return float(getattr(self, field))


@dataclass(frozen=True, slots=True)
class KeywordHit:
    id: str
    score: float


Highlights = dict[str, list[dict[str, str]]]


# sharing_words() leaves out words in more than this share of the papers (counting a title
# and an abstract each), or keeps the rarest few when a title has nothing else.
COMMON_WORD_SHARE = 0.2
FALLBACK_RARE_WORDS = 3


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("abstract", tokenizer_name="en_stem")
    builder.add_text_field("authors", tokenizer_name="default")  # names are not stemmed
    # Title + abstract unstemmed, for prefixes only: `segmentat*` cannot match the stem
    # "segment". No positions or frequencies needed, so it stays small.
    builder.add_text_field("words", tokenizer_name="default", index_option="basic")
    builder.add_text_field("categories", tokenizer_name="raw")
    builder.add_text_field("primary_category", tokenizer_name="raw")
    # Dates as proleptic ordinals: exact integer ranges, no time-zone questions.
    builder.add_integer_field("submitted", indexed=True, fast=True)
    builder.add_integer_field("listed_on", indexed=True, fast=True)
    builder.add_boolean_field("has_code", indexed=True, fast=True)
    builder.add_integer_field("upvotes", indexed=True, fast=True)
    builder.add_float_field("trending", fast=True)  # 0.0 until the community scores exist
    return builder.build()


class KeywordIndex:
    """One index directory, opened either as its single writer or as a reader."""

    def __init__(self, directory: Path, writable: bool, weights: FieldWeights) -> None:
        self.directory = directory
        self.writable = writable
        self.weights = weights
        self.schema = _schema()
        self._files = IndexDirectory(directory)
        self._writer: tantivy.IndexWriter | None = None
        self._generation = ""
        self._applied_seq = 0
        self._index: tantivy.Index

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, directory: str | Path, weights: FieldWeights | None = None) -> KeywordIndex:
        """Open (creating if needed) as the writer; IndexLockedError if another one holds it."""
        index = cls(Path(directory), True, weights or FieldWeights())
        index._files.lock()
        try:
            name = index._files.current()
            if name is None or index._files.read_meta(name)[0] != SCHEMA_VERSION:
                name = index._files.new_generation()  # first run or an old schema: start empty
                index._open_generation(name)
                index.commit()
                index._files.swap_to(name)
            else:
                index._open_generation(name)
        except BaseException:
            index.close()
            raise
        return index

    @classmethod
    def open_reader(
        cls, directory: str | Path, weights: FieldWeights | None = None
    ) -> KeywordIndex:
        """Open read-only; FileNotFoundError until a writer has created the index."""
        index = cls(Path(directory), False, weights or FieldWeights())
        name = index._files.current()
        if name is None:
            raise FileNotFoundError(
                f"no keyword index in {index.directory}; build it with `paperwire index rebuild`"
            )
        index._open_generation(name)
        return index

    def close(self) -> None:
        self._writer = None  # dropping the tantivy writer releases its own lock file
        self._files.unlock()

    def __enter__(self) -> KeywordIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def applied_seq(self) -> int:
        """The catalog change_seq this index has applied up to (the sync watermark)."""
        return self._applied_seq

    @property
    def generation(self) -> str:
        return self._generation

    def reload(self) -> None:
        """See the latest commit, or switch to a generation a rebuild swapped in."""
        name = self._files.current()
        if name is not None and name != self._generation:
            with contextlib.suppress(FileNotFoundError, OSError, ValueError):
                self._open_generation(name)
                return
        self._index.reload()
        self._applied_seq = self._files.read_meta(self._generation)[1]

    # -- writing -------------------------------------------------------------------

    def add(self, papers: Iterable[Paper]) -> int:
        """Upsert: any older copy of each paper is deleted first. Visible after commit()."""
        writer = self._require_writer()
        added = 0
        for paper in papers:
            writer.delete_documents_by_term("id", paper.id)
            writer.add_document(_document(paper))
            added += 1
        return added

    def delete(self, ids: Iterable[str]) -> int:
        writer = self._require_writer()
        count = 0
        for paper_id in ids:
            writer.delete_documents_by_term("id", paper_id)
            count += 1
        return count

    def commit(self, applied_seq: int | None = None) -> None:
        """Make changes durable and visible; record the watermark only after tantivy's commit."""
        self._require_writer().commit()
        if applied_seq is not None:
            self._applied_seq = max(self._applied_seq, applied_seq)
        self._files.write_meta(self._generation, SCHEMA_VERSION, self._applied_seq)
        self._index.reload()

    def sync(self, catalog: ChangeFeed, on_progress: Callable[[int], None] | None = None) -> int:
        """Apply every paper changed since `applied_seq`; returns how many were applied."""
        self._require_writer()
        return _apply(self, catalog.iter_changed(self._applied_seq), on_progress)

    def rebuild(self, catalog: ChangeFeed, on_progress: Callable[[int], None] | None = None) -> int:
        """Build a fresh generation from the whole catalog, then swap it in atomically."""
        self._require_writer()
        old = self._generation
        name = self._files.new_generation()
        self._writer = None
        try:
            self._open_generation(name)
            # Change order (not id order): a paper changed mid-rebuild is met again later.
            applied = _apply(self, catalog.iter_changed(0), on_progress)
        except BaseException:
            self._open_generation(old)
            self._files.remove_generations(keep={old})
            raise
        self._files.swap_to(name)
        # The previous generation stays one round so a reader mid-reload can still open it.
        self._files.remove_generations(keep={old, name})
        return applied

    # -- reading -------------------------------------------------------------------

    def count(self) -> int:
        return int(self._index.searcher().num_docs)

    def search(
        self, parsed: ParsedQuery, limit: int = 10, filters: SearchFilters | None = None
    ) -> list[KeywordHit]:
        """BM25 top `limit`, best first (ties by id); [] for an empty query."""
        query = self._build_query(parsed, filters)
        if query is None or limit <= 0:
            return []
        return self._top(query, limit)

    def sharing_words(self, words: Iterable[str], limit: int) -> list[KeywordHit]:
        """The papers whose titles and abstracts best match `words` (BM25, any of them):
        "related papers" before a paper has a vector. Authors are left out: a title's
        words that happen to be someone's name say nothing about the topic."""
        terms = list(dict.fromkeys(word for word in words if word))
        if not terms or limit <= 0:
            return []
        fields = ("title", "abstract")
        searcher = self._index.searcher()
        frequency = {
            word: sum(searcher.doc_freq(field, _analyze(field, word)) for field in fields)
            for word in terms
        }
        # A word in more than a fifth of the papers ("model", "for", "learning") says little
        # about a topic (BM25 weighs it least) and costs the most: its postings are the
        # longest, and they would be read to the end (at 1 M papers, 57 -> 0.4 ms a query).
        common = COMMON_WORD_SHARE * searcher.num_docs
        kept = [word for word in terms if frequency[word] <= common]
        kept = kept or sorted(terms, key=frequency.__getitem__)[:FALLBACK_RARE_WORDS]
        query = Query.boolean_query(
            [(Occur.Should, self._term(field, word)) for word in kept for field in fields]
        )
        return self._top(query, limit)

    def _top(self, query: Query, limit: int) -> list[KeywordHit]:
        searcher = self._index.searcher()
        result = searcher.search(query, min(limit, 10_000), count=False)
        hits = [KeywordHit(searcher.doc(address)["id"][0], score) for score, address in result.hits]
        return sorted(hits, key=lambda hit: (-hit.score, hit.id))

    def highlights(self, parsed: ParsedQuery, paper: Paper) -> Highlights:
        """HF's highlightedTitle/highlightedSummary shape: the whole title, marked, and an
        abstract snippet around the best matches (its start when nothing matches)."""
        return self.highlighter(parsed)(paper)

    def highlighter(self, parsed: ParsedQuery) -> Callable[[Paper], Highlights]:
        """highlights() for many papers of one query: the query's terms and tantivy's
        snippet generators are made once, not once per paper (a page has twenty)."""
        searcher = self._index.searcher()
        words = list(parsed.highlight_words())
        for prefix in (*parsed.prefixes, *(f.words[-1] for f in parsed.fielded if f.prefix)):
            found = searcher.terms_with_prefix("words", prefix, limit=PREFIX_EXPANSIONS)
            words += [term for term, _ in found]
        generators: dict[str, tantivy.SnippetGenerator | None] = {}

        def generator(field: str) -> tantivy.SnippetGenerator | None:
            if field not in generators:
                terms = list(dict.fromkeys(_analyze(field, word) for word in words))
                generators[field] = None
                if terms:
                    query = Query.term_set_query(self.schema, field, terms)
                    generators[field] = tantivy.SnippetGenerator.create(
                        searcher, query, self.schema, field
                    )
            return generators[field]

        def marked(field: str, text: str, max_chars: int) -> list[dict[str, str]]:
            """Text split into {"type": "text"|"highlight", "text"} runs around the words."""
            snippet = None
            maker = generator(field) if text else None
            if maker is not None:
                maker.set_max_num_chars(max_chars)
                snippet = maker.snippet_from_doc(tantivy.Document(**{field: text}))
            if snippet is None or not snippet.highlighted():
                return [{"type": "text", "text": _shorten(text, max_chars)}] if text else []
            return _completed(_runs(snippet), text, whole=field == "title")

        def highlights(paper: Paper) -> Highlights:
            title = paper.title.strip()
            abstract = paper.abstract.strip()
            return {
                "title": marked("title", title, len(title) + 1),
                "summary": marked("abstract", abstract, SUMMARY_CHARS),
            }

        return highlights

    # -- query building ------------------------------------------------------------

    def _build_query(self, parsed: ParsedQuery, filters: SearchFilters | None) -> Query | None:
        text_fields = ("title", "abstract", "authors")
        # One flat union of (word, field) term queries rather than a union of per-word
        # unions: the score is the same sum, but only a flat union of terms lets tantivy
        # skip documents that cannot reach the top (block-max WAND), 2-3x faster per query.
        should = [
            (Occur.Should, self._term(field, word))
            for word in parsed.terms
            for field in text_fields
        ]
        should += [
            (Occur.Should, self._prefix(("words", "authors"), prefix)) for prefix in parsed.prefixes
        ]
        must = [self._words(text_fields, phrase) for phrase in parsed.phrases]
        for fielded in parsed.fielded:
            field = "authors" if fielded.field == "author" else fielded.field
            if fielded.prefix:
                must.append(self._prefix((field,), fielded.words[-1], fielded.words[:-1]))
            else:
                must.append(self._words((field,), fielded.words))
        constraints = [self._categories(parsed.categories)] if parsed.categories else []
        if parsed.ids:
            constraints.append(Query.term_set_query(self.schema, "id", list(parsed.ids)))
        constraints += self._filters(filters or SearchFilters())
        if not (should or must or parsed.categories or parsed.ids):
            return None
        if should and not (must or constraints or parsed.excluded):
            return Query.boolean_query(should)  # plain words: keep the union flat
        clauses = [(Occur.Must, q) for q in must]
        if should:  # free words: optional beside a phrase or fielded term, else required
            free = Query.boolean_query(should)
            clauses.append((Occur.Should if must else Occur.Must, free))
        # Filters select but do not score, so a `cat:` never reorders the BM25 ranking.
        clauses += [(Occur.Must, Query.const_score_query(q, 0.0)) for q in constraints]
        clauses += [(Occur.MustNot, self._words(text_fields, words)) for words in parsed.excluded]
        return Query.boolean_query(clauses)

    def _term(self, field: str, word: str) -> Query:
        """One word in one field, its score boosted by the field's weight."""
        query = Query.term_query(self.schema, field, _analyze(field, word))
        return Query.boost_query(query, self.weights.of(field))

    def _words(self, fields: Iterable[str], words: tuple[str, ...]) -> Query:
        """A word or phrase in any of `fields`, each field's score boosted by its weight."""
        per_field = []
        for field in fields:
            terms = [_analyze(field, word) for word in words]
            if len(terms) == 1:
                query = Query.term_query(self.schema, field, terms[0])
            else:  # tantivy panics on a one-word phrase, so only real phrases get here
                query = Query.phrase_query(self.schema, field, list(terms))
            per_field.append((Occur.Should, Query.boost_query(query, self.weights.of(field))))
        return Query.boolean_query(per_field)

    def _prefix(self, fields: Iterable[str], prefix: str, before: tuple[str, ...] = ()) -> Query:
        per_field = []
        for field in fields:
            # A stemmed field holds "segment", not "segmentation": match either spelling.
            for stem in dict.fromkeys((prefix, _analyze(field, prefix))):
                words: list[str | tuple[int, str]] = [_analyze(field, w) for w in before]
                query = Query.phrase_prefix_query(self.schema, field, [*words, stem])
                per_field.append((Occur.Should, Query.boost_query(query, self.weights.of(field))))
        return Query.boolean_query(per_field)

    def _categories(self, categories: Iterable[str]) -> Query:
        options = []
        for category in categories:
            options.append((Occur.Should, Query.term_query(self.schema, "categories", category)))
            if "." not in category:  # an archive: `cs` means cs.CV, cs.LG, ...
                pattern = _regex_escape(category) + r"\..*"
                regex = Query.regex_query(self.schema, "categories", pattern)
                options.append((Occur.Should, regex))
        return Query.boolean_query(options)

    def _filters(self, filters: SearchFilters) -> list[Query]:
        found: list[Query] = []
        integer = tantivy.FieldType.Integer
        for field, low, high in (
            ("submitted", filters.submitted_from, filters.submitted_to),
            ("listed_on", filters.listed_from, filters.listed_to),
        ):
            if low is not None or high is not None:
                low_day = low.toordinal() if low else None
                high_day = high.toordinal() if high else None
                found.append(Query.range_query(self.schema, field, integer, low_day, high_day))
        if filters.categories:
            found.append(self._categories(filters.categories))
        if filters.has_code is not None:
            found.append(Query.term_query(self.schema, "has_code", filters.has_code))
        if filters.min_upvotes:
            found.append(Query.range_query(self.schema, "upvotes", integer, filters.min_upvotes))
        return found

    # -- files and generations -----------------------------------------------------

    def _require_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise ReadOnlyIndexError(f"keyword index {self.directory} is open read-only")
        return self._writer

    def _open_generation(self, name: str) -> None:
        index = tantivy.Index(self.schema, str(self._files.path(name)), reuse=True)
        self._writer = None  # tantivy allows one writer per directory, even in-process
        if self.writable:
            self._writer = index.writer(WRITER_HEAP, min(4, os.cpu_count() or 1))
        else:
            index.config_reader("Manual")  # readers move only when reload() says so
        self._index, self._generation = index, name
        self._applied_seq = self._files.read_meta(name)[1]


def _apply(
    index: KeywordIndex, papers: Iterator[Paper], on_progress: Callable[[int], None] | None
) -> int:
    applied, batch, seq = 0, 0, index.applied_seq
    for paper in papers:
        index.add([paper])
        applied, batch, seq = applied + 1, batch + 1, max(seq, paper.change_seq)
        if batch >= SYNC_BATCH:
            index.commit(seq)
            batch = 0
            if on_progress is not None:
                on_progress(applied)
    index.commit(seq)
    if on_progress is not None:
        on_progress(applied)
    return applied


def _document(paper: Paper) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", paper.id)
    doc.add_text("title", paper.title)
    doc.add_text("abstract", paper.abstract)
    doc.add_text("words", f"{paper.title}\n{paper.abstract}")
    for author in paper.authors:
        doc.add_text("authors", author)
    for category in paper.categories:
        doc.add_text("categories", category.lower())
    if paper.categories:  # arXiv lists the primary category first
        doc.add_text("primary_category", paper.categories[0].lower())
    if paper.submitted is not None:
        doc.add_integer("submitted", paper.submitted.toordinal())
    if paper.listed_on is not None:
        doc.add_integer("listed_on", paper.listed_on.toordinal())
    doc.add_boolean("has_code", bool(paper.links_of("code")))
    doc.add_integer("upvotes", _as_int(paper.extras.get("upvotes", 0)))
    doc.add_float("trending", 0.0)
    return doc


def _runs(snippet: tantivy.Snippet) -> list[dict[str, str]]:
    fragment = snippet.fragment().encode()  # tantivy's ranges are UTF-8 byte offsets
    runs: list[dict[str, str]] = []
    position = 0
    for marked in snippet.highlighted():
        if marked.start > position:
            runs.append({"type": "text", "text": fragment[position : marked.start].decode()})
        runs.append({"type": "highlight", "text": fragment[marked.start : marked.end].decode()})
        position = marked.end
    if position < len(fragment):
        runs.append({"type": "text", "text": fragment[position:].decode()})
    return runs


def _completed(runs: list[dict[str, str]], text: str, *, whole: bool) -> list[dict[str, str]]:
    """Put back what tantivy's fragment cut off at token boundaries: the rest of the text
    for a title (`whole`), else the rest of the first and last words ("(revisited)", a
    closing "}$" that KaTeX needs)."""
    fragment = "".join(run["text"] for run in runs)
    start = text.find(fragment)
    if start < 0 or not fragment:
        return runs
    end = start + len(fragment)
    if whole:
        head, tail = text[:start], text[end:]
    else:
        head_cut = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
        tail_cut = min(
            (i for i in (text.find(" ", end), text.find("\n", end)) if i >= 0), default=len(text)
        )
        head, tail = text[head_cut:start], text[end:tail_cut]
    completed = list(runs)
    if head:
        completed.insert(0, {"type": "text", "text": head})
    if tail:
        completed.append({"type": "text", "text": tail})
    return _merged(completed)


def _merged(runs: list[dict[str, str]]) -> list[dict[str, str]]:
    merged: list[dict[str, str]] = []
    for run in runs:
        if merged and merged[-1]["type"] == run["type"]:
            merged[-1] = {"type": run["type"], "text": merged[-1]["text"] + run["text"]}
        else:
            merged.append(run)
    return merged


def _analyze(field: str, word: str) -> str:
    if field in _STEMMED:
        stems = _STEMMER.analyze(word)
        return stems[0] if stems else word
    return word


def _shorten(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars].rsplit(" ", 1)[0]
    return cut or text[:max_chars]


def _regex_escape(text: str) -> str:
    # tantivy's regex syntax: escape everything that is not a letter or digit.
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)


def _as_int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
