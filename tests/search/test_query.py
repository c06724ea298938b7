"""The query parser: structure of each syntax, and no exception for anything a user types."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperwire.search.query import (
    MAX_CLAUSES,
    MAX_QUERY_CHARS,
    FieldedTerm,
    ParsedQuery,
    QueryError,
    parse_query,
    tokenize,
)

HOSTILE = [
    "",
    "   \t\n ",
    '"',
    '"""',
    '"unbalanced quote',
    'a "b" "c',
    "*",
    "**",
    "a*b*",
    "NEAR",
    "foo NEAR/3 bar",
    "^",
    "title^2 encoder^",
    "(",
    ")",
    "((a) OR (b",
    ":",
    "::",
    "author:",
    'author:"',
    "cat:",
    "cat:!!",
    "id:",
    "-",
    "--",
    "-*",
    "AND OR NOT",
    "😀🔬 segmentation 🧠",
    "\x00\x01 nul",
    "\ud800 lone surrogate",
    "https://arxiv.org/abs/2403.01234",
    "x" * 10_000,
    "word " * 2_000,
    '"' * 5_000,
    "a:b:c:d",
    "[1 TO 5]",
    "{a} ~2 /regex/ \\ ;",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_parse(text: str) -> None:
    parsed = parse_query(text)
    assert isinstance(parsed, ParsedQuery)
    assert len(parsed.raw) <= MAX_QUERY_CHARS


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_parses(text: str) -> None:
    assert isinstance(parse_query(text), ParsedQuery)


def test_free_words_are_lowercased_unicode_tokens() -> None:
    parsed = parse_query("Mask2Former ENCODER naïve encoder-decoder")
    assert parsed.terms == ("mask2former", "encoder", "naïve", "decoder")


def test_phrases_prefixes_and_exclusions() -> None:
    parsed = parse_query('"Medical Image Segmentation" trans* -"x ray" -noise "single"')
    assert parsed.phrases == (("medical", "image", "segmentation"),)
    assert parsed.prefixes == ("trans",)
    assert parsed.excluded == (("x", "ray"), ("noise",))
    assert parsed.terms == ("single",)  # a one-word phrase is just a word


def test_unclosed_quote_runs_to_the_end() -> None:
    assert parse_query('graph "neural network').phrases == (("neural", "network"),)


def test_short_prefix_is_a_plain_word() -> None:
    assert parse_query("a*").terms == ("a",)
    assert parse_query("a*").prefixes == ()


def test_fielded_terms() -> None:
    parsed = parse_query('author:"Yann LeCun" au:hinton title:transformer* abs:attention')
    assert parsed.fielded == (
        FieldedTerm("author", ("yann", "lecun")),
        FieldedTerm("author", ("hinton",)),
        FieldedTerm("title", ("transformer",), prefix=True),
        FieldedTerm("abstract", ("attention",)),
    )


def test_categories_and_ids() -> None:
    parsed = parse_query("cat:cs.CV cat:hep-th category:math id:2403.01234v2 id:Some-Slug")
    assert parsed.categories == ("cs.cv", "hep-th", "math")
    assert parsed.ids == ("2403.01234", "some-slug")


def test_unknown_field_and_bad_category_are_text() -> None:
    parsed = parse_query("foo:bar cat:!!x")
    assert parsed.terms == ("foo", "bar", "x")
    assert parsed.categories == ()


def test_limits() -> None:
    assert len(parse_query("w " * 5000).raw) == MAX_QUERY_CHARS
    many = parse_query(" ".join(f"word{i}" for i in range(500)))
    assert len(many.terms) == MAX_CLAUSES


def test_empty_and_exclusion_only_queries_are_empty() -> None:
    assert parse_query("  ").is_empty
    assert parse_query("-noise").is_empty
    assert not parse_query("cat:cs").is_empty


def test_tokenize_matches_the_index() -> None:
    assert tokenize("ParaTransCNN: U-Net's 3D-CT, ÜBER") == [
        "paratranscnn",
        "u",
        "net",
        "s",
        "3d",
        "ct",
        "über",
    ]


def test_query_error_is_a_value_error() -> None:
    assert issubclass(QueryError, ValueError)
