"""JSON Lines, the service's own moving format (`commentmod export jsonl` writes it): one
comment per line,

    {"id": "17", "article_id": "AEN2026...", "parent_id": "12" | null,
     "author": {"key": "user:4", "name": "Kim Min-jun", "email": null},
     "created_at": "2026-12-07T09:30:00+00:00", "body": "...", "status": "published"}

`status` is the service's: published; held, pending or blocked (imported as unapproved);
rejected; deleted. `thread_url` may be added for `--article-id` patterns."""

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from service.imports.sources.records import MalformedSource, SourceComment, SourceState

STATES = {
    "published": SourceState.PUBLISHED,
    "held": SourceState.PENDING,
    "pending": SourceState.PENDING,
    "blocked": SourceState.PENDING,
    "rejected": SourceState.REJECTED,
    "deleted": SourceState.DELETED,
}


def read_jsonl(path: Path) -> Iterator[SourceComment]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield _comment(line, f"line {number}")


def _comment(line: str, where: str) -> SourceComment:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise MalformedSource(where, f"not JSON ({error.msg})") from None
    if not isinstance(record, dict):
        raise MalformedSource(where, "not a JSON object")
    author = record.get("author") or {}
    if not isinstance(author, dict):
        raise MalformedSource(where, "`author` is not an object")
    status = record.get("status", "published")
    if status not in STATES:
        raise MalformedSource(where, f"unknown status {status!r}")
    parent = record.get("parent_id")
    name = _text(author.get("name"), where, "author.name")
    return SourceComment(
        source_id=_required_id(record.get("id"), where, "id"),
        thread_key=_required_text(record.get("article_id"), where, "article_id"),
        thread_url=_text(record.get("thread_url"), where, "thread_url"),
        parent_source_id=None if parent is None else _required_id(parent, where, "parent_id"),
        author_name=name.strip(),
        author_key=_text(author.get("key"), where, "author.key") or name.strip(),
        author_email=_text(author.get("email"), where, "author.email") or None,
        created_at=_moment(record.get("created_at"), where),
        text=_required_text(record.get("body"), where, "body").replace("\r\n", "\n").strip(),
        state=STATES[status],
    )


def _required_id(value: Any, where: str, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise MalformedSource(where, f"`{name}` must be a string or an integer")
    return str(value)


def _required_text(value: Any, where: str, name: str) -> str:
    text = _text(value, where, name)
    if not text:
        raise MalformedSource(where, f"`{name}` is missing")
    return text


def _text(value: Any, where: str, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedSource(where, f"`{name}` must be a string")
    return value


def _moment(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_required_text(value, where, "created_at"))
    except ValueError:
        raise MalformedSource(where, "`created_at` is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise MalformedSource(where, "`created_at` has no UTC offset")
    return moment
