"""The HF Papers listing text: the real captured page, date resolution, hostile text."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from paperwire.catalog.model import Authority, PaperRecord, Rejection
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.hf_listing import (
    MAX_LINE_BYTES,
    HfListingSource,
    looks_like_listing,
    parse_date_line,
    resolve_listing_day,
)
from paperwire.ingest.pipeline import run_source

LISTING = "hf-papers-listing-encoder.txt"
HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"


def read(path: Path, clock: FakeClock | None = None, **kwargs: object) -> list[Item]:
    return list(HfListingSource(path, clock=clock or FakeClock(), **kwargs).items())  # type: ignore[arg-type]


def records(items: list[Item]) -> list[PaperRecord]:
    return [item for item in items if isinstance(item, PaperRecord)]


def rejections(items: list[Item]) -> list[Rejection]:
    return [item for item in items if isinstance(item, Rejection)]


def write(tmp_path: Path, content: str | bytes, name: str = "listing.txt") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def test_real_listing_gives_67_papers_listed_on_the_page_day(fixtures: Path) -> None:
    items = read(fixtures / LISTING, FakeClock(dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)))
    papers = records(items)
    assert len(items) == len(papers) == 67
    assert {paper.listed_on for paper in papers} == {dt.date(2026, 3, 14)}
    assert {paper.source for paper in papers} == {"hf-listing"}
    assert {paper.authority for paper in papers} == {Authority.LISTING}
    assert len({paper.paper_id for paper in papers}) == 67

    first = papers[0]
    assert first.title == (
        "Rethinking Image Inpainting via a Mutual Encoder-Decoder with Feature Equalizations"
    )
    assert first.abstract.startswith("Deep encoder-decoder based CNNs have advanced image")
    assert first.abstract.endswith("performs favorably against state-of-the-art approaches.")
    # A long title is cut and given a hash, so the slug stays short and unique.
    assert first.paper_id.startswith("rethinking-image-inpainting-via-a-mutual-encoder-decoder")
    assert len(first.paper_id) <= 90
    assert first.source_record_id == first.paper_id
    assert first.authors == [] and first.categories == [] and first.version is None

    second = papers[1]
    assert second.title == "UniXcoder: Unified Cross-Modal Pre-training for Code Representation"
    assert second.paper_id == "unixcoder-unified-cross-modal-pre-training-for-code-representation"
    assert second.links == []

    last = papers[-1]
    assert last.title.startswith("Name Your Colour For the Task")
    assert last.abstract.endswith(
        "The source code is available at https://github.com/ryeocthiv/CQFormer"
    )
    assert [(link.kind, link.url) for link in last.links] == [
        ("code", "https://github.com/ryeocthiv/CQFormer")
    ]


def test_listing_ingests_once_then_is_unchanged(fixtures: Path, catalog: Catalog) -> None:
    source = HfListingSource(fixtures / LISTING, clock=FakeClock())
    first = run_source(catalog, source)
    again = run_source(catalog, HfListingSource(fixtures / LISTING, clock=FakeClock()))
    assert (first.counts.added, first.counts.rejected) == (67, 0)
    assert (again.counts.added, again.counts.updated, again.counts.unchanged) == (0, 0, 67)
    listed = catalog.list_papers(listed_on=dt.date(2026, 3, 14), limit=100)
    assert len(listed) == 67
    assert all(paper.listed_from_feed for paper in listed)


@pytest.mark.parametrize(
    ("today", "line", "expected"),
    [
        (dt.date(2026, 3, 16), "Mar 14", dt.date(2026, 3, 14)),
        (dt.date(2026, 3, 14), "Mar 14", dt.date(2026, 3, 14)),  # today counts
        (dt.date(2026, 1, 5), "Dec 30", dt.date(2025, 12, 30)),  # year rollover
        (dt.date(2026, 1, 5), "Mar 14", dt.date(2025, 3, 14)),  # never in the future
        (dt.date(2026, 3, 16), "Feb 29", dt.date(2024, 2, 29)),  # the last leap day
        (dt.date(2028, 2, 29), "Feb 29", dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 16), "March 2", dt.date(2026, 3, 2)),
        (dt.date(2026, 3, 16), "Sept 9", dt.date(2025, 9, 9)),
        (dt.date(2026, 3, 16), "Mar 14, 2024", dt.date(2024, 3, 14)),
    ],
)
def test_date_line_resolves_to_the_latest_such_day(
    today: dt.date, line: str, expected: dt.date
) -> None:
    assert parse_date_line(line, today) == expected


def test_impossible_dates_and_ordinary_lines() -> None:
    assert parse_date_line("Feb 30", dt.date(2026, 3, 16)) == "'Feb 30' is not a calendar date"
    assert parse_date_line("Llama 3", dt.date(2026, 3, 16)) is None
    assert parse_date_line("Mar 14 2024 and more", dt.date(2026, 3, 16)) is None
    assert resolve_listing_day(4, 31, dt.date(2026, 3, 16)) is None


def test_date_line_follows_the_clock_across_new_year(fixtures: Path) -> None:
    january = FakeClock(dt.datetime(2027, 1, 2, 8, 0, tzinfo=dt.UTC))
    papers = records(read(fixtures / LISTING, january))
    assert {paper.listed_on for paper in papers} == {dt.date(2026, 3, 14)}


def test_date_option_overrides_the_date_line(fixtures: Path) -> None:
    papers = records(read(fixtures / LISTING, listed_on=dt.date(2025, 7, 1)))
    assert len(papers) == 67
    assert {paper.listed_on for paper in papers} == {dt.date(2025, 7, 1)}


def test_several_days_in_one_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, "Mar 13\n\nFirst paper\n\nAbstract one.\n\nMar 14\n\nSecond paper\n\nTwo.\n"
    )
    papers = records(read(path))
    assert [(p.title, p.listed_on) for p in papers] == [
        ("First paper", dt.date(2026, 3, 13)),
        ("Second paper", dt.date(2026, 3, 14)),
    ]


def test_no_date_line_leaves_listed_on_empty(tmp_path: Path) -> None:
    papers = records(read(write(tmp_path, "A title\n\nAn abstract.\n")))
    assert [(p.title, p.abstract, p.listed_on) for p in papers] == [
        ("A title", "An abstract.", None)
    ]


def test_crlf_bom_and_header_without_blank_lines(tmp_path: Path) -> None:
    text = "\ufeffnew\r\nSubscribe\r\nMar 14\r\nA title\r\n\r\nAn abstract\r\non two lines.\r\n"
    papers = records(read(write(tmp_path, text)))
    assert [(p.title, p.abstract, p.listed_on) for p in papers] == [
        ("A title", "An abstract on two lines.", dt.date(2026, 3, 14))
    ]


def test_title_without_abstract_does_not_swallow_the_next_paper(tmp_path: Path) -> None:
    text = HEADER + "Mar 14\n\nLonely title\n\nSecond title\n\nSecond abstract.\n\nLast title\n"
    papers = records(read(write(tmp_path, text)))
    assert [(p.title, p.abstract) for p in papers] == [
        ("Lonely title", ""),
        ("Second title", "Second abstract."),
        ("Last title", ""),
    ]


def test_abstract_in_several_paragraphs(tmp_path: Path) -> None:
    long_tail = "More detail follows here, " * 20 + "and ends."
    text = f"A title\n\nFirst paragraph.\n\n{long_tail}\n\nNext title\n\nNext abstract.\n"
    papers = records(read(write(tmp_path, text)))
    assert [p.title for p in papers] == ["A title", "Next title"]
    assert papers[0].abstract == f"First paragraph.\n\n{long_tail}"


def test_arxiv_id_on_its_own_line_is_used(tmp_path: Path) -> None:
    text = "A title\narXiv:2403.01234v2\n\nAn abstract.\n\nOther title\n\nhttps://arxiv.org/abs/hep-th/9901001\n"
    papers = records(read(write(tmp_path, text)))
    assert [(p.paper_id, p.version) for p in papers] == [
        ("2403.01234", 2),
        ("hep-th/9901001", None),
    ]
    assert papers[0].links[0].url == "https://arxiv.org/abs/2403.01234"


def test_paragraph_before_any_title_is_rejected_with_its_line(tmp_path: Path) -> None:
    prose = "This paragraph has no title above it and goes on. " * 10
    path = write(tmp_path, f"Mar 14\n\n{prose}\n\nA title\n\nAn abstract.\n")
    items = read(path)
    assert rejections(items) == [Rejection(f"{path}:3", "a paragraph without a title before it")]
    assert [p.title for p in records(items)] == ["A title"]


def test_huge_line_rejects_its_paper_and_keeps_the_neighbours(tmp_path: Path) -> None:
    huge = "x" * (MAX_LINE_BYTES + 10)
    text = f"Good one\n\nFine.\n\nBroken one\n\n{huge}\n\nGood two\n\nFine too.\n"
    path = write(tmp_path, text)
    items = read(path)
    assert [p.title for p in records(items)] == ["Good one", "Good two"]
    [rejected] = rejections(items)
    assert rejected.location == f"{path}:5"
    assert "line 7" in rejected.reason and "longer than" in rejected.reason


def test_undecodable_title_rejects_its_paper_only(tmp_path: Path) -> None:
    text = b"Good\n\nFine.\n\nBad \xff\xfe title\n\nIts abstract.\n\nAfter\n\nOk.\n"
    path = write(tmp_path, text)
    items = read(path)
    assert [p.title for p in records(items)] == ["Good", "After"]
    assert rejections(items) == [Rejection(f"{path}:5", "line 5: not UTF-8 text")]


def test_impossible_date_line_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "Feb 30\n\nA title\n\nAn abstract.\n")
    items = read(path)
    assert rejections(items) == [Rejection(f"{path}:1", "'Feb 30' is not a calendar date")]
    assert records(items)[0].listed_on is None


def test_markup_is_kept_as_text_and_controls_removed(tmp_path: Path) -> None:
    text = "<script>alert(1)</script> Title\u202e\x07\n\n<img src=x onerror=alert(1)> body.\n"
    [paper] = records(read(write(tmp_path, text)))
    assert paper.title == "<script>alert(1)</script> Title"
    assert paper.abstract == "<img src=x onerror=alert(1)> body."
    assert paper.paper_id == "script-alert-1-script-title"


def test_gzip_listing(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "listing.txt.gz"
    path.write_bytes(gzip.compress((fixtures / LISTING).read_bytes()))
    assert len(records(read(path))) == 67


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputUnreadable, match="No such file"):
        read(tmp_path / "missing.txt")
    with pytest.raises(InputUnreadable, match="no papers"):
        read(write(tmp_path, HEADER + "Mar 14\n"))
    with pytest.raises(InputUnreadable, match="no papers"):
        read(write(tmp_path, ""))


@pytest.mark.parametrize(
    ("text", "plausible"),
    [
        ("hello world\n", False),
        ("hello world\n\nfoo bar\n", False),
        ("A title\n\n" + "word " * 11 + "\n", False),
        ("A two line\nheading\n\n" + "word " * 20 + "\n", False),
        ("new\nMar 14\nA title\n\n" + "word " * 12 + "\n", True),
        ("A title\narXiv:2403.01234\n\n" + "six words are on this line\n" * 2, True),
    ],
)
def test_plain_text_needs_a_title_and_an_abstract_to_be_a_listing(
    text: str, plausible: bool
) -> None:
    assert looks_like_listing(text) is plausible


def test_real_listing_looks_like_a_listing(fixtures: Path) -> None:
    assert looks_like_listing((fixtures / LISTING).read_text(encoding="utf-8"))
