"""The server-side bound on the TeX KaTeX may render: hostile nesting, unbalanced input,
huge formulas and macro definitions show as source; ordinary math still renders."""

from __future__ import annotations

import time

import pytest

from paperwire.web import math_guard
from paperwire.web.math_guard import MAX_DEPTH, MAX_FORMULA_CHARS, check, renders_safely, tex_class

BOMB = "$x" + "^{x" * 150 + "}" * 150 + "$"  # 150 nested superscripts


@pytest.mark.parametrize(
    "text",
    [
        "Plain title without math",
        r"Measurement of $\alpha$ from $B\to\pi\pi$ decays",
        r"A bound \(\sum_{i=1}^{n} x_i^{2}\) and \[\frac{a}{b}\]",
        r"Price is 5\$ and $$e^{i\pi}+1=0$$",
        "Unmatched {braces but no dollar",
        "$" + "{" * MAX_DEPTH + "x" + "}" * MAX_DEPTH + "$",
    ],
)
def test_ordinary_math_renders(text: str) -> None:
    assert renders_safely(text)
    assert tex_class(text) == "tex"


def test_the_nesting_bomb_shows_as_source() -> None:
    result = check(BOMB)
    assert result.has_math and result.depth == 150 and not result.safe
    assert tex_class(BOMB) == ""
    assert not renders_safely("A harmless prefix " + BOMB + " and a tail")


@pytest.mark.parametrize(
    "text",
    [
        "$" + "{" * (MAX_DEPTH + 1) + "x" + "}" * (MAX_DEPTH + 1) + "$",
        "\\(" + "\\left(" * 40 + "x" + "\\right)" * 40 + "\\)",
        "$" + "\\begin{matrix}" * 20 + "x" + "\\end{matrix}" * 20 + "$",
        "$" + "\\sqrt[" * 20 + "x" + "]{y}" * 20 + "$",
        "\\[" + "a_{" * 30 + "}" * 30 + "\\]",
    ],
)
def test_every_kind_of_nesting_counts(text: str) -> None:
    assert check(text).depth > MAX_DEPTH
    assert not renders_safely(text)


def test_unbalanced_openers_still_count() -> None:
    # Never closed: auto-render may still find a formula in a piece of the text.
    unclosed = "$ {" + " x^{" * 40 + " $"
    assert not renders_safely(unclosed)
    # Stray closers first cannot pay for later openers.
    assert check("}" * 100 + "$" + "{" * 20 + "$").depth == 20


def test_a_split_text_cannot_hide_depth() -> None:
    # The whole text's first formula never closes (an open brace), so auto-render over the
    # whole text finds nothing; a highlight splitting the node would expose the bomb.
    text = "$ { " + BOMB
    assert not renders_safely(text)


def test_escaped_braces_do_not_nest() -> None:
    text = "$" + "\\{" * 100 + "x" + "\\}" * 100 + "$"
    assert check(text).depth == 0
    assert renders_safely(text)


def test_a_huge_formula_shows_as_source() -> None:
    long_formula = "$" + "x+" * MAX_FORMULA_CHARS + "$"
    result = check(long_formula)
    assert result.longest_formula > MAX_FORMULA_CHARS and not result.safe
    assert renders_safely("$" + "x" * MAX_FORMULA_CHARS + "$")


def test_unclosed_formula_counts_its_rest_as_length() -> None:
    assert not renders_safely("$" + "x" * (MAX_FORMULA_CHARS + 1))


@pytest.mark.parametrize(
    "macro", [r"\def\a{x}", r"\gdef\a{x}", r"\newcommand{\a}{x}", r"\let\a\b", r"\global\def\a{}"]
)
def test_macro_definitions_show_as_source(macro: str) -> None:
    assert not renders_safely(f"${macro}\\a$")
    assert renders_safely(r"$\defect$ is not a definition")  # a longer name is not \def


def test_formulas_split_like_auto_render() -> None:
    assert math_guard.formulas_of(r"a $x$ b $$y$$ \(z\) \[w\]") == ["x", "y", "z", "w"]
    assert math_guard.formulas_of("$a{$}b$ c") == ["a{$}b"]  # a closer inside braces waits


def test_no_text_and_none() -> None:
    assert tex_class(None) == "" and tex_class("") == ""


def test_scanning_is_linear_on_huge_hostile_input() -> None:
    hostile = "$" + "{\\left(\\sqrt[" * 50_000 + "$"
    started = time.monotonic()
    assert not renders_safely(hostile)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "text",
    [
        # arXiv 0704.0200: one `$` missing shifts every pair after it, so prose became math.
        r"from $\Delta\beta_p=1.2\mp 0.6$, \Delta\alpha_n=0.8\pm 1.7$ and $\Delta\beta_n=2.0$ are",
        "An unmatched $ dollar sign and {braces",
        r"$$x$$ and $$y",
        r"$x$ then $this formula is really just a sentence of plain words$",
    ],
)
def test_an_unbalanced_dollar_or_prose_in_math_shows_as_source(text: str) -> None:
    assert tex_class(text) == ""


@pytest.mark.parametrize(
    "text",
    [r"Cost 5\$ and $x$", r"$\text{if and only if every word is here}$", r"$a$ and $b$ are"],
)
def test_balanced_math_with_words_in_text_commands_still_renders(text: str) -> None:
    assert tex_class(text) == "tex"
