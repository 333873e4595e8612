"""WordPress eXtended RSS (WXR, 1.0 to 1.2, as Tools > Export writes it), read as it streams:
each `<wp:comment>` is turned into a `SourceComment` and dropped before the next, so a site's
whole history, or one post with thousands of comments, is never held in memory."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, NamedTuple
from xml.etree.ElementTree import Element, ParseError, iterparse

from service.imports.sources.html import plain_text
from service.imports.sources.records import (
    MalformedSource,
    Skipped,
    SourceComment,
    SourceState,
    key_of,
)

WXR_NAMESPACES = frozenset(f"http://wordpress.org/export/1.{minor}/" for minor in range(3))

STATES = {
    "1": SourceState.PUBLISHED,
    "0": SourceState.PENDING,
    "spam": SourceState.SPAM,
    "trash": SourceState.DELETED,
    "post-trashed": SourceState.DELETED,
}
"""`wp:comment_approved`; "post-trashed" marks the comments of a post moved to the trash."""

COMMENT_TYPES = frozenset(("", "comment"))
"""A reader's comment ("" before WordPress 5.5); pingbacks, trackbacks and plugins' types
(WooCommerce's order notes, say) are not."""

NO_COMMENTS = frozenset(("attachment", "nav_menu_item"))
"""Post types that are not pages readers comment on."""

NO_DATE = "0000-00-00 00:00:00"
"""What WordPress writes for a GMT date it never knew (comments imported by old plugins)."""


def read_wordpress(path: Path) -> Iterator[SourceComment | Skipped]:
    """Every `<wp:comment>` of the export at `path`, in file order. A comment is read as soon
    as it ends when its item's link, id and type came before it (as WordPress writes them),
    else once the item ends."""
    items = 0
    post: _Post | None = None  # the current item's, once what precedes its comments shows it
    deferred = False  # that did not show it: its comments wait for the item's end
    with path.open("rb") as file:
        for element, item in _comments_and_items(file):
            if element is not item:
                if post is None and not deferred:
                    header = _post(item, until_comment=True)
                    post = header if all(header) else None
                    deferred = post is None
                if post is not None:
                    yield _read(element, post)
                    item.remove(element)
                continue
            items += 1
            waiting = [child for child in item if _is_wp(child, "comment")]
            if waiting:
                whole = _post(item, until_comment=False)
                _check(whole, items)
                for comment in waiting:
                    yield _read(comment, whole)
            post, deferred = None, False


class _Post(NamedTuple):
    """What a comment takes from its item; "" for what the item does not show."""

    post_id: str
    link: str
    post_type: str


def _post(item: Element, *, until_comment: bool) -> _Post:
    """With `until_comment`, from what precedes the item's first comment only: a large item's
    comments are not scanned again for each of them."""
    fields = _wp_fields(item, until="comment" if until_comment else None)
    link = ""
    for child in item:
        if child.tag == "link":
            link = (child.text or "").strip()
            break
        if until_comment and _is_wp(child, "comment"):
            break
    return _Post(fields.get("post_id", ""), link, fields.get("post_type", ""))


def _check(post: _Post, number: int) -> None:
    where = f"item {post.post_id}" if post.post_id else f"item number {number}"
    if not post.post_id:
        raise MalformedSource(where, "no <wp:post_id>")
    if not post.link:
        raise MalformedSource(where, "no <link>")


def _comments_and_items(file: IO[bytes]) -> Iterator[tuple[Element, Element]]:
    """(comment, its item) as each `<wp:comment>` of an item ends, then (item, item) as the
    item ends; the channel forgets each item once the caller is done with it."""
    depth = 0  # of the element being read: 1 the rss root, 2 the channel, 3 an item
    channel: Element | None = None
    item: Element | None = None
    try:
        # Expat (2.4 and later) refuses entity expansion bombs and ElementTree resolves no
        # external entity, the attacks `defusedxml` guards against.
        for event, element in iterparse(file, events=("start", "end")):  # noqa: S314
            if event == "start":
                if depth == 0 and element.tag != "rss":
                    raise MalformedSource("line 1", f"not a WordPress export: <{element.tag}>")
                depth += 1
                if depth == 2:
                    channel = element
                elif depth == 3:
                    item = element if element.tag == "item" else None
                continue
            depth -= 1
            if depth == 2 and element.tag == "item":
                yield element, element
                channel.clear()  # type: ignore[union-attr]
            elif depth == 3 and item is not None and _is_wp(element, "comment"):
                yield element, item
    except ParseError as error:
        line, _column = error.position
        raise MalformedSource(f"line {line}", str(error)) from error


def _read(comment: Element, post: _Post) -> SourceComment | Skipped:
    fields = _wp_fields(comment)
    comment_id = fields.get("comment_id", "")
    if not comment_id:
        raise MalformedSource(f"item {post.post_id}", "a <wp:comment> without <wp:comment_id>")
    where = f"comment {comment_id}"
    kind = fields.get("comment_type", "")
    if kind not in COMMENT_TYPES:
        return Skipped(source_id=comment_id, reason=kind)
    if post.post_type in NO_COMMENTS:
        return Skipped(source_id=comment_id, reason=f"on a post of type {post.post_type}")
    approved = fields.get("comment_approved", "1")
    if approved not in STATES:
        raise MalformedSource(where, f"unknown <wp:comment_approved> {approved!r}")
    if "comment_content" not in fields:
        raise MalformedSource(where, "no <wp:comment_content>")
    name = fields.get("comment_author", "")
    email = fields.get("comment_author_email", "")
    parent = fields.get("comment_parent", "0")
    return SourceComment(
        source_id=comment_id,
        thread_key=post.post_id,
        thread_url=post.link,
        parent_source_id=None if parent in ("", "0") else parent,
        author_name=name,
        author_key=key_of(email=email, name=name),
        author_email=email or None,
        created_at=_created(fields, where),
        text=plain_text(fields["comment_content"], line_breaks=True),
        state=STATES[approved],
    )


def _created(fields: dict[str, str], where: str) -> datetime:
    """The GMT date, else the site's local date taken as UTC: the site's zone is not in the
    export, and a few hours off matters less than no date."""
    for name in ("comment_date_gmt", "comment_date"):
        value = fields.get(name) or NO_DATE
        if value != NO_DATE:
            try:
                return datetime.fromisoformat(value).replace(tzinfo=UTC)
            except ValueError as error:
                raise MalformedSource(where, f"<wp:{name}> is not a date: {value!r}") from error
    raise MalformedSource(where, "no <wp:comment_date_gmt> or <wp:comment_date>")


def _wp_fields(element: Element, until: str | None = None) -> dict[str, str]:
    """The trimmed text of the element's WXR children by local name, whatever WXR version,
    up to the first child named `until`."""
    fields: dict[str, str] = {}
    for child in element:
        namespace, _, name = child.tag.partition("}")
        if namespace[1:] in WXR_NAMESPACES:
            if name == until:
                break
            fields[name] = (child.text or "").strip()
    return fields


def _is_wp(element: Element, name: str) -> bool:
    namespace, _, local = element.tag.partition("}")
    return local == name and namespace[1:] in WXR_NAMESPACES
