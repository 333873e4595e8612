"""Moving in: a source's comments written into the service, a batch of `BATCH` per unit of
work, as plain Core statements (an import is hundreds of thousands of rows).

The file is read once, streaming. A malformed line or element stops the import there: what came
before it is stored (each batch a clean checkpoint, and the entries read before the malformed
one), and `ImportStopped` says where. A comment already imported from the same source
(`imported_comment`) is skipped, so running an import again adds nothing twice: a fixed file,
or an interrupted import, is simply run again. Authors become accounts that cannot sign in (no
linked provider), one per author key; e-mail addresses are kept only when asked. Threads become
articles by the newsroom's rule (`ArticleIds`). A reply whose parent comes later in the file, or
in an earlier batch, is linked at the end; one whose parent was not imported stays top-level.
Counts and queue tallies move as for any new comment (`count_move`, at each commit); the
parents' reply counts are recounted for the replies each batch wrote or linked."""

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlmodel import Session

from auth.models import User
from moderation.queues import Move, Standing
from moderation.scoring.scorers import Scorer
from moderation.statuses import CommentStatus
from service.articles.models import Article
from service.comments.models import Comment
from service.comments.service import scored_fields
from service.comments.tallies import count_move, recount_replies
from service.core.db import Database, dialect_insert, table_of, utcnow
from service.imports.models import ImportedAuthor, ImportedComment
from service.imports.sources.records import (
    MalformedSource,
    Skipped,
    SourceComment,
    SourceState,
)

BATCH = 1000
"""Comments per unit of work."""

ARTICLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""The CMS's article ids, as the API takes them."""

ANONYMOUS = "Anonymous"
"""The name of an author the source does not name (a live account's name is never empty)."""

IMPORTED_REASON = "imported"
UNPUBLISHED_REASONS = {
    SourceState.PENDING: "imported_unapproved",
    SourceState.SPAM: "imported_spam",
    SourceState.REJECTED: "imported_rejected",
    SourceState.DELETED: "imported_deleted",
}

_COMMENTS = table_of(Comment)
_USERS = table_of(User)
_IMPORTED = table_of(ImportedComment)
_AUTHORS = table_of(ImportedAuthor)
_ANALYZE = text("ANALYZE imported_comment, imported_author")
_DRAW_IDS = text(
    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
)
_SET_PARENT = (
    update(_COMMENTS)
    .where(_COMMENTS.c.id == bindparam("comment"))
    .values(parent_id=bindparam("parent"))
)


class ArticleIds:
    """Which article a source's thread is: by the newsroom's pattern over the thread's URL
    (its group `id`, else its first group), or by a mapping of URLs or thread ids; with
    neither, the thread's own id is taken as it is (JSON Lines exports carry article ids)."""

    def __init__(
        self, *, pattern: str | None = None, mapping: Mapping[str, str] | None = None
    ) -> None:
        self.pattern = re.compile(pattern) if pattern else None
        self.mapping = mapping

    def of(self, comment: SourceComment) -> str | None:
        """The article id, or None when the rule does not place the thread."""
        if self.mapping is not None:
            found = self.mapping.get(comment.thread_url) or self.mapping.get(comment.thread_key)
        elif self.pattern is not None:
            match = self.pattern.search(comment.thread_url)
            if match is None:
                return None
            found = match.groupdict().get("id") or (match.group(1) if match.groups() else None)
        else:
            found = comment.thread_key
        return found if found and ARTICLE_ID.fullmatch(found) else None

    @classmethod
    def mapping_file(cls, path: Path) -> "ArticleIds":
        """A JSON object, or lines of `<url or thread id><TAB or comma><article id>`."""
        text = path.read_text(encoding="utf-8")
        if text.lstrip().startswith("{"):
            loaded = json.loads(text)
            return cls(mapping={str(key): str(value) for key, value in loaded.items()})
        mapping: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.rpartition("\t") if "\t" in line else line.rpartition(",")
            if not sep:
                raise MalformedSource(f"{path}, line {number}", "expected '<url>,<article id>'")
            mapping[key.strip()] = value.strip()
        return cls(mapping=mapping)


@dataclass(frozen=True)
class Options:
    source: str
    """`disqus`, `wordpress`, `isso` or `jsonl`: ids are unique within a source."""
    articles: ArticleIds
    unpublished: str = "reject"
    """`reject`: spam, deleted and unapproved comments are imported as rejected (moderators
    see them, readers do not); `skip`: they are not imported."""
    keep_emails: bool = False


@dataclass
class Outcome:
    imported: int = 0
    already: int = 0
    """Imported by an earlier run."""
    skipped: Counter[str] = field(default_factory=Counter)
    """By reason: `pingback`, `trackback`, `no_article`, `unpublished`, `empty`."""
    authors: int = 0
    """Accounts made."""
    comment_ids: list[int] = field(default_factory=list)
    """What this run wrote (what `--score` scores)."""


