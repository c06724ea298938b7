"""The one type of a row id in a request: a path, query or form parameter, or a field of a
JSON body, that names a comment, collection, API token or any other row.

Bounded by the narrowest column such an id lands in: PostgreSQL's `integer` (int4; the
comment, collection and token ids, a comment's parent_id) holds 1 .. 2^31 - 1, and a larger
value fails in the driver (a 500) instead of finding nothing. Out of range is a validation
error, answered like any other (web/errors.py), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path

MAX_ROW_ID = 2**31 - 1
# A path parameter ({comment_id}, {collection_id}, {token_id}).
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
# A form field naming a row (a reply's parent, the collection to add to).
FormRowId = Annotated[int, Form(ge=1, le=MAX_ROW_ID)]
