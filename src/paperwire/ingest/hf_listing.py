"""The Hugging Face Papers listing as plain text (the page copied out of a browser).

    new / Get trending papers in your email inbox! / Subscribe / byAK and the research community
    Mar 14
    <title>
    <blank line>
    <abstract paragraph>
    <blank line>
    ...

The text has no ids, so papers get slugs from their titles, unless a line of its own names an
arXiv id or URL. The file is read a line at a time; one paper is held until the next begins.

How blocks (runs of non-blank lines) are read:
- a lone date line ("Mar 14", "March 14, 2024") sets the listing day of the papers after it;
- the page's header lines are skipped;
- the block after a title is its abstract, unless it is one short line without a final period
  (then the title had no abstract and this line is the next title);
- after an abstract, a short line starts the next paper; a longer block continues the abstract.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.model import Authority, Rejection
from paperwire.catalog.text import ABSTRACT_MAX_CHARS, RecordRejected
from paperwire.clock import Clock, SystemClock
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.inputs import UnreadableAt, lines_of
from paperwire.ingest.records import build_record

FORMAT = "hf-listing"
SOURCE = "hf-listing"
# An abstract is capped at 20k characters; a line several times that is not a listing line.
MAX_LINE_BYTES = 512 * 1024
# Text held for one paper before it is refused (the abstract cap, before cleaning).
MAX_PAPER_CHARS = ABSTRACT_MAX_CHARS * 4
# Real titles are well under this; a longer line is prose, not a title.
TITLE_LIKE_MAX_CHARS = 300
# Detection calls text a listing only when it holds a title line, a blank line and then an
# abstract of at least this many words (real abstracts run to 100 or more), so a note such
# as "hello world" is refused instead of becoming a paper.
PLAUSIBLE_ABSTRACT_MIN_WORDS = 12
HEADER_LINES = frozenset(
    {
        "new",
        "get trending papers in your email inbox!",
        "subscribe",
        "byak and the research community",
    }
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_DATE_LINE = re.compile(r"(?P<month>[A-Za-z]{3,9})\.? (?P<day>\d{1,2})(?:,? (?P<year>\d{4}))?")
# Between two leap years there are at most 8 years (1896 -> 1904), so Feb 29 is found.
_YEARS_BACK = 9


def resolve_listing_day(month: int, day: int, today: dt.date) -> dt.date | None:
    """The most recent `month`/`day` that is not after `today`; None if it is no calendar day."""
    for year in range(today.year, today.year - _YEARS_BACK, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def parse_date_line(line: str, today: dt.date) -> dt.date | str | None:
    """A date for a date line, a reason string for an impossible one, None for other lines."""
    match = _DATE_LINE.fullmatch(line)
    if not match or match.group("month").lower() not in _MONTHS:
        return None
    month, day = _MONTHS[match.group("month").lower()], int(match.group("day"))
    if match.group("year"):
        try:
            return dt.date(int(match.group("year")), month, day)
        except ValueError:
            return f"{line!r} is not a calendar date"
    return resolve_listing_day(month, day, today) or f"{line!r} is not a calendar date"


@dataclass
class _Block:
    first_line: int
    lines: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # lines that were only an arXiv id
    size: int = 0
    problem: str | None = None


@dataclass
class _Paper:
    first_line: int
    listed_on: dt.date | None
    title: str | None = None
    parts: list[str] = field(default_factory=list)
    has_body: bool = False  # an abstract (or a broken block) followed the title
    size: int = 0
    raw_id: str | None = None
    problem: str | None = None


class HfListingSource:
    format_name = FORMAT
    checkpoint_key: str | None = None  # listings are small: re-reading is cheap and idempotent

    def __init__(
        self, path: Path, listed_on: dt.date | None = None, clock: Clock | None = None
    ) -> None:
        self.path = path
        self.listed_on = listed_on
        self.clock: Clock = clock or SystemClock()

    def checkpoint(self) -> None:
        return None

    def items(self) -> Iterator[Item]:
        today = self.clock.now().astimezone(dt.UTC).date()
        current_day = self.listed_on
        paper: _Paper | None = None
        yielded = 0
        for block in self._blocks():
            if block.problem is None and len(block.lines) == 1 and not block.ids:
                line = block.lines[0]
                if line.lower() in HEADER_LINES:
                    continue
                day = parse_date_line(line, today)
                if isinstance(day, str):
                    if self.listed_on is None:
                        yielded += 1
                        yield self._rejection(block.first_line, day)
                    continue
                if day is not None:
                    current_day = self.listed_on or day
                    continue
            if not block.lines and block.problem is None:  # only arXiv id lines
                if paper is not None and paper.raw_id is None:
                    paper.raw_id = block.ids[0]
                else:
                    yielded += 1
                    yield self._rejection(block.first_line, "an arXiv id without a paper")
                continue
            if _starts_paper(block, paper):
                if paper is not None:
                    yielded += 1
                    yield self._finish(paper)
                paper = _Paper(block.first_line, current_day)
                if block.problem is None:
                    paper.title = block.lines[0]
                    if len(block.lines) > 1:
                        _add_body(paper, "\n".join(block.lines[1:]))
                else:
                    paper.problem = block.problem  # the block after it is its abstract
            elif paper is None:
                yielded += 1
                yield self._rejection(block.first_line, "a paragraph without a title before it")
                continue
            elif block.problem is not None:
                paper.problem, paper.has_body = paper.problem or block.problem, True
            else:
                _add_body(paper, "\n".join(block.lines))
            if block.ids and paper.raw_id is None:
                paper.raw_id = block.ids[0]
        if paper is not None:
            yielded += 1
            yield self._finish(paper)
        if not yielded:
            raise InputUnreadable(f"{self.path}: no papers found in this listing")

    def _finish(self, paper: _Paper) -> Item:
        if paper.problem is not None:
            return self._rejection(paper.first_line, paper.problem)
        try:
            return build_record(
                source=SOURCE,
                source_record_id="",  # the paper id: the same paper in two listings is one ref
                authority=Authority.LISTING,
                raw_id=paper.raw_id,
                title=paper.title,
                abstract="\n\n".join(paper.parts),
                listed_on=paper.listed_on,
            )
        except RecordRejected as error:
            return self._rejection(paper.first_line, str(error))

    def _rejection(self, line: int, reason: str) -> Rejection:
        return Rejection(f"{self.path}:{line}", reason)

    def _blocks(self) -> Iterator[_Block]:
        """Runs of non-blank lines, each line cleaned of its ending; problems kept per block."""
        block: _Block | None = None
        for number, line, problem in self._lines():
            if problem is None and not line.strip():
                if block is not None:
                    yield block
                    block = None
                continue
            stripped = line.strip()
            if block is None and _is_marker(stripped):
                # Header and date lines stand alone even when no blank line follows them.
                yield _Block(number, [stripped])
                continue
            if block is None:
                block = _Block(number)
            if problem is not None:
                block.problem = block.problem or f"line {number}: {problem}"
                block.lines.clear()  # the block is refused whole: keep no text of it
                continue
            if block.problem is not None:
                continue
            parsed = parse_arxiv_id(stripped) if len(stripped) < 120 else None
            if parsed is not None:
                block.ids.append(stripped)
                continue
            block.size += len(stripped)
            if block.size > MAX_PAPER_CHARS:
                block.problem = f"a paragraph of over {MAX_PAPER_CHARS} characters"
                block.lines.clear()
                continue
            block.lines.append(stripped)
        if block is not None:
            yield block

    def _lines(self) -> Iterator[tuple[int, str, str | None]]:
        """(line number, text, problem) for each line; problem is set for an unusable line."""
        for entry in lines_of(self.path, MAX_LINE_BYTES):
            if isinstance(entry, UnreadableAt):
                yield entry.number, "", f"unreadable from here on ({entry})"
                return
            number, raw = entry
            if raw is None:
                yield number, "", f"longer than {MAX_LINE_BYTES} bytes"
                continue
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark
            try:
                yield number, raw.decode("utf-8").rstrip("\r\n"), None
            except UnicodeDecodeError:
                yield number, "", "not UTF-8 text"


def looks_like_listing(text: str) -> bool:
    """Whether `text` (the start of a file) holds a title line, a blank line and an abstract.

    The title is a block of its own short lines (an arXiv id line may follow it); the
    abstract is the next block, with at least PLAUSIBLE_ABSTRACT_MIN_WORDS words.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _is_marker(line):
            if current:
                blocks.append(current)
            current = []
            continue
        if len(line) < 120 and parse_arxiv_id(line) is not None:
            continue
        current.append(line)
    if current:
        blocks.append(current)
    for title, abstract in itertools.pairwise(blocks):
        if (
            len(title) == 1
            and _title_like(title[0])
            and sum(len(line.split()) for line in abstract) >= PLAUSIBLE_ABSTRACT_MIN_WORDS
        ):
            return True
    return False


def _starts_paper(block: _Block, paper: _Paper | None) -> bool:
    if paper is None:
        return block.problem is not None or _title_like(block.lines[0])
    if block.problem is not None:
        # A broken block right after a title spoils that paper; elsewhere it stands for a
        # paper of its own, so that the abstract after it is refused with it.
        return paper.has_body
    if not paper.has_body:
        line = block.lines[0]
        return len(block.lines) == 1 and _title_like(line) and not line.endswith(".")
    return _title_like(block.lines[0])


def _is_marker(line: str) -> bool:
    if line.lower() in HEADER_LINES:
        return True
    match = _DATE_LINE.fullmatch(line)
    return match is not None and match.group("month").lower() in _MONTHS


def _title_like(line: str) -> bool:
    return len(line) <= TITLE_LIKE_MAX_CHARS and "://" not in line


def _add_body(paper: _Paper, part: str) -> None:
    paper.has_body = True
    if paper.problem is not None:
        return
    paper.size += len(part)
    if paper.size > MAX_PAPER_CHARS:
        paper.problem = f"abstract is over {MAX_PAPER_CHARS} characters"
        paper.parts.clear()
        return
    paper.parts.append(part)
