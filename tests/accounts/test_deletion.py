"""accounts/deletion.py on SQLite and PostgreSQL: the account is emptied, its credentials
deleted, and the rows that community content points at stay valid."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from paperwire.accounts import auth, deletion, sessions, tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.schema import api_tokens, mail_tokens, user_sessions, users
from paperwire.catalog.store import Catalog
from paperwire.community import comments
from paperwire.community.schema import comments as comment_rows
from paperwire.config import Settings
from paperwire.db.connections import reading
from paperwire.errors import CommunityError
from tests.support.community import add_paper, make_user


def test_deleting_an_account_keeps_its_comments_by_a_deleted_user(
    catalog: Catalog, settings: Settings
) -> None:
    ada = make_user(catalog, "ada")
    add_paper(catalog, "2501.00001")
    comment = comments.add_comment(catalog, ada, "2501.00001", "A remark worth keeping.")
    session_id = sessions.create_session(catalog, ada)
    token, _ = tokens.create_token(catalog, ada)
    sessions.issue_mail_token(catalog, ada, "reset")

    deletion.anonymise(catalog, ada)

    gone = accounts.get_user(catalog, ada.id)
    assert gone is not None and deletion.is_deleted(gone)
    assert (gone.username, gone.display_name, gone.bio) == (
        f"deleted-{ada.id}",
        "deleted user",
        "",
    )
    assert gone.email == f"deleted-{ada.id}@deleted.invalid" and not gone.has_password
    assert accounts.find_user(catalog, "ada") is None
    assert accounts.find_by_email(catalog, "ada@example.org") is None
    assert sessions.session_user(catalog, session_id) is None
    assert tokens.token_user(catalog, token) is None
    with reading(catalog) as connection:
        for table in (user_sessions, api_tokens, mail_tokens):
            count = connection.execute(
                sa.select(sa.func.count()).where(table.c.user_id == ada.id)
            ).scalar_one()
            assert count == 0, table.name
        author = connection.execute(
            sa.select(users.c.display_name)
            .join(comment_rows, comment_rows.c.user_id == users.c.id)
            .where(comment_rows.c.id == comment.id)
        ).scalar_one()
    assert author == "deleted user"
    # The name and the address are free again; the placeholder name is not to be had.
    again = accounts.create_user(
        catalog, username="ada", email="ada@example.org", password="a long new phrase"
    )
    assert again.id != ada.id
    with pytest.raises(CommunityError, match="reserved"):
        accounts.validate_username(f"deleted-{again.id}")
    # The deleted account has no password: its login fails like any other.
    with pytest.raises(CommunityError):
        auth.log_in(catalog, settings, login=f"deleted-{ada.id}", password="anything at all")
