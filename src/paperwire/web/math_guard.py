"""Decides, before a page is sent, whether KaTeX may render the TeX in a text.

KaTeX's own limits (maxExpand, maxSize in static/math.js) bound macro expansion and sizes
but not nesting: about 150 nested superscripts in a 600-character title build a DOM so deep
that the Chromium tab dies, on every page that lists the paper. Titles and abstracts come
from arXiv and from anybody who may submit, so the server checks each text and marks only
the safe ones for rendering; an unsafe text is shown as its (escaped) source.

The check is deliberately an over-estimate of what KaTeX would build:
- Nesting is counted over the whole text, not per formula: the browser renders each text
  node on its own (search highlights split a title into several), and the depth of any
  piece of a text is at most the depth counted over all of it, so no split can hide depth.
- Braces, \\left...\\right, \\begin...\\end and the optional argument of \\sqrt all nest.
- Macro definitions (\\def, \\newcommand, ...) multiply nesting at expansion time, which no
  count of the source can bound: a text that defines macros is never rendered.
- Each formula, as KaTeX's auto-render splits it, must also stay under a length bound.
- Dollars must pair up: with one `$` missing (arXiv 0704.0200) auto-render pairs the rest
  wrongly and sets the prose between two formulas as one math line that cannot wrap (the
  page grew to 2,238 px). An odd count of `$` (or of `$$`) leaves the text as source, and
  so does a formula that holds a run of ordinary words outside \\text{...}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_DEPTH = 12
"""Deepest nesting rendered; real titles and abstracts rarely pass 4."""
MAX_FORMULA_CHARS = 2_000
"""Longest formula rendered; a long one is shown as source rather than laid out."""

# The delimiters math.js gives auto-render, in its order (auto-render tries them in turn).
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_OPENING = re.compile(r"\$\$|\$|\\\(|\\\[")
_MACRO_DEFINITION = re.compile(
    r"\\(?:[gex]?def|let|futurelet|(?:re)?newcommand|providecommand|newenvironment"
    r"|renewenvironment|global|expandafter)(?![A-Za-z])"
)
# A `$` or `$$` that auto-render would take as a delimiter (an escaped \\$ is not one).
_DOLLARS = re.compile(r"\\.|\$\$|\$", re.DOTALL)
# Text commands whose argument is prose on purpose; removed before looking for prose.
_TEXT_COMMANDS = re.compile(
    r"\\(?:text\w*|mathrm|mbox|hbox|operatorname\*?|mathtt|textrm)\s*\{[^{}]*\}"
)
PROSE_WORDS = 5
"""Consecutive plain words in one formula that mark it as prose, not math."""
_PROSE = re.compile(
    r"(?<![\\A-Za-z])(?:[A-Za-z]{2,}[,.;:]?\s+){" + str(PROSE_WORDS - 1) + r"}[A-Za-z]{2,}"
)
_OPENERS = re.compile(r"\\left(?![A-Za-z])|\\begin(?![A-Za-z])|\\sqrt\s*\[")
_CLOSERS = re.compile(r"\\right(?![A-Za-z])|\\end(?![A-Za-z])")


@dataclass(frozen=True, slots=True)
class MathCheck:
    """What the scanner found in one text; `safe` is the only field pages act on."""

    has_math: bool
    depth: int
    longest_formula: int
    defines_macros: bool
    balanced: bool = True  # every `$` and `$$` has its partner
    prose_in_formula: bool = False  # a formula holds a run of plain words

    @property
    def safe(self) -> bool:
        return (
            self.depth <= MAX_DEPTH
            and self.longest_formula <= MAX_FORMULA_CHARS
            and not self.defines_macros
            and self.balanced
            and not self.prose_in_formula
        )


# A list page asks about the same fifty titles and abstracts on every view: remember them
# (the answer depends on the text alone; a few thousand texts are a few MiB).
@lru_cache(maxsize=4096)
def check(text: str) -> MathCheck:
    """Scan `text` once for formulas, their nesting and their length."""
    # Any opening delimiter counts as math: a text node of a split text may close a
    # formula that the whole text leaves open.
    if _OPENING.search(text) is None:
        return MathCheck(has_math=False, depth=0, longest_formula=0, defines_macros=False)
    formulas = formulas_of(text)
    return MathCheck(
        has_math=True,
        depth=nesting_depth(text),
        longest_formula=max((len(formula) for formula in formulas), default=0),
        defines_macros=_MACRO_DEFINITION.search(text) is not None,
        balanced=dollars_balanced(text),
        prose_in_formula=any(_PROSE.search(_TEXT_COMMANDS.sub(" ", f)) for f in formulas),
    )


def dollars_balanced(text: str) -> bool:
    """Whether the `$` and the `$$` delimiters of `text` each come in pairs."""
    singles = doubles = 0
    for token in _DOLLARS.finditer(text):
        if token.group() == "$":
            singles += 1
        elif token.group() == "$$":
            doubles += 1
    return singles % 2 == 0 and doubles % 2 == 0


def renders_safely(text: str) -> bool:
    """Whether KaTeX may render `text`: no formula, or formulas within the bounds."""
    result = check(text)
    return not result.has_math or result.safe


def nesting_depth(text: str) -> int:
    """The deepest nesting anywhere in `text`, counted from 0 and never below 0, so a stray
    closer cannot earn credit for later openers."""
    depth = deepest = 0
    sqrt_brackets = 0  # open optional arguments of \sqrt: only those make "]" a closer
    index = 0
    length = len(text)
    while index < length:
        character = text[index]
        if character == "\\":
            opener = _OPENERS.match(text, index)
            if opener is not None:
                depth += 1
                deepest = max(deepest, depth)
                if opener.group().endswith("["):
                    sqrt_brackets += 1
                index = opener.end()
                continue
            closer = _CLOSERS.match(text, index)
            if closer is not None:
                depth = max(depth - 1, 0)
                index = closer.end()
                continue
            index += 2  # an escaped character (\{, \}, \\) never nests
            continue
        if character == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif character == "}":
            depth = max(depth - 1, 0)
        elif character == "]" and sqrt_brackets:
            sqrt_brackets -= 1
            depth = max(depth - 1, 0)
        index += 1
    return deepest


def formulas_of(text: str) -> list[str]:
    """The formulas KaTeX's auto-render would find in `text` (its splitAtDelimiters): the
    first opening delimiter, then the first matching closer outside braces. An opener
    without a closer leaves the rest as text there; here the rest counts as one formula,
    because a split of the text into nodes may close it."""
    formulas: list[str] = []
    rest = text
    while True:
        opening = _OPENING.search(rest)
        if opening is None:
            return formulas
        rest = rest[opening.start() :]
        left, right = next(pair for pair in _DELIMITERS if rest.startswith(pair[0]))
        end = _end_of_formula(rest, right, len(left))
        if end < 0:
            formulas.append(rest[len(left) :])
            return formulas
        formulas.append(rest[len(left) : end])
        rest = rest[end + len(right) :]


def formula_spans(text: str) -> list[tuple[int, int]]:
    """Where the formulas of formulas_of lie in `text`, delimiters included, as (start, end);
    an opener without a closer runs to the end."""
    spans: list[tuple[int, int]] = []
    at = 0
    while True:
        opening = _OPENING.search(text, at)
        if opening is None:
            return spans
        start = opening.start()
        left, right = next(pair for pair in _DELIMITERS if text.startswith(pair[0], start))
        end = _end_of_formula(text[start:], right, len(left))
        if end < 0:
            spans.append((start, len(text)))
            return spans
        at = start + end + len(right)
        spans.append((start, at))


def _end_of_formula(text: str, right: str, start: int) -> int:
    """auto-render's findEndOfMath: the closer's index at brace level 0, or -1."""
    level = 0
    index = start
    while index < len(text):
        character = text[index]
        if level <= 0 and text.startswith(right, index):
            return index
        if character == "\\":
            index += 1
        elif character == "{":
            level += 1
        elif character == "}":
            level -= 1
        index += 1
    return -1


def tex_class(text: str | None) -> str:
    """The class that asks math.js to render `text` ("tex"), or "" for text that must show
    as source (too deep, too long, or defining macros)."""
    return "tex" if text and renders_safely(text) else ""
