"""Isso's database as Isso 0.14 itself wrote it (`tests/support/make_isso_fixture.py`)."""

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.imports.sources.isso import read_isso
from service.imports.sources.records import MalformedSource, SourceComment, SourceState

FIXTURE = Path(__file__).parent / "fixtures" / "isso.db"
ARTICLE = "/2026/12/07/some-article"
OTHER = "/2026/12/08/other-article"


def comments() -> dict[str, SourceComment]:
    read = list(read_isso(FIXTURE))
    assert all(isinstance(entry, SourceComment) for entry in read)
    return {entry.source_id: entry for entry in read if isinstance(entry, SourceComment)}


def test_every_comment_is_read_in_id_order() -> None:
    """Comment 7 was deleted without replies, so Isso removed its row."""
    assert list(comments()) == ["1", "2", "3", "4", "5", "6", "8", "9"]


def test_a_korean_comment_keeps_its_text_trimmed_and_its_author() -> None:
    assert comments()["1"] == SourceComment(
        source_id="1",
        thread_key="1",
        thread_url=ARTICLE,
        parent_source_id=None,
        author_name="김민수",
        author_key="email:minsu@example.kr",
        author_email="minsu@example.kr",
        created_at=datetime(2026, 12, 7, 9, 1, 30, 500000, tzinfo=UTC),
        text="좋은 기사 감사합니다. 다음 기사도 기대할게요!",
        state=SourceState.PUBLISHED,
    )


def test_markdown_is_kept_as_the_commenter_typed_it() -> None:
    reply = comments()["2"]

    assert reply.text == (
        "**Agreed.** The [council minutes](https://example.com/minutes) say the same."
    )
    assert reply.parent_source_id == "1"


def test_a_reply_to_a_reply_hangs_from_the_top_level_comment_as_isso_stored_it() -> None:
    reply = comments()["3"]

    assert reply.parent_source_id == "1"
    assert (reply.author_name, reply.author_key, reply.author_email) == ("", "anonymous", None)


def test_a_long_comment_keeps_its_paragraphs_and_its_unescaped_author() -> None:
    long = comments()["4"]

    assert len(long.text) > 250
    assert "\r" not in long.text
    assert "same totals as last year.\n\nCould the newsroom" in long.text
    assert (long.author_name, long.author_key) == ("Tom & Jerry", "name:Tom & Jerry")
    assert long.author_email is None


def test_a_deleted_comment_with_replies_is_kept_empty() -> None:
    read = comments()
    deleted = read["5"]

    assert deleted.state == SourceState.DELETED
    assert (deleted.text, deleted.author_name) == ("", "")
    assert deleted.author_key == "email:r@example.com"
    assert read["6"].parent_source_id == "5"


def test_the_second_thread_and_its_comment_in_moderation() -> None:
    read = comments()

    assert (read["8"].thread_key, read["8"].thread_url) == ("2", OTHER)
    assert (read["8"].author_name, read["8"].author_key) == ("", "email:anon@example.org")
    assert read["9"].state == SourceState.PENDING
    assert read["9"].created_at > read["8"].created_at


def test_a_text_file_is_not_an_isso_database(tmp_path: Path) -> None:
    path = tmp_path / "comments.db"
    path.write_text("not a database\n")

    with pytest.raises(MalformedSource, match="not an SQLite database") as raised:
        list(read_isso(path))
    assert raised.value.where == str(path)


def test_an_sqlite_file_without_isso_tables_names_the_missing_table(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR)")

    with pytest.raises(MalformedSource, match="no `comments` table") as raised:
        list(read_isso(path))
    assert raised.value.where == str(path)


def test_a_table_lacking_a_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR)")
        db.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, tid INTEGER, text VARCHAR)")

    with pytest.raises(MalformedSource, match="`comments` has no column parent, created, mode"):
        list(read_isso(path))
