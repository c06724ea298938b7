"""Reading inputs: gzip or plain by content, lines within a bound, failures with a line number."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from paperwire.ingest.base import InputUnreadable
from paperwire.ingest.inputs import UnreadableAt, bounded_lines, lines_of, open_input


def test_gzip_is_recognised_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    packed = tmp_path / "listing.txt"  # no .gz: the magic bytes decide
    packed.write_bytes(gzip.compress(b"one\ntwo\n"))
    plain = tmp_path / "plain.gz"
    plain.write_bytes(b"one\ntwo\n")
    for path in (packed, plain):
        with open_input(path) as stream:
            assert stream.read() == b"one\ntwo\n"


def test_a_missing_file_is_unreadable_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(InputUnreadable, match="nothing-here"):
        open_input(tmp_path / "nothing-here")


def test_an_overlong_line_is_skipped_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_bytes(b"short\n" + b"x" * 10_000 + b"\nafter\nlast")
    with open_input(path) as stream:
        lines = list(bounded_lines(stream, max_bytes=100))
    assert lines == [(1, b"short\n"), (2, None), (3, b"after\n"), (4, b"last")]


def test_a_truncated_gzip_stream_fails_at_the_line_it_reached(tmp_path: Path) -> None:
    whole = gzip.compress(b"".join(b"line %d\n" % n for n in range(20_000)))
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) // 2])
    read: list[int] = []
    with open_input(path) as stream, pytest.raises(UnreadableAt) as failure:
        for number, _line in bounded_lines(stream, max_bytes=1000):
            read.append(number)
    assert read and failure.value.number == read[-1] + 1


def test_lines_of_ends_with_the_failure_instead_of_raising(tmp_path: Path) -> None:
    whole = gzip.compress(b"".join(b"line %d\n" % n for n in range(20_000)))
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) // 2])
    entries = list(lines_of(path, max_bytes=1000))
    *lines, last = entries
    assert isinstance(last, UnreadableAt) and lines and not isinstance(lines[-1], UnreadableAt)
    assert last.number == len(lines) + 1
