"""Isso's SQLite database (the `dbpath` of its config), read as it is on the server: Isso has no
export format. Two tables matter,

    threads(id, uri, title)
    comments(tid, id, parent, created, modified, mode, remote_addr, text, author, email,
             website, likes, dislikes, voters, notification)

`mode` is 1 published, 2 waiting in the moderation queue, 4 deleted but kept because replies
point at it (text and author emptied, e-mail kept); a deleted comment without replies is gone.
A reply to a reply is stored by Isso with the top-level comment as its parent.

`text` is what the commenter typed, Markdown that Isso renders only when it serves it, so it is
kept as typed (trimmed, CRLF as LF): it already is the plain text, and rendering and stripping
it would only lose the asterisks and link targets the reader saw as written. `author` and
`email` are stored HTML-escaped (`Tom &amp; Jerry`), so they are unescaped."""

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

from service.imports.sources.records import (
    MalformedSource,
    Skipped,
    SourceComment,
    SourceState,
    key_of,
)

BATCH = 500
"""Rows fetched at a time: a site's whole history is never held in memory."""

SQLITE_HEADER = b"SQLite format 3\x00"

COLUMNS = {
    "threads": ("id", "uri"),
    "comments": ("id", "tid", "parent", "created", "mode", "text", "author", "email"),
}
"""What the reader needs, checked before reading so that another SQLite file is named as such."""

STATES = {1: SourceState.PUBLISHED, 2: SourceState.PENDING, 4: SourceState.DELETED}

QUERY = """
    SELECT comments.id, comments.tid, threads.uri, comments.parent, comments.created,
           comments.mode, comments.text, comments.author, comments.email
    FROM comments LEFT JOIN threads ON threads.id = comments.tid
    ORDER BY comments.id
"""


def read_isso(path: Path) -> Iterator[SourceComment | Skipped]:
    """Every comment, oldest id first; Isso has no pingbacks, so nothing is `Skipped`. The
    database is opened read-only, so an import can run against a live site's file."""
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise MalformedSource(str(path), "not an SQLite database (Isso's comments.db)")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            _check_schema(db, path)
            cursor = db.execute(QUERY)
            while rows := cursor.fetchmany(BATCH):
                for row in rows:
                    yield _comment(row, path)
    except sqlite3.DatabaseError as error:
        raise MalformedSource(str(path), f"unreadable SQLite database ({error})") from error


def _check_schema(db: sqlite3.Connection, path: Path) -> None:
    for table, needed in COLUMNS.items():
        found = {name for (name,) in db.execute("SELECT name FROM pragma_table_info(?)", (table,))}
        if not found:
            raise MalformedSource(str(path), f"no `{table}` table: not an Isso database")
        missing = [column for column in needed if column not in found]
        if missing:
            raise MalformedSource(str(path), f"`{table}` has no column {', '.join(missing)}")


def _comment(row: tuple[Any, ...], path: Path) -> SourceComment:
    comment_id, thread_id, uri, parent, created, mode, text, author, email = row
    where = f"{path}, comment {comment_id}"
    if uri is None:
        raise MalformedSource(where, f"thread {thread_id} does not exist")
    if mode not in STATES:
        raise MalformedSource(where, f"unknown mode {mode!r}")
    if not isinstance(created, int | float):
        raise MalformedSource(where, f"`created` is not a Unix time: {created!r}")
    name = unescape(author or "").strip()
    address = unescape(email or "").strip()
    return SourceComment(
        source_id=str(comment_id),
        thread_key=str(thread_id),
        thread_url=str(uri),
        parent_source_id=None if parent is None else str(parent),
        author_name=name,
        author_key=key_of(email=address, name=name),
        author_email=address or None,
        created_at=datetime.fromtimestamp(created, tz=UTC),
        text=text.replace("\r\n", "\n").strip(),
        state=STATES[mode],
    )