Reader = Callable[[], Iterator[SourceComment | Skipped]]


class ImportStopped(Exception):
    """The file turned out malformed part-way: `outcome` counts what was stored before."""

    def __init__(self, malformed: MalformedSource, outcome: Outcome) -> None:
        super().__init__(str(malformed))
        self.malformed = malformed
        self.outcome = outcome


def import_comments(
    database: Database,
    read: Reader,
    options: Options,
    *,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    outcome = Outcome()
    orphans: list[tuple[int, str]] = []  # (reply, its parent's source id), parent not yet written
    seen = 0
    analyzed_at = 0

    def store(batch: list[SourceComment | Skipped]) -> None:
        nonlocal seen, analyzed_at
        seen += len(batch)
        wanted = _sorted_out(batch, options, outcome)
        if wanted:
            with database.session(writes=True) as session:
                orphans.extend(_write(session, wanted, options, outcome))
                if outcome.imported >= 2 * analyzed_at + BATCH:
                    _refresh_statistics(session)
                    analyzed_at = outcome.imported
        if progress is not None:
            progress(seen)

    def link() -> None:
        if orphans:
            with database.session(writes=True) as session:
                _link_orphans(session, orphans, options)

    batch: list[SourceComment | Skipped] = []
    try:
        for entry in read():
            batch.append(entry)
            if len(batch) == BATCH:
                store(batch)
                batch = []
    except MalformedSource as malformed:
        store(batch)
        link()
        raise ImportStopped(malformed, outcome) from malformed
    store(batch)
    link()
    return outcome


def _sorted_out(
    batch: list[SourceComment | Skipped], options: Options, outcome: Outcome
) -> list[tuple[SourceComment, str]]:
    """The batch's comments to write, each with its article; the rest counted."""
    wanted: list[tuple[SourceComment, str]] = []
    for entry in batch:
        if isinstance(entry, Skipped):
            outcome.skipped[entry.reason] += 1
            continue
        if entry.state != SourceState.PUBLISHED and options.unpublished == "skip":
            outcome.skipped["unpublished"] += 1
            continue
        if not entry.text.strip():
            outcome.skipped["empty"] += 1
            continue
        article_id = options.articles.of(entry)
        if article_id is None:
            outcome.skipped["no_article"] += 1
            continue
        wanted.append((entry, article_id))
    return wanted


def _write(
    session: Session,
    rows: list[tuple[SourceComment, str]],
    options: Options,
    outcome: Outcome,
) -> list[tuple[int, str]]:
    source = options.source
    known = _known(session, source, [comment.source_id for comment, _ in rows])
    fresh = [(comment, article) for comment, article in rows if comment.source_id not in known]
    outcome.already += len(rows) - len(fresh)
    fresh = list({comment.source_id: (comment, article) for comment, article in fresh}.values())
    if not fresh:
        return []
    authors = _authors(session, source, [comment for comment, _ in fresh], options, outcome)
    _register_articles(session, {article for _, article in fresh})
    ids = _new_ids(session, _COMMENTS, len(fresh))
    in_batch = {comment.source_id for comment, _ in fresh}
    parents = _known(
        session,
        source,
        [
            c.parent_source_id
            for c, _ in fresh
            if c.parent_source_id and c.parent_source_id not in in_batch
        ],
    )
    written: dict[str, int] = {}
    values: list[dict[str, Any]] = []
    orphans: list[tuple[int, str]] = []
    for (comment, article), comment_id in zip(fresh, ids, strict=True):
        parent_key = comment.parent_source_id
        parent_id = (parents.get(parent_key) or written.get(parent_key)) if parent_key else None
        if parent_key and parent_id is None:
            orphans.append((comment_id, parent_key))  # it comes later: linked at the end
        written[comment.source_id] = comment_id
        status, reason = _status_of(comment.state)
        values.append(
            {
                "id": comment_id,
                "article_id": article,
                "author_id": authors[comment.author_key],
                "parent_id": parent_id,
                "body": comment.text,
                "status": str(status),
                "status_reason": reason,
                "open_reports": 0,
                "created_at": comment.created_at.astimezone(UTC),
            }
        )
        count_move(session, article, Move(None, Standing(status, reason)))
    _insert_rows(session, _COMMENTS, values)
    recount_replies(session, [row["parent_id"] for row in values if row["parent_id"]])
    _insert_rows(
        session,
        _IMPORTED,
        [
            {"source": source, "source_id": source_id, "comment_id": comment_id}
            for source_id, comment_id in written.items()
        ],
    )
    outcome.imported += len(ids)
    outcome.comment_ids += ids
    return orphans


def _insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """A batch's rows in one go: PostgreSQL's COPY (several times faster than an INSERT of
    the same rows, and in the same transaction); SQLite's executemany. Values are plain
    (strings, not enums: psycopg would copy an enum's name)."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    driver = session.connection().connection.driver_connection
    assert driver is not None
    names = ", ".join(f'"{column}"' for column in columns)
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row([row[column] for column in columns])


def _refresh_statistics(session: Session) -> None:
    """PostgreSQL plans the lookups of ids already imported from its statistics, which say
    the tables are as small as before the import began: it then filters a whole source's
    rows for each batch, slower with every batch. Analyzed as they double, the plans stay
    index lookups (a few tenths of a second in all, for 100,000 comments)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ANALYZE)


