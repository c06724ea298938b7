"""Paper ids: arXiv ids in every spelling people paste, slugs for papers without one."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperwire.catalog.ids import (
    could_be_id,
    is_arxiv_id,
    normalise_title,
    parse_arxiv_id,
    slug_for_title,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # new style: 4 digits until 1412, 5 from 1501; the version is kept apart
        ("2403.01234", ("2403.01234", None)),
        ("2403.01234v2", ("2403.01234", 2)),
        ("2403.01234v12", ("2403.01234", 12)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.9999v3", ("1412.9999", 3)),
        # old style; a subject-class alias is dropped as arXiv does
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.AG/0601001", ("math/0601001", None)),
        ("cond-mat/0102536v1", ("cond-mat/0102536", 1)),
        # prefixes and surrounding blanks
        ("arXiv:2403.01234v3", ("2403.01234", 3)),
        ("ARXIV:2403.01234", ("2403.01234", None)),
        ("arXiv:hep-th/9901001", ("hep-th/9901001", None)),
        ("  2403.01234\n", ("2403.01234", None)),
    ],
)
def test_ids_with_and_without_versions(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2403.01234", ("2403.01234", None)),
        ("https://arxiv.org/abs/2403.01234v2", ("2403.01234", 2)),
        ("http://www.arxiv.org/abs/2403.01234/", ("2403.01234", None)),
        ("https://export.arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("https://arxiv.org/abs/math.AG/0601001", ("math/0601001", None)),
        ("https://arxiv.org/pdf/2403.01234", ("2403.01234", None)),
        ("https://arxiv.org/pdf/2403.01234v2.pdf", ("2403.01234", 2)),
        ("https://arxiv.org/pdf/hep-th/9901001.pdf", ("hep-th/9901001", None)),
        ("https://arxiv.org/html/2403.01234v1", ("2403.01234", 1)),
        ("arxiv.org/abs/2403.01234?context=cs#section", ("2403.01234", None)),
        ("HTTPS://ARXIV.ORG/ABS/2403.01234", ("2403.01234", None)),
        ("https://huggingface.co/papers/2403.01234", ("2403.01234", None)),
        ("https://hf.co/papers/2403.01234v2", ("2403.01234", 2)),
    ],
)
def test_abs_pdf_and_hf_paper_urls(url: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(url) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "2413.01234",  # month 13
        "2400.01234",  # month 0
        "2403.123456",  # six digits
        "2403.123",
        "2403.01234v",  # a version marker without a number
        "2403-01234",
        "hep-th/990100",  # old style has 7 digits
        "hep-th/99010011",
        "hep_th/9901001",
        "HEP-TH9901001",
        "https://example.org/abs/2403.01234",  # another site's URL
        "https://arxiv.org/list/cs.LG/recent",
        "arXiv:",
        "a-study-of-things",  # a slug
        "2403.01234 and 2403.01235",
        "2403.01234\r\nX-Injected: yes",  # CR/LF never smuggles anything along
        "2403.01234\x00",
        "2403.01234\u202e",
        "<script>2403.01234</script>",
    ],
)
def test_anything_else_is_not_an_id(text: str) -> None:
    assert parse_arxiv_id(text) is None
    assert not is_arxiv_id(text)


@pytest.mark.parametrize(
    "text",
    [
        "1" * 1_000_000,
        "a" * 1_000_000,
        "a-" * 500_000,
        "arXiv:" * 200_000,
        "https://arxiv.org/abs/" + "a" * 1_000_000,
        "hep-th/" + "9" * 1_000_000,
        "2403." + "1" * 1_000_000,
    ],
    ids=["digits", "letters", "dashes", "prefixes", "url", "old-style", "new-style"],
)
def test_huge_strings_are_refused_quickly(text: str) -> None:
    started = time.perf_counter()
    assert parse_arxiv_id(text) is None
    assert time.perf_counter() - started < 2.0  # linear: ~0.2 s per MB at worst here


@pytest.mark.parametrize("text", ["٢٤٠٣.٠١٢٣٤", "２４０３.０１２３４", "hep-th/٩٩٠١٠٠١"])
def test_unicode_digits_are_not_an_arxiv_id(text: str) -> None:
    parsed = parse_arxiv_id(text)
    assert parsed is None or parsed[0].isascii()


@pytest.mark.parametrize("text", ["2403.1234", "0704.00001"])
def test_digit_count_follows_the_numbering_era(text: str) -> None:
    assert parse_arxiv_id(text) is None


def test_is_arxiv_id_means_already_normalised() -> None:
    assert is_arxiv_id("2403.01234")
    assert is_arxiv_id("hep-th/9901001")
    assert not is_arxiv_id("2403.01234v2")  # versions are kept apart
    assert not is_arxiv_id("arXiv:2403.01234")
    assert not is_arxiv_id("math.AG/0601001")  # stored as math/0601001
    assert not is_arxiv_id("https://arxiv.org/abs/2403.01234")
    assert not is_arxiv_id(" 2403.01234")


def test_normalise_title_folds_case_accents_and_punctuation() -> None:
    assert normalise_title("Attention Is All You Need!") == "attention is all you need"
    assert normalise_title("Über  Café:\tnaïve Bayes") == "uber cafe naive bayes"
    assert normalise_title("$\\alpha$-NeRF (v2)") == "alpha nerf v2"
    assert normalise_title("Ⅳ: the ﬁnal") == "iv the final"  # compatibility forms
    assert normalise_title("???") == ""
    assert normalise_title("A\u200bB") == "ab"  # invisible: it joins what it sits between


@pytest.mark.parametrize("dash", ["\u2013", "\u2014", "\u2010"])
def test_any_dash_separates_words_like_a_hyphen(dash: str) -> None:
    assert normalise_title(f"Self{dash}Supervised Learning") == "self supervised learning"


def test_slug_is_the_normalised_title_with_dashes() -> None:
    assert slug_for_title("Attention Is All You Need!") == "attention-is-all-you-need"
    assert slug_for_title("Über Café: α-NeRF") == "uber-cafe-nerf"
    assert slug_for_title("Attention is all you need") == slug_for_title(
        "ATTENTION: Is All You Need"
    )


def test_long_titles_are_cut_and_get_a_hash_suffix() -> None:
    stem = "a very long title about segmentation " * 4
    first, second = slug_for_title(stem + "of organs"), slug_for_title(stem + "of cells")
    assert first != second  # a shared long prefix still gives two slugs
    for slug in (first, second):
        assert re.fullmatch(r"[a-z0-9-]{1,80}-[0-9a-f]{8}", slug), slug
    assert slug_for_title(stem + "of organs") == first  # deterministic
    exactly = "x" * 80
    assert slug_for_title(exactly) == exactly


def test_titles_without_words_get_a_distinct_slug() -> None:
    nothing, other = slug_for_title("???"), slug_for_title("!!!")
    assert re.fullmatch(r"untitled-[0-9a-f]{8}", nothing)
    assert nothing != other
    # A title that is literally "Untitled" is hashed too, so it never takes the bare name.
    assert slug_for_title("Untitled").startswith("untitled-")


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_a_slug_never_looks_like_an_arxiv_id(title: str) -> None:
    slug = slug_for_title(title)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug), slug
    assert len(slug) <= 80 + 9
    assert parse_arxiv_id(slug) is None


def test_could_be_id_refuses_what_no_paper_id_holds() -> None:
    for fine in ("2403.01234", "hep-th/9901001", "a-listing-paper", "x" * 300):
        assert could_be_id(fine)
    for hostile in ("", "x" * 301, "2403.01234\x00", "a\r\nb", "tab\there", "del\x7f"):
        assert not could_be_id(hostile)
