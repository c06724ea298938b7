"""Paper ids: arXiv ids (new and old style, without version) or slugs from titles."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# 0704.0001 .. 1412.9999 (4 digits) and 1501.00001 onwards (5 digits), optional vN.
# [0-9], not \d: \d also takes Arabic-Indic or fullwidth digits, which no arXiv id has.
_NEW_STYLE = re.compile(r"(?P<id>[0-9]{4}\.[0-9]{4,5})(?:v(?P<v>[0-9]+))?")
_LAST_FOUR_DIGIT_MONTH = 1412
# hep-th/9901001, math.AG/0601001 (the subject class is an alias; arXiv's id drops it).
_OLD_STYLE = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2})?/(?P<num>[0-9]{7})(?:v(?P<v>[0-9]+))?"
)
_ARXIV_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org|huggingface\.co/papers|hf\.co/papers)"
    r"/?(?:(?:abs|pdf|html|papers)/)?(?P<rest>.+)$",
    re.IGNORECASE,
)
_SLUG_MAX = 80
# Ids are cleaned text, so one with a control character names no paper; NUL also makes
# PostgreSQL refuse the whole statement, which a lookup must not turn into a server error.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ID_MAX = 300


def parse_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """Return (id without version, version or None) when `text` is exactly an arXiv id.

    Accepts `arXiv:` prefixes and abs/pdf/HF-paper URLs; anything else gives None.
    """
    new = _NEW_STYLE.fullmatch(text)
    if new and _issued(new.group("id")):  # the common case: a bare new-style id
        return new.group("id"), _version(new.group("v"))
    candidate = text.strip()
    if candidate.lower().startswith("arxiv:"):
        candidate = candidate[6:]
    url = _ARXIV_URL.match(candidate)
    if url:
        candidate = url.group("rest").split("?")[0].split("#")[0].rstrip("/")
        if candidate.lower().endswith(".pdf"):
            candidate = candidate[:-4]
    new = _NEW_STYLE.fullmatch(candidate)
    if new:
        if not _issued(new.group("id")):
            return None
        return new.group("id"), _version(new.group("v"))
    old = _OLD_STYLE.fullmatch(candidate)
    if old:
        return f"{old.group('archive').lower()}/{old.group('num')}", _version(old.group("v"))
    return None


def _issued(new_style_id: str) -> bool:
    """Whether arXiv could have issued this YYMM.NNNN(N): a real month, and the digit
    count of its era (4 until 1412, 5 from 1501)."""
    yymm, number = new_style_id.split(".")
    if not 1 <= int(yymm[2:]) <= 12:
        return False
    return len(number) == (4 if int(yymm) <= _LAST_FOUR_DIGIT_MONTH else 5)


# The merge step asks this up to five times per record (matching.py); ids repeat within a
# batch and across its lookups, so remembering answers takes ~15% off the writer's CPU.
@lru_cache(maxsize=1 << 16)
def is_arxiv_id(text: str) -> bool:
    parsed = parse_arxiv_id(text)
    return parsed is not None and parsed[0] == text


def could_be_id(text: str) -> bool:
    """Whether `text` could name a paper or alias at all (worth asking the database)."""
    return 0 < len(text) <= _ID_MAX and _CONTROL.search(text) is None


def _version(raw: str | None) -> int | None:
    return int(raw) if raw else None


def normalise_title(title: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a title, for matching and slugs."""
    decomposed = unicodedata.normalize("NFKD", title)
    if not decomposed.isascii():
        # Accents go; any other punctuation, symbol or space (an en dash, a curly quote)
        # separates words as its ASCII cousin does, instead of vanishing with the fold.
        decomposed = "".join(
            " " if unicodedata.category(char)[0] in "PSZ" else char
            for char in decomposed
            if unicodedata.category(char) != "Mn"
        )
    folded = decomposed.encode("ascii", "ignore").decode("ascii")
    return " ".join(re.findall(r"[a-z0-9]+", folded.lower()))


def slug_for_title(title: str) -> str:
    """A deterministic id for a paper that has no arXiv id.

    Long titles are cut and given a hash suffix so that two titles sharing a long prefix
    still get different slugs. A slug never looks like an arXiv id (it has no '/' or '.').
    """
    normal = normalise_title(title)
    slug = normal.replace(" ", "-") or "untitled"
    if len(slug) <= _SLUG_MAX and slug != "untitled":
        return slug
    digest = hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]
    return f"{slug[:_SLUG_MAX].rstrip('-')}-{digest}"