def _new_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for `count` rows, taken before they are written, so the rows go in as one
    executemany (SQLite answers a RETURNING whose order must hold one row at a time, which
    costs more than the import): PostgreSQL draws them from the table's sequence; SQLite
    counts on from the largest, under the write lock this unit of work holds from its start."""
    if session.get_bind().dialect.name == "postgresql":
        drawn = session.execute(_DRAW_IDS, {"table": f'"{table.name}"', "count": count})
        return sorted(drawn.scalars())
    largest = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(largest + 1, largest + 1 + count))


def _status_of(state: SourceState) -> tuple[CommentStatus, str]:
    if state == SourceState.PUBLISHED:
        return CommentStatus.PUBLISHED, IMPORTED_REASON
    return CommentStatus.REJECTED, UNPUBLISHED_REASONS[state]


def _known(session: Session, source: str, source_ids: Iterable[str]) -> dict[str, int]:
    """Source ids already imported, with the comments they became."""
    wanted = sorted(set(source_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(_IMPORTED.c.source_id, _IMPORTED.c.comment_id).where(
            _IMPORTED.c.source == source, _IMPORTED.c.source_id.in_(wanted)
        )
    ).all()
    return {source_id: comment_id for source_id, comment_id in rows}


def _authors(
    session: Session,
    source: str,
    comments: list[SourceComment],
    options: Options,
    outcome: Outcome,
) -> dict[str, int]:
    """Author key → account, making the accounts of authors not seen before."""
    first: dict[str, SourceComment] = {}
    for comment in comments:
        first.setdefault(comment.author_key, comment)
    keys = sorted(first)
    found = dict(
        session.execute(
            select(_AUTHORS.c.author_key, _AUTHORS.c.user_id).where(
                _AUTHORS.c.source == source, _AUTHORS.c.author_key.in_(keys)
            )
        ).all()
    )
    missing = [key for key in keys if key not in found]
    if not missing:
        return found
    now = utcnow()
    user_ids = _new_ids(session, _USERS, len(missing))
    session.execute(
        insert(_USERS),
        [
            {
                "id": user_id,
                "display_name": (first[key].author_name or ANONYMOUS)[:100],
                "role": "reader",
                "status": "active",
                "premoderated": False,
                "created_at": now,
            }
            for key, user_id in zip(missing, user_ids, strict=True)
        ],
    )
    session.execute(
        insert(_AUTHORS),
        [
            {
                "source": source,
                "author_key": key,
                "user_id": user_id,
                "email": first[key].author_email if options.keep_emails else None,
            }
            for key, user_id in zip(missing, user_ids, strict=True)
        ],
    )
    outcome.authors += len(user_ids)
    return {**found, **dict(zip(missing, user_ids, strict=True))}


def _register_articles(session: Session, article_ids: set[str]) -> None:
    now = utcnow()
    session.execute(
        dialect_insert(session, Article).on_conflict_do_nothing(),
        [{"id": article_id, "created_at": now} for article_id in sorted(article_ids)],
    )


def _link_orphans(session: Session, orphans: list[tuple[int, str]], options: Options) -> None:
    """Replies whose parent came later in the file (or in another batch): linked when the
    parent was imported, from this run or an earlier one; else they stay top-level."""
    for start in range(0, len(orphans), BATCH):
        chunk = orphans[start : start + BATCH]
        parents = _known(session, options.source, [parent for _, parent in chunk])
        linked = [
            {"comment": comment_id, "parent": parents[parent]}
            for comment_id, parent in chunk
            if parent in parents
        ]
        if linked:
            session.execute(_SET_PARENT, linked)
            recount_replies(session, [row["parent"] for row in linked])


def score_imported(database: Database, scorer: Scorer, comment_ids: list[int], batch: int) -> int:
    """`--score`: the model's scores stored on what was imported, nothing decided by them (the
    source's moderators already decided). Returns how many were scored."""
    scored = 0
    for start in range(0, len(comment_ids), batch):
        chunk = comment_ids[start : start + batch]
        with database.session() as session:
            rows = session.execute(
                select(_COMMENTS.c.id, _COMMENTS.c.body).where(_COMMENTS.c.id.in_(chunk))
            ).all()
        results = scorer.score_batch([body for _, body in rows])
        with database.session(writes=True) as session:
            for (comment_id, body), scores in zip(rows, results, strict=True):
                session.execute(
                    update(_COMMENTS)
                    .where(_COMMENTS.c.id == comment_id)
                    .values(**scored_fields(scores, scorer.model_id_for(body)))
                )
                scored += 1
    return scored
