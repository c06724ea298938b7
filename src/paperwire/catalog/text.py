"""Cleaning of hostile strings: every ingested string passes through here before storage.

Strings are kept as plain text (never trusted as markup; pages escape them). What is removed:
control characters, bidi overrides and zero-width characters that can disguise text. What is
refused: strings over the size caps, so a record is rejected whole rather than half-stored.
"""

from __future__ import annotations

import re
import unicodedata

TITLE_MAX_CHARS = 1_000
ABSTRACT_MAX_CHARS = 20_000
AUTHORS_MAX = 2_000
AUTHOR_NAME_MAX_CHARS = 500
FIELD_MAX_CHARS = 4_000

# C0/C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width joiners/spaces and
# BOM: deleted. Controls that str.split() counts as whitespace (VT, FF, CR, the separators
# \x1c-\x1f, NEL, U+2028/2029) are left for the split, so a lone line break still
# separates two words instead of gluing them together.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb]"
)
# arXiv abstracts mark a new paragraph with a line that starts with extra indentation;
# blank lines do the same elsewhere.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*|\n[ \t]{2,}")


class RecordRejected(ValueError):
    """A record cannot be stored; the message says why."""


def clean_line(value: str | None, field: str, max_chars: int = FIELD_MAX_CHARS) -> str:
    """One line of text: invisible characters removed, all whitespace runs one space."""
    if value is None:
        return ""
    if len(value) > max_chars * 4:  # refuse before spending time on a huge string
        raise RecordRejected(f"{field} is {len(value)} characters, the limit is {max_chars}")
    if _is_clean_line(value):
        text = value  # the common case, checked with C-speed string methods only
    else:
        text = " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFC", value)).split())
    if len(text) > max_chars:
        raise RecordRejected(f"{field} is {len(text)} characters, the limit is {max_chars}")
    return text


def _is_clean_line(value: str) -> bool:
    # isprintable() is False for controls, format characters (bidi, zero-width) and line
    # separators, so a printable, trimmed, single-spaced NFC string needs no work.
    return (
        value.isprintable()
        and "  " not in value
        and value[:1] != " "
        and value[-1:] != " "
        and (value.isascii() or unicodedata.is_normalized("NFC", value))
    )


def clean_optional(value: str | None, field: str, max_chars: int = FIELD_MAX_CHARS) -> str | None:
    return clean_line(value, field, max_chars) or None


def clean_paragraphs(value: str | None, field: str, max_chars: int = ABSTRACT_MAX_CHARS) -> str:
    """Multi-paragraph text: each paragraph one line, paragraphs joined by a blank line."""
    if value is None:
        return ""
    if len(value) > max_chars * 4:
        raise RecordRejected(f"{field} is {len(value)} characters, the limit is {max_chars}")
    text = value.replace("\r\n", "\n")
    if not (text.isascii() and text.replace("\n", " ").isprintable()):
        text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    paragraphs = [" ".join(part.split()) for part in _PARAGRAPH_BREAK.split(text.strip())]
    result = "\n\n".join(part for part in paragraphs if part)
    if len(result) > max_chars:
        raise RecordRejected(f"{field} is {len(result)} characters, the limit is {max_chars}")
    return result


def clean_title(value: str | None) -> str:
    title = clean_line(value, "title", TITLE_MAX_CHARS)
    if not title:
        raise RecordRejected("title is empty")
    return title


# Anything that makes a name need cleaning, in a list joined with \x1f (ASCII case).
_UNCLEAN_ASCII_NAMES = re.compile(r"[\x00-\x1e\x7f]|  |^[ \x1f]|[ \x1f]$| \x1f|\x1f |\x1f\x1f")


def clean_authors(names: list[str]) -> list[str]:
    if len(names) > AUTHORS_MAX:
        raise RecordRejected(f"{len(names)} authors, the limit is {AUTHORS_MAX}")
    joined = "\x1f".join(names)
    if (
        joined.isascii()
        and not _UNCLEAN_ASCII_NAMES.search(joined)
        and all(len(name) <= AUTHOR_NAME_MAX_CHARS for name in names)
    ):
        return list(names)  # every name is already clean: one regex pass instead of many
    cleaned = (clean_line(name, "author name", AUTHOR_NAME_MAX_CHARS) for name in names)
    return [name for name in cleaned if name]


_AUTHOR_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def split_author_string(authors: str) -> list[str]:
    """Split arXiv's 'A. One, B. Two and C. Three' into names (used when no parsed list)."""
    # Parenthesised affiliations may contain commas: drop them before splitting.
    depth = 0
    kept: list[str] = []
    for char in authors:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            kept.append(char)
    return [part.strip() for part in _AUTHOR_SPLIT.split("".join(kept)) if part.strip()]
