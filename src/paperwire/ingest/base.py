"""What every source provides, and the errors sources raise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from paperwire.catalog.model import Paper, PaperRecord, Rejection

# A Paper item is a whole stored paper (the paperwire export), restored as it is.
Item = PaperRecord | Paper | Rejection


class InputUnreadable(Exception):
    """A whole input cannot be read (missing file, not the format, broken XML document).

    Nothing from that input is written; the CLI exits with status 2.
    """


class Source(Protocol):
    """An iterable of records from one file or feed, optionally resumable.

    `checkpoint()` describes the position just after the last item yielded; the pipeline
    saves it under `checkpoint_key` in the same transaction as the records before it, and a
    new Source built with `resume_from=<that value>` continues from there.
    """

    format_name: str
    checkpoint_key: str | None

    def items(self) -> Iterator[Item]: ...

    def checkpoint(self) -> dict[str, Any] | None: ...


def shown(value: str, limit: int = 80) -> str:
    """A value from the input as a message may show it: cut short, controls escaped.

    Rejections are printed on terminals, where an escape sequence in an id would act.
    """
    value = value[:limit]
    return value if value.isprintable() else repr(value)
