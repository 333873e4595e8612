"""Disqus' XML export, read as it streams: an export of a large site holds hundreds of
thousands of posts, so each is turned into a `SourceComment` and dropped before the next."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError, iterparse

from service.imports.sources.html import plain_text
from service.imports.sources.records import (
    MalformedSource,
    Skipped,
    SourceComment,
    SourceState,
    key_of,
)

DISQUS = "http://disqus.com"
DSQ = "http://disqus.com/disqus-internals"

_ROOT = f"{{{DISQUS}}}disqus"
_THREAD = f"{{{DISQUS}}}thread"
_POST = f"{{{DISQUS}}}post"
_ID = f"{{{DSQ}}}id"


def read_disqus(path: Path) -> Iterator[SourceComment | Skipped]:
    """Every post of the export at `path`, in file order; a post names its thread, which the
    export lists before all posts, so only the threads' links are remembered."""
    links: dict[str, str] = {}
    posts = 0
    with path.open("rb") as file:
        for element in _top_level(file):
            if element.tag == _THREAD:
                thread_id = _required_id(element, "thread")
                links[thread_id] = _required_text(element, "link", f"thread {thread_id}")
            elif element.tag == _POST:
                posts += 1
                yield _comment(element, posts, links)


def _top_level(file: IO[bytes]) -> Iterator[Element]:
    """The root's children, each complete, then cleared away once the caller is done with it."""
    root: Element | None = None
    depth = 0
    try:
        # Expat (2.4 and later) refuses entity expansion bombs and ElementTree resolves no
        # external entity, the attacks `defusedxml` guards against.
        for event, element in iterparse(file, events=("start", "end")):  # noqa: S314
            if event == "start":
                if root is None:
                    if element.tag != _ROOT:
                        raise MalformedSource("line 1", f"not a Disqus export: <{element.tag}>")
                    root = element
                depth += 1
                continue
            depth -= 1
            if depth == 1:
                yield element
                root.clear()  # type: ignore[union-attr]
    except ParseError as error:
        line, _column = error.position
        raise MalformedSource(f"line {line}", str(error)) from error


def _comment(post: Element, number: int, links: dict[str, str]) -> SourceComment:
    post_id = _required_id(post, f"post number {number}")
    where = f"post {post_id}"
    thread = post.find(_THREAD)
    thread_id = "" if thread is None else thread.get(_ID, "").strip()
    if not thread_id:
        raise MalformedSource(where, "no <thread dsq:id>")
    if thread_id not in links:
        raise MalformedSource(where, f"thread {thread_id} is not listed before the post")
    parent = post.find(f"{{{DISQUS}}}parent")
    message = post.find(f"{{{DISQUS}}}message")
    if message is None:
        raise MalformedSource(where, "no <message>")
    author = post.find(f"{{{DISQUS}}}author")
    name = _text(author, "name")
    email = _text(author, "email")
    return SourceComment(
        source_id=post_id,
        thread_key=thread_id,
        thread_url=links[thread_id],
        parent_source_id=None if parent is None else parent.get(_ID) or None,
        author_name=name,
        author_key=key_of(username=_text(author, "username"), email=email, name=name),
        author_email=email or None,
        created_at=_timestamp(_required_text(post, "createdAt", where), where),
        text=plain_text(message.text or ""),
        state=_state(post),
    )


def _state(post: Element) -> SourceState:
    if _flag(post, "isSpam"):
        return SourceState.SPAM
    if _flag(post, "isDeleted"):
        return SourceState.DELETED
    if _text(post, "isApproved").lower() == "false":
        return SourceState.PENDING
    return SourceState.PUBLISHED


def _timestamp(value: str, where: str) -> datetime:
    """Disqus writes UTC with a "Z"; a time without a zone is taken as UTC too."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise MalformedSource(where, f"<createdAt> is not a time: {value!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _flag(element: Element, name: str) -> bool:
    return _text(element, name).lower() == "true"


def _text(element: Element | None, name: str) -> str:
    """The trimmed text of the child `name` (in Disqus' namespace), "" when absent."""
    return "" if element is None else element.findtext(f"{{{DISQUS}}}{name}", "").strip()


def _required_text(element: Element, name: str, where: str) -> str:
    value = _text(element, name)
    if not value:
        raise MalformedSource(where, f"no <{name}>")
    return value


def _required_id(element: Element, where: str) -> str:
    value = element.get(_ID, "").strip()
    if not value:
        raise MalformedSource(where, "no dsq:id")
    return value
