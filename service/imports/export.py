"""`commentmod export jsonl`: every comment but the deleted ones, in the format
`commentmod import jsonl` reads (see `sources/jsonl.py`): a newsroom's way out, and the round
trip that checks the way in. Read by pages of `PAGE` rows, each its own unit of work, and
written as read."""

import json
from typing import TextIO

from sqlalchemy import select

from auth.models import User
from moderation.statuses import CommentStatus
from service.comments.models import Comment
from service.core.db import Database, table_of

PAGE = 1000

_COMMENTS = table_of(Comment)
_USERS = table_of(User)


def export_jsonl(database: Database, out: TextIO, *, article_id: str | None = None) -> int:
    """Writes the comments oldest first; returns how many. Authors are named by their account
    (`user:<id>`), never by e-mail."""
    query = (
        select(
            _COMMENTS.c.id,
            _COMMENTS.c.article_id,
            _COMMENTS.c.parent_id,
            _COMMENTS.c.author_id,
            _USERS.c.display_name,
            _COMMENTS.c.created_at,
            _COMMENTS.c.body,
            _COMMENTS.c.status,
        )
        .join(_USERS, _USERS.c.id == _COMMENTS.c.author_id)
        .where(_COMMENTS.c.status != CommentStatus.DELETED)
        .order_by(_COMMENTS.c.id)
        .limit(PAGE)
    )
    if article_id is not None:
        query = query.where(_COMMENTS.c.article_id == article_id)
    written, last = 0, 0
    while True:
        with database.session() as session:
            rows = session.execute(query.where(_COMMENTS.c.id > last)).all()
        for row in rows:
            record = {
                "id": str(row.id),
                "article_id": row.article_id,
                "parent_id": None if row.parent_id is None else str(row.parent_id),
                "author": {"key": f"user:{row.author_id}", "name": row.display_name},
                "created_at": row.created_at.isoformat(),
                "body": row.body,
                "status": str(row.status),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += len(rows)
        if len(rows) < PAGE:
            return written
        last = rows[-1].id
