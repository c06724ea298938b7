"""Reading the papers a reader pastes or uploads to seed their recommendations.

Three shapes: arXiv ids or URLs (one per line or whitespace-separated), BibTeX (the eprint,
url, doi and journal fields), CSL-JSON (Zotero's export: URL, DOI, number, note, id). Each
reference becomes a `Reference`: an arXiv id when one can be read, else a DOI, else the raw
text (reported as unknown). Malformed BibTeX or JSON is refused with its line and column.
Pure: no database (interests.import_papers resolves references against the catalog).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.recommend.readers import RecommendInputError

MAX_IMPORT = 2000
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[:./ ]\s*|arxiv\.org/(?:abs|pdf)/)"
    r"([0-9]{4}\.[0-9]{4,5}(?:v[0-9]+)?|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/[0-9]{7})",
    re.IGNORECASE,
)
_DOI = re.compile(r"\b(10\.[0-9]{4,9}/\S+)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_BIB_START = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")


@dataclass(frozen=True, slots=True)
class Reference:
    text: str  # as the reader wrote it, for the report
    arxiv_id: str | None = None
    doi: str | None = None


def parse(text: str, filename: str | None = None) -> list[Reference]:
    """Every reference in the text, in order, duplicates dropped; more than MAX_IMPORT fails."""
    kind = _kind(text, filename)
    if kind == "csl":
        references = _csl(text)
    elif kind == "bibtex":
        references = _bibtex(text)
    else:
        references = [_reference(token) for token in text.split()]
    unique = list({(r.arxiv_id, r.doi, r.text): r for r in references}.values())
    if len(unique) > MAX_IMPORT:
        raise RecommendInputError(
            f"{len(unique)} papers in one import; at most {MAX_IMPORT} at a time"
        )
    return unique


def _kind(text: str, filename: str | None) -> str:
    name = (filename or "").lower()
    start = text.lstrip()[:1]
    if name.endswith(".json") or start in ("[", "{"):
        return "csl"
    if name.endswith(".bib") or _BIB_START.search(text):
        return "bibtex"
    return "ids"


def _reference(value: str) -> Reference:
    raw = value.strip().strip(",;")
    parsed = parse_arxiv_id(raw)
    if parsed is not None:
        return Reference(raw, arxiv_id=parsed[0])
    return _from_fields(raw, [raw])


def _from_fields(label: str, values: list[str]) -> Reference:
    """The first arXiv id any field gives, else the first DOI, else nothing known."""
    doi: str | None = None
    for value in values:
        parsed = parse_arxiv_id(value.strip())
        found = _ARXIV_IN_TEXT.search(value)
        if parsed is None and found:
            parsed = parse_arxiv_id(found.group(1))
        if parsed is not None:
            return Reference(label, arxiv_id=parsed[0])
        doi_match = _DOI.search(value)
        if doi_match and doi is None:
            doi = doi_match.group(1).rstrip(".,;}")
            arxiv_doi = _ARXIV_DOI.match(doi)
            if arxiv_doi and (from_doi := parse_arxiv_id(arxiv_doi.group(1))):
                return Reference(label, arxiv_id=from_doi[0])
    return Reference(label, doi=doi.lower() if doi else None)


def _csl(text: str) -> list[Reference]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise RecommendInputError(
            f"CSL-JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    items = data if isinstance(data, list) else [data]
    references: list[Reference] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise RecommendInputError(f"CSL-JSON: item {index} is not an object")
        fields = [
            str(item[name])
            for name in ("URL", "DOI", "number", "archive_location", "note", "id")
            if isinstance(item.get(name), (str, int))
        ]
        label = str(item.get("title") or item.get("id") or f"item {index}")
        references.append(_from_fields(label, fields))
    return references


def _bibtex(text: str) -> list[Reference]:
    references: list[Reference] = []
    position = 0
    while match := _BIB_START.search(text, position):
        kind = match.group(1).lower()
        body_start = match.end()
        end = _closing(text, body_start, match.group(2), match.start())
        position = end + 1
        if kind in ("comment", "preamble", "string"):
            continue
        body = text[body_start:end]
        key, _, rest = body.partition(",")
        fields = _bib_fields(rest, text, body_start + len(key) + 1)
        values = [
            fields[name]
            for name in ("eprint", "arxivid", "url", "doi", "journal", "note")
            if name in fields
        ]
        references.append(_from_fields(fields.get("title", key.strip()) or key.strip(), values))
    return references


def _closing(text: str, start: int, opener: str, entry_at: int) -> int:
    """Index of the delimiter closing an entry opened just before `start`."""
    closer = "}" if opener == "{" else ")"
    depth = 1
    for index in range(start, len(text)):
        char = text[index]
        if char == "{" or (char == opener and opener == "("):
            depth += 1
        elif char == "}" or (char == closer and closer == ")"):
            depth -= 1
            if depth == 0:
                return index
    raise RecommendInputError(f"BibTeX: entry at {_where(text, entry_at)} is never closed")


def _bib_fields(body: str, text: str, offset: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    index = 0
    while index < len(body):
        name_match = re.compile(r"\s*([A-Za-z_][\w-]*)\s*=\s*").match(body, index)
        if name_match is None:
            if body[index:].strip(" \t\r\n,") == "":
                break
            at = offset + index + len(body[index:]) - len(body[index:].lstrip())
            raise RecommendInputError(f"BibTeX: expected a field at {_where(text, at)}")
        name = name_match.group(1).lower()
        index = name_match.end()
        value, index = _bib_value(body, index, text, offset)
        fields[name] = " ".join(value.replace("{", "").replace("}", "").split())
        rest = re.compile(r"\s*(,|$)").match(body, index)
        if rest is None:
            raise RecommendInputError(f"BibTeX: expected ',' at {_where(text, offset + index)}")
        index = rest.end()
    return fields


def _bib_value(body: str, index: int, text: str, offset: int) -> tuple[str, int]:
    if index >= len(body):
        raise RecommendInputError(f"BibTeX: a field has no value at {_where(text, offset + index)}")
    first = body[index]
    if first in '{"':
        closer = "}" if first == "{" else '"'
        depth = 0
        for end in range(index, len(body)):
            char = body[end]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            if (closer == "}" and depth == 0 and end > index) or (
                closer == '"' and char == '"' and end > index and depth == 0
            ):
                return body[index + 1 : end], end + 1
        raise RecommendInputError(f"BibTeX: unclosed value at {_where(text, offset + index)}")
    bare = re.compile(r"[^,\s]+").match(body, index)
    if bare is None:
        raise RecommendInputError(f"BibTeX: a field has no value at {_where(text, offset + index)}")
    return bare.group(0), bare.end()


def _where(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"
