"""How a paper reads in brief: author lists and excerpts."""

from __future__ import annotations

from paperwire.catalog.display import excerpt, short_authors


def test_short_authors_keeps_three_and_counts_the_rest() -> None:
    assert short_authors([]) == ""
    assert short_authors(["A"]) == "A"
    assert short_authors(["A", "B", "C", "D"]) == "A, B, C, D"
    assert short_authors(["A", "B", "C", "D", "E"]) == "A, B, C et al. (+2)"


def test_excerpt_cuts_at_a_word_and_never_inside_math() -> None:
    assert excerpt("Short\n\nabstract.") == "Short abstract."
    text = "word " * 100
    cut = excerpt(text, 42)
    assert cut.endswith("…") and len(cut) <= 43 and "wor…" not in cut
    math = "We bound " + "x " * 20 + "by $O(n^2 \\log n)$ and more words follow here"
    cut = excerpt(math, 52)
    assert cut.count("$") % 2 == 0
    assert cut.endswith("…")
