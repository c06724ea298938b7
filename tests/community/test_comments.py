"""Comment threads: replies, depth, edit window, deletion placeholders, moderation."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.community import comments
from paperwire.community.comments import add_comment, thread
from paperwire.community.engagement import engagement_for
from paperwire.errors import CommunityError, Forbidden, NotFound, TooMany
from tests.support.community import add_paper, make_user

DAY = dt.date(2026, 3, 16)


@pytest.fixture
def paper(catalog: Catalog) -> str:
    return add_paper(catalog, "2403.01234", listed_on=DAY)


def _count(catalog: Catalog, paper_id: str) -> int:
    [found] = catalog.get_many([paper_id])
    return engagement_for(catalog, [found])[paper_id].num_comments


def test_a_thread_with_replies(catalog: Catalog, paper: str) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    first = add_comment(catalog, ada, paper, "First, with a [link](https://example.org).")
    reply = add_comment(catalog, bob, paper, "A *reply*.", parent_id=first.id)
    second = add_comment(catalog, bob, paper, "Second.")
    nested = add_comment(catalog, ada, paper, "Deeper.", parent_id=reply.id)
    assert (reply.depth, nested.depth) == (1, 2)
    tree = thread(catalog, paper)
    assert [c.id for c in tree] == [first.id, second.id]
    assert [c.id for c in tree[0].replies] == [reply.id]
    assert [c.id for c in tree[0].replies[0].replies] == [nested.id]
    assert tree[0].author == "ada" and tree[0].state == "visible"
    assert 'rel="nofollow ugc noopener noreferrer"' in tree[0].html
    assert tree[0].replies[0].html == "<p>A <em>reply</em>.</p>"
    assert _count(catalog, paper) == 4


def test_rules_for_writing(catalog: Catalog, paper: str) -> None:
    ada = make_user(catalog, "ada")
    with pytest.raises(Forbidden, match="log in"):
        add_comment(catalog, None, paper, "hi")
    with pytest.raises(Forbidden, match="confirm your email"):
        add_comment(catalog, make_user(catalog, "newbie", verified=False), paper, "hi")
    with pytest.raises(CommunityError, match="empty"):
        add_comment(catalog, ada, paper, " \n ")
    with pytest.raises(CommunityError, match="at most"):
        add_comment(catalog, ada, paper, "x" * (comments.MAX_BODY + 1))
    with pytest.raises(NotFound):
        add_comment(catalog, ada, "2403.09999", "hi")
    other = add_paper(catalog, "2403.05678", listed_on=DAY)
    elsewhere = add_comment(catalog, ada, other, "hi")
    with pytest.raises(NotFound):
        add_comment(catalog, ada, paper, "hi", parent_id=elsewhere.id)
    with pytest.raises(NotFound):
        add_comment(catalog, ada, paper, "hi", parent_id=99999)


def test_replies_nest_only_so_deep(catalog: Catalog, paper: str) -> None:
    ada = make_user(catalog, "ada")
    parent = add_comment(catalog, ada, paper, "level 0")
    for level in range(1, comments.MAX_DEPTH):
        parent = add_comment(catalog, ada, paper, f"level {level}", parent_id=parent.id)
    with pytest.raises(CommunityError, match="nest at most"):
        add_comment(catalog, ada, paper, "too deep", parent_id=parent.id)


def test_edits_are_for_the_author_within_the_window(
    catalog: Catalog, paper: str, clock: FakeClock
) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    comment = add_comment(catalog, ada, paper, "tpyo")
    with pytest.raises(Forbidden, match="your own"):
        comments.edit_comment(catalog, bob, comment.id, "hijacked")
    clock.advance(14 * 60)
    edited = comments.edit_comment(catalog, ada, comment.id, "typo")
    assert edited.html == "<p>typo</p>" and edited.edited_at == clock.now()
    assert comments.comment_source(catalog, ada, comment.id) == "typo"
    clock.advance(61)
    with pytest.raises(Forbidden, match="15 minutes"):
        comments.edit_comment(catalog, ada, comment.id, "too late")
    with pytest.raises(Forbidden, match="15 minutes"):
        comments.delete_comment(catalog, ada, comment.id)


def test_deleting_keeps_a_placeholder_only_when_there_are_replies(
    catalog: Catalog, paper: str
) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    lonely = add_comment(catalog, ada, paper, "nobody answers")
    parent = add_comment(catalog, ada, paper, "answered")
    reply = add_comment(catalog, bob, paper, "an answer", parent_id=parent.id)
    comments.delete_comment(catalog, ada, lonely.id)
    comments.delete_comment(catalog, ada, parent.id)
    with pytest.raises(NotFound):
        comments.get_comment(catalog, lonely.id)
    [shown] = thread(catalog, paper)
    assert (shown.id, shown.state, shown.placeholder, shown.author, shown.html) == (
        parent.id, "deleted", "[deleted]", None, ""
    )  # fmt: skip
    assert [c.id for c in shown.replies] == [reply.id]
    with pytest.raises(CommunityError, match="deleted or hidden"):
        add_comment(catalog, bob, paper, "to the void", parent_id=parent.id)
    with pytest.raises(NotFound):
        comments.edit_comment(catalog, ada, parent.id, "back")
    assert _count(catalog, paper) == 1
    comments.delete_comment(catalog, bob, reply.id)
    assert thread(catalog, paper) == []  # a deleted comment with nothing under it is gone


def test_moderators_hide_and_unhide(catalog: Catalog, paper: str) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    moderator = make_user(catalog, "mod", role="moderator")
    spam = add_comment(catalog, bob, paper, "buy things")
    answer = add_comment(catalog, ada, paper, "no", parent_id=spam.id)
    alone = add_comment(catalog, bob, paper, "more spam")
    with pytest.raises(Forbidden, match="moderator"):
        comments.set_hidden(catalog, ada, spam.id, True)
    comments.set_hidden(catalog, moderator, spam.id, True)
    comments.set_hidden(catalog, moderator, alone.id, True)
    [shown] = thread(catalog, paper, viewer=ada)
    assert (shown.state, shown.placeholder, shown.html, shown.author) == (
        "hidden", "[hidden by a moderator]", "", None
    )  # fmt: skip
    assert [c.id for c in shown.replies] == [answer.id]
    as_moderator = thread(catalog, paper, viewer=moderator)
    assert [c.id for c in as_moderator] == [spam.id, alone.id]
    assert as_moderator[0].html == "<p>buy things</p>" and as_moderator[0].state == "hidden"
    assert _count(catalog, paper) == 1
    with pytest.raises(Forbidden, match="moderator hid"):
        comments.edit_comment(catalog, bob, spam.id, "innocent now")
    comments.set_hidden(catalog, moderator, spam.id, False)
    assert _count(catalog, paper) == 2
    with pytest.raises(NotFound):
        comments.set_hidden(catalog, moderator, 99999, True)


def test_a_flood_is_slowed(catalog: Catalog, paper: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(comments, "PER_HOUR", 3)
    ada = make_user(catalog, "ada")
    for number in range(3):
        add_comment(catalog, ada, paper, f"comment {number}")
    with pytest.raises(TooMany):
        add_comment(catalog, ada, paper, "one more")
    newest = comments.comments_by(catalog, ada.id)
    assert [c.html for c in newest] == ["<p>comment 2</p>", "<p>comment 1</p>", "<p>comment 0</p>"]


def test_control_characters_never_reach_the_database(catalog: Catalog) -> None:
    # PostgreSQL text cannot hold NUL: a comment with one was a 500 (found by schemathesis).
    user = make_user(catalog)
    paper = add_paper(catalog, "2403.01234", listed_on=DAY)
    comment = add_comment(catalog, user, paper, "fine\x00 words\x1b[31m\n\tindented")
    assert "\x00" not in comment.html and "\x1b" not in comment.html
    assert "fine words[31m" in comment.html and "indented" in comment.html
