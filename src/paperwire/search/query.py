"""The user's query string, parsed into a structure the indexes can search with.

`parse_query` never raises: whatever a user types (stray quotes, `*`, `^`, brackets,
emoji, 10,000 characters) becomes a ParsedQuery, possibly an empty one. Syntax:

    words                  free terms, scored with BM25 over title, abstract and authors
    "exact phrase"         must match as a phrase (an unclosed quote runs to the end)
    trans*                 prefix term
    -word / -"a phrase"    exclude papers containing it
    author:name  author:"First Last"  title:word  abstract:"a phrase"
    cat:cs.CV  cat:hep-th  cat:cs      category (an archive without a dot matches all of it)
    id:2403.01234                      a paper id (arXiv id, version ignored, or slug)

Anything else (AND/OR/NOT/NEAR, `^2`, brackets, unknown `field:`) is plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

from paperwire.catalog.ids import parse_arxiv_id

MAX_QUERY_CHARS = 1000  # a pasted abstract still fits; 10 kB of junk is cut, not scanned
MAX_CLAUSES = 64  # BM25 cost grows with terms; nobody means the 65th word
MIN_PREFIX_CHARS = 2  # `a*` would expand to half the vocabulary and mean nothing

# The index's own tokenizer chain (tantivy's "default": split on non-alphanumerics,
# drop tokens over 40 bytes, lowercase), so query words are exactly the indexed words.
# Stemming is applied per field by the index, not here.
_ANALYZER = (
    TextAnalyzerBuilder(Tokenizer.simple())
    .filter(Filter.remove_long(40))
    .filter(Filter.lowercase())
    .build()
)

_FIELD_ALIASES = {
    "author": "author",
    "authors": "author",
    "au": "author",
    "title": "title",
    "ti": "title",
    "abstract": "abstract",
    "abs": "abstract",
}
_CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[a-z][a-z-]*)?")
_CLAUSE = re.compile(
    r"""(?P<neg>-)?
        (?:(?P<field>[A-Za-z]+):)?
        (?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))""",
    re.VERBOSE,
)


class QueryError(ValueError):
    """An invalid structured filter (API/CLI argument): HTTP 400 or a clear CLI error."""


@dataclass(frozen=True, slots=True)
class FieldedTerm:
    """Words restricted to one text field; several words form a phrase."""

    field: str  # "author" | "title" | "abstract"
    words: tuple[str, ...]
    prefix: bool = False  # the last word is a prefix (`author:smi*`)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    raw: str = ""
    terms: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefixes: tuple[str, ...] = ()
    fielded: tuple[FieldedTerm, ...] = ()
    categories: tuple[str, ...] = ()  # lowercased, e.g. "cs.cv", "hep-th", "cs"
    ids: tuple[str, ...] = ()
    excluded: tuple[tuple[str, ...], ...] = ()  # words or phrases that must not match

    @property
    def is_empty(self) -> bool:
        """True when nothing positive is asked for (exclusions alone select nothing)."""
        return not (
            self.terms
            or self.phrases
            or self.prefixes
            or self.fielded
            or self.categories
            or self.ids
        )

    def highlight_words(self) -> tuple[str, ...]:
        """Every positive word worth marking in a title or abstract, without duplicates."""
        words = [*self.terms, *(w for p in self.phrases for w in p)]
        words += [w for f in self.fielded if f.field != "author" for w in f.words]
        return tuple(dict.fromkeys(words))


def tokenize(text: str) -> list[str]:
    """Split and lowercase text exactly as the keyword index does (Unicode-aware)."""
    return [token for token in _ANALYZER.analyze(_clean(text)) if token]


def parse_query(text: str) -> ParsedQuery:
    """Parse what a user typed; never raises, whatever the input."""
    raw = _clean(text)[:MAX_QUERY_CHARS]
    builder = _Builder()
    for match in _CLAUSE.finditer(raw):
        if builder.full():
            break
        builder.add(match)
    return builder.build(raw)


class _Builder:
    def __init__(self) -> None:
        self.terms: list[str] = []
        self.phrases: list[tuple[str, ...]] = []
        self.prefixes: list[str] = []
        self.fielded: list[FieldedTerm] = []
        self.categories: list[str] = []
        self.ids: list[str] = []
        self.excluded: list[tuple[str, ...]] = []

    def full(self) -> bool:
        parts: list[list[Any]] = [self.terms, self.phrases, self.prefixes, self.fielded]
        parts += [self.categories, self.ids, self.excluded]
        return sum(len(part) for part in parts) >= MAX_CLAUSES

    def add(self, match: re.Match[str]) -> None:
        negated = match.group("neg") is not None
        field = (match.group("field") or "").lower()
        quoted = match.group("quoted")
        value = quoted if quoted is not None else match.group("bare") or ""
        if field and field not in _FIELD_ALIASES and field not in ("cat", "category", "id"):
            # An unknown `field:` (or a URL's `https:`) is just text.
            value, field = f"{match.group('field')} {value}", ""
        if field in ("cat", "category"):
            self._add_category(value, negated)
        elif field == "id":
            self._add_id(value)
        elif field:
            self._add_fielded(_FIELD_ALIASES[field], value, quoted is not None, negated)
        else:
            self._add_free(value, quoted is not None, negated)

    def _add_free(self, value: str, quoted: bool, negated: bool) -> None:
        prefix = not quoted and value.endswith("*")
        words = tokenize(value)
        if not words:
            return
        if negated:
            self.excluded.append(tuple(words))
        elif quoted and len(words) > 1:
            self.phrases.append(tuple(words))
        elif prefix and len(words[-1]) >= MIN_PREFIX_CHARS:
            self.terms.extend(words[:-1])
            self.prefixes.append(words[-1])
        else:
            # Unquoted compounds (`encoder-decoder`, `x-ray`) count as separate words: BM25
            # still ranks the adjacent pair first without making the pair mandatory.
            self.terms.extend(words)

    def _add_fielded(self, field: str, value: str, quoted: bool, negated: bool) -> None:
        words = tuple(tokenize(value))
        if not words or negated:
            # A negated fielded term is rare; treating it as a plain exclusion is close enough.
            if words:
                self.excluded.append(words)
            return
        prefix = not quoted and value.endswith("*") and len(words[-1]) >= MIN_PREFIX_CHARS
        self.fielded.append(FieldedTerm(field, words, prefix))

    def _add_category(self, value: str, negated: bool) -> None:
        category = value.strip().lower()
        if _CATEGORY.fullmatch(category) and not negated:
            self.categories.append(category)
        else:  # not a category name: keep the words rather than silently dropping them
            self._add_free(value, quoted=False, negated=negated)

    def _add_id(self, value: str) -> None:
        value = value.strip()
        parsed = parse_arxiv_id(value)
        if parsed is not None:
            self.ids.append(parsed[0])
        elif value:
            self.ids.append(value.lower())  # a slug id (HF listing papers without arXiv ids)

    def build(self, raw: str) -> ParsedQuery:
        return ParsedQuery(
            raw=raw,
            terms=tuple(dict.fromkeys(self.terms)),
            phrases=tuple(dict.fromkeys(self.phrases)),
            prefixes=tuple(dict.fromkeys(self.prefixes)),
            fielded=tuple(dict.fromkeys(self.fielded)),
            categories=tuple(dict.fromkeys(self.categories)),
            ids=tuple(dict.fromkeys(self.ids)),
            excluded=tuple(dict.fromkeys(self.excluded)),
        )


def _clean(text: str) -> str:
    # Lone surrogates (possible from JSON `\ud800`) cannot cross into Rust: replace them.
    return str(text).encode("utf-8", "replace").decode("utf-8")
