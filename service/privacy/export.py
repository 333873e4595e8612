"""`GET /v1/me/export`: everything kept about a reader, written as it is read. Each section is
read in pages of `PAGE` rows in id order, each page its own short unit of work: a reader with
50,000 comments is never in memory at once, and no transaction stays open while a slow client
reads. A large export (or one asked for as `zip`) is the same document, deflated in a ZIP,
still streamed."""

import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlmodel import Session, SQLModel

from auth.models import AuthSession, Identity, User
from service.appeals.models import Appeal
from service.comments.models import Comment, CommentRevision, Reaction
from service.core.db import Database, table_of
from service.core.schemas import Schema
from service.mutes.models import Mute
from service.notices.models import Notice
from service.notifications.models import Notification
from service.privacy.schemas import (
    FORMAT,
    ExportedAppeal,
    ExportedComment,
    ExportedMute,
    ExportedNotice,
    ExportedNotification,
    ExportedProfile,
    ExportedProvider,
    ExportedReaction,
    ExportedReport,
    ExportedSession,
    ExportedStatement,
)
from service.reports.models import Report
from service.statements.models import StatementOfReasons

PAGE = 500
"""Rows per unit of work and per chunk written."""
ZIP_ABOVE = 10_000
"""Comments above which the export is a ZIP unless the reader asked for JSON."""
ENTRY = "commentmod-export.json"
"""The document's name inside the ZIP."""


@dataclass(frozen=True)
class Section:
    name: str
    table: Table
    owner: str
    """The column that names the reader."""
    item: type[Schema]
    key: str = "id"
    """The column the section is read in order of, a page at a time (unique per reader)."""


def _section(
    name: str, model: type[SQLModel], owner: str, item: type[Schema], key: str = "id"
) -> Section:
    return Section(name, table_of(model), owner, item, key)


SECTIONS = (
    _section("providers", Identity, "user_id", ExportedProvider),
    _section("sessions", AuthSession, "user_id", ExportedSession),
    _section("comments", Comment, "author_id", ExportedComment),
    _section("reactions", Reaction, "user_id", ExportedReaction, key="comment_id"),
    _section("muted", Mute, "user_id", ExportedMute, key="muted_user_id"),
    _section("reports", Report, "reporter_id", ExportedReport),
    _section("notices", Notice, "notifier_id", ExportedNotice),
    _section("statements", StatementOfReasons, "user_id", ExportedStatement),
    _section("appeals", Appeal, "appellant_id", ExportedAppeal),
    _section("notifications", Notification, "user_id", ExportedNotification),
)
_REVISIONS = table_of(CommentRevision)


def comment_count(session: Session, user_id: int) -> int:
    comments = table_of(Comment)
    counted = session.execute(
        select(func.count()).select_from(comments).where(comments.c.author_id == user_id)
    ).scalar_one()
    return int(counted)


def _revisions(session: Session, comment_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = session.execute(
        select(_REVISIONS)
        .where(_REVISIONS.c.comment_id.in_(comment_ids))
        .order_by(_REVISIONS.c.comment_id, _REVISIONS.c.id)
    ).mappings()
    for row in rows:
        found[row["comment_id"]].append(dict(row))
    return found


def read_page(session: Session, section: Section, *, user_id: int, after: int) -> list[Any]:
    """The next `PAGE` rows of the section after `after` (its key), in its exported shape (a
    comment with its earlier versions)."""
    table = section.table
    key = table.c[section.key]
    rows = [
        dict(row)
        for row in session.execute(
            select(table)
            .where(table.c[section.owner] == user_id, key > after)
            .order_by(key)
            .limit(PAGE)
        ).mappings()
    ]
    if section.name == "comments" and rows:
        revisions = _revisions(session, [row["id"] for row in rows])
        for row in rows:
            row["revisions"] = revisions.get(row["id"], [])
    return rows


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def document(database: Database, user: User, *, now: datetime) -> Iterator[bytes]:
    """The export as JSON, in pieces of about a page each. The caller has read `user` before
    the answer's status went out, so a database that is down gets a 503, not a 200 cut short
    (one that fails in mid-stream can only cut it short: the document is then not valid JSON,
    or the ZIP has no central directory, and the reader sees the download failed)."""
    assert user.id is not None
    user_id = user.id
    profile = ExportedProfile.model_validate(user).model_dump(mode="json")
    yield b'{"format":' + _json(FORMAT) + b',"exported_at":' + _json(now.isoformat())
    yield b',"profile":' + _json(profile)
    for section in SECTIONS:
        yield b',"' + section.name.encode() + b'":['
        after, first = 0, True
        while True:
            with database.session() as session:
                rows = read_page(session, section, user_id=user_id, after=after)
            if rows:
                items = (section.item.model_validate(row).model_dump(mode="json") for row in rows)
                yield (b"" if first else b",") + b",".join(_json(item) for item in items)
                first, after = False, rows[-1][section.key]
            if len(rows) < PAGE:
                break
        yield b"]"
    yield b"}"


class _Pieces(io.RawIOBase):
    """Where the ZIP writer puts its bytes until they are handed on (it cannot seek back, so
    it writes each entry's sizes after the data)."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken, self._pieces = b"".join(self._pieces), []
        return taken


def zipped(pieces: Iterable[bytes], *, now: datetime) -> Iterator[bytes]:
    """`pieces` as the one entry `ENTRY` of a deflated ZIP, streamed."""
    sink = _Pieces()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo(ENTRY, date_time=now.timetuple()[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, "w", force_zip64=True) as member:
            for piece in pieces:
                member.write(piece)
                if taken := sink.take():
                    yield taken
    yield sink.take()
