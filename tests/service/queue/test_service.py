"""The queues and decisions without HTTP: which comment is in which queue, in which order, and
what a decision settles."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select, update

from auth.models import Role, User
from moderation.queues import Queue
from moderation.statuses import CommentStatus, ModeratorAction
from service.comments.errors import CommentNotFound, InvalidTransition
from service.comments.models import Comment
from service.comments.tallies import ArticleWaiting, busiest_articles, queue_counts, repair
from service.core.db import Database
from service.queue.schemas import QueueSort
from service.queue.service import (
    QueueFilter,
    Review,
    queue_page,
    recent_scores,
    reject_all_by_author,
    review_comment,
    review_many,
)
from service.reports.models import Report
from tests.support.factories import create_user, seed_comments

REJECT = Review(action=ModeratorAction.REJECT, reason="offensive")


@pytest.fixture
def moderator_user(database: Database) -> User:
    with database.session(writes=True) as session:
        return create_user(session, "Moderator", Role.MODERATOR)


def set_columns(database: Database, comment_id: int, **values: object) -> None:
    """Written straight into the database; the counters then repaired, as `commentmod counters
    repair` would."""
    with database.session(writes=True) as session:
        session.execute(update(Comment).where(col(Comment.id) == comment_id).values(**values))
        repair(session)


def ids(database: Database, where: QueueFilter, sort: QueueSort, limit: int = 20) -> list[int]:
    """Every id of the queue, read page by page."""
    seen: list[int] = []
    cursor = None
    with database.session(writes=True) as session:
        while True:
            page = queue_page(session, where=where, sort=sort, limit=limit, cursor=cursor)
            seen += [row.comment.id or 0 for row in page.items]
            if (cursor := page.next_cursor) is None:
                return seen


def test_each_queue_holds_its_comments(database: Database) -> None:
    _, (held,) = seed_comments(database.engine, "held")
    _, (rejected,) = seed_comments(database.engine, "no", status=CommentStatus.REJECTED)
    _, (approved, reported, plain) = seed_comments(
        database.engine, "a", "b", "c", status=CommentStatus.PUBLISHED, status_reason="passed"
    )
    set_columns(database, approved, status_reason="approved")
    set_columns(database, reported, open_reports=2)

    def queue(name: Queue, threshold: int = 1) -> list[int]:
        return ids(database, QueueFilter(queue=name, report_threshold=threshold), QueueSort.OLDEST)

    assert queue(Queue.HELD) == [held]
    assert queue(Queue.REJECTED) == [rejected]
    assert queue(Queue.APPROVED) == [approved]
    assert queue(Queue.REPORTED) == [reported]
    assert queue(Queue.REPORTED, threshold=3) == []
    assert plain not in {*queue(Queue.HELD), *queue(Queue.APPROVED), *queue(Queue.REPORTED)}


@pytest.mark.parametrize("limit", [1, 2, 20])
def test_sorts_page_through_ties(database: Database, limit: int) -> None:
    _, comments = seed_comments(
        database.engine, *"abcdef", status=CommentStatus.PUBLISHED, status_reason="passed"
    )
    reports = [1, 3, 3, 2, 1, 3]
    toxicity = [0.9, None, 0.5, 0.9, 0.95, 0.5]
    for comment_id, count, score in zip(comments, reports, toxicity, strict=True):
        set_columns(database, comment_id, open_reports=count, toxicity=score)
    where = QueueFilter(queue=Queue.REPORTED, report_threshold=1)
    a, b, c, d, e, f = comments

    assert ids(database, where, QueueSort.OLDEST, limit) == comments
    assert ids(database, where, QueueSort.NEWEST, limit) == comments[::-1]
    assert ids(database, where, QueueSort.REPORTS, limit) == [b, c, f, d, a, e]
    assert ids(database, where, QueueSort.TOXICITY, limit) == [e, a, d, c, f, b]


def test_filters_by_article_and_author(database: Database) -> None:
    author, (first,) = seed_comments(database.engine, "x", article_id="a-1")
    _, (other_author,) = seed_comments(database.engine, "y", article_id="a-1")
    _, (elsewhere,) = seed_comments(database.engine, "z", article_id="a-2")

    assert ids(
        database,
        QueueFilter(queue=Queue.HELD, report_threshold=1, article_id="a-1"),
        QueueSort.OLDEST,
    ) == [
        first,
        other_author,
    ]
    assert ids(
        database,
        QueueFilter(queue=Queue.HELD, report_threshold=1, author_id=author),
        QueueSort.OLDEST,
    ) == [first]
    assert elsewhere in ids(
        database, QueueFilter(queue=Queue.HELD, report_threshold=1), QueueSort.OLDEST
    )


def test_counts_and_the_busiest_articles(database: Database) -> None:
    seed_comments(database.engine, "a", "b", article_id="a-1")
    seed_comments(database.engine, "c", article_id="a-2")
    _, (reported,) = seed_comments(
        database.engine, "d", article_id="a-2", status=CommentStatus.PUBLISHED
    )
    set_columns(database, reported, open_reports=1)

    with database.session(writes=True) as session:
        everywhere = queue_counts(session, report_threshold=1, article_id=None)
        one = queue_counts(session, report_threshold=1, article_id="a-2")
        busiest = busiest_articles(session, report_threshold=1)

    assert everywhere == {Queue.HELD: 3, Queue.REPORTED: 1, Queue.REJECTED: 0, Queue.APPROVED: 0}
    assert one[Queue.HELD] == 1
    assert busiest == [ArticleWaiting("a-1", 2, 0), ArticleWaiting("a-2", 1, 1)]


def test_a_decision_settles_the_reports_and_keeps_them(
    database: Database, moderator_user: User
) -> None:
    _, (comment_id,) = seed_comments(database.engine, "x", status=CommentStatus.PUBLISHED)
    with database.session(writes=True) as session:
        reporter = create_user(session, "Reporter")
        assert reporter.id is not None
        session.add(Report(comment_id=comment_id, reporter_id=reporter.id, reason="abuse"))
    set_columns(database, comment_id, open_reports=1)

    with database.session(writes=True) as session:
        review = Review(action=ModeratorAction.APPROVE, reason="approved")
        decided = review_comment(
            session, comment_id=comment_id, review=review, moderator=moderator_user
        )

    assert (decided.status, decided.open_reports) == (CommentStatus.PUBLISHED, 0)
    with Session(database.engine) as session:
        (report,) = session.exec(select(Report)).all()
    assert report.resolved_at is not None


def test_a_bulk_decision_keeps_what_succeeded(database: Database, moderator_user: User) -> None:
    _, (first, second) = seed_comments(database.engine, "a", "b")
    set_columns(database, second, status=CommentStatus.DELETED)

    results = review_many(
        database, ids=[first, second, 999], review=REJECT, moderator=moderator_user
    )

    assert [(r.id, r.ok, r.error) for r in results] == [
        (first, True, None),
        (second, False, "invalid_transition"),
        (999, False, "comment_not_found"),
    ]
    with Session(database.engine) as session:
        stored = session.get(Comment, first)
    assert stored is not None
    assert stored.status == CommentStatus.REJECTED


def test_a_single_decision_refuses_what_it_cannot_do(
    database: Database, moderator_user: User
) -> None:
    _, (comment_id,) = seed_comments(database.engine, "x", status=CommentStatus.REJECTED)

    with database.session(writes=True) as session:
        with pytest.raises(InvalidTransition):
            review_comment(session, comment_id=comment_id, review=REJECT, moderator=moderator_user)
        with pytest.raises(CommentNotFound):
            review_comment(session, comment_id=999, review=REJECT, moderator=moderator_user)


def test_rejecting_all_by_an_author_spares_the_others(
    database: Database, moderator_user: User
) -> None:
    author, mine = seed_comments(database.engine, "a", "b")
    set_columns(database, mine[1], status=CommentStatus.PUBLISHED)
    _, (theirs,) = seed_comments(database.engine, "c")

    takedown = reject_all_by_author(
        database, author_id=author, reason="spam", note=None, moderator=moderator_user
    )

    assert [(r.id, r.status) for r in takedown.results] == [
        (i, CommentStatus.REJECTED) for i in mine
    ]
    assert takedown.remaining == 0
    with Session(database.engine) as session:
        untouched = session.get(Comment, theirs)
    assert untouched is not None
    assert untouched.status == CommentStatus.HELD


def test_a_threshold_preview_counts_over_the_newest_comments_only(engine: Engine) -> None:
    _, ids = seed_comments(engine, "one", "two", "three", status=CommentStatus.PUBLISHED)
    with Session(engine) as session:
        for rank, comment_id in enumerate(ids):
            comment = session.get(Comment, comment_id)
            assert comment is not None
            comment.scores = {"toxicity": rank / 10}
        session.commit()
        assert recent_scores(session, days=7, limit=2) == [
            {"toxicity": 0.2},
            {"toxicity": 0.1},
        ]
