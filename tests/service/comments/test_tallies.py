"""The counters kept with the comments: they move with every status change, survive savepoints
that roll back, stay right when many transactions change comments at once (PostgreSQL takes
them truly in parallel), and `commentmod counters` finds and repairs drift."""

import random
import threading

from sqlmodel import Session, col, select, update

from auth.models import Role, User
from moderation.queues import Queue
from moderation.statuses import CommentStatus, ModeratorAction
from service.articles.models import Article
from service.comments.errors import CommentNotFound, InvalidTransition
from service.comments.models import Comment
from service.comments.service import delete_comment
from service.comments.tallies import busiest_articles, drift, queue_counts, repair
from service.core.db import Database, make_engine, session_scope
from service.idempotency.service import Retryable
from service.queue.schemas import QueueSort
from service.queue.service import QueueFilter, Review, queue_page, review_comment, review_many
from service.reports.schemas import ReportReason
from service.reports.service import AlreadyReported, report_comment
from tests.support.factories import create_user, seed_comments


def counted_by_query(database: Database, queue: Queue, threshold: int = 1) -> int:
    """A queue's size the slow way: by listing it."""
    where = QueueFilter(queue=queue, report_threshold=threshold)
    with database.session() as session:
        page = queue_page(session, where=where, sort=QueueSort.OLDEST, limit=100, cursor=None)
    return len(page.items)


def report(session: Session, reader: User, comment_id: int) -> None:
    """A report without an `Idempotency-Key`, as the service files it."""
    retry = Retryable(user_id=reader.id or 0, key=None, fingerprint="")
    report_comment(
        session,
        reporter=reader,
        comment_id=comment_id,
        reason=ReportReason.ABUSE,
        note=None,
        retry=retry,
    )


def test_a_rolled_back_savepoint_takes_its_moves_with_it(database: Database) -> None:
    _, (first, second) = seed_comments(database.engine, "a", "b")
    with database.session(writes=True) as session:
        moderator = create_user(session, "Moderator", Role.MODERATOR)
        # The second is already gone: its savepoint rolls back, the first's decision stays.
        session.execute(update(Comment).where(col(Comment.id) == second).values(status="deleted"))
        repair(session)
    results = review_many(
        database,
        ids=[first, second],
        review=Review(action=ModeratorAction.REJECT, reason="spam"),
        moderator=moderator,
    )
    assert [result.ok for result in results] == [True, False]
    with database.session() as session:
        assert drift(session) == []
        counts = queue_counts(session, report_threshold=1, article_id=None)
    assert (counts[Queue.HELD], counts[Queue.REJECTED]) == (0, 1)


def test_the_reported_count_follows_the_threshold(database: Database) -> None:
    _, comment_ids = seed_comments(
        database.engine, "a", "b", "c", status=CommentStatus.PUBLISHED, article_id="a-1"
    )
    with database.session(writes=True) as session:
        readers = [create_user(session, f"Reader {i}") for i in range(3)]
    for times, comment_id in zip((1, 2, 3), comment_ids, strict=True):
        for reader in readers[:times]:
            with database.session(writes=True) as session:
                report(session, reader, comment_id)

    for threshold in (1, 2, 3, 4):
        with database.session() as session:
            counts = queue_counts(session, report_threshold=threshold, article_id=None)
            one = queue_counts(session, report_threshold=threshold, article_id="a-1")
            busiest = busiest_articles(session, report_threshold=threshold)
        expected = counted_by_query(database, Queue.REPORTED, threshold)
        assert counts[Queue.REPORTED] == one[Queue.REPORTED] == expected == 4 - threshold
        assert [a.reported for a in busiest] == ([expected] if expected else [])


def test_counters_stay_right_under_concurrent_changes(database_url: str) -> None:
    """Eight threads, each its own connection and transactions, decide, report and delete the
    same few comments in random order: every move that commits is counted exactly once."""
    engine = make_engine(database_url)
    _, held_ids = seed_comments(engine, *(f"held {i}" for i in range(12)), article_id="a-1")
    _, shown_ids = seed_comments(
        engine, *(f"shown {i}" for i in range(12)), status=CommentStatus.PUBLISHED
    )
    with Session(engine, expire_on_commit=False) as session:
        moderators = [create_user(session, f"Moderator {i}", Role.MODERATOR) for i in range(2)]
        readers = [create_user(session, f"Reader {i}") for i in range(6)]
        session.commit()
    comment_ids = held_ids + shown_ids
    failures: list[str] = []
    start = threading.Barrier(8)

    def act(seed: int) -> None:
        chance = random.Random(seed)  # noqa: S311 - a reproducible order of actions
        start.wait()
        for _ in range(25):
            comment_id = chance.choice(comment_ids)
            action = chance.choice(["approve", "reject", "report", "report", "delete"])
            try:
                with session_scope(engine) as session:
                    do(session, action, comment_id, chance)
            except (InvalidTransition, CommentNotFound, AlreadyReported):
                pass  # lost a race or not allowed now: nothing committed, nothing counted
            except Exception as exc:  # noqa: BLE001 - reported in the assertion below
                failures.append(f"{action} {comment_id}: {exc!r}")

    def do(session: Session, action: str, comment_id: int, chance: random.Random) -> None:
        moderator = chance.choice(moderators)
        if action == "report":
            report(session, chance.choice(readers), comment_id)
        elif action == "delete":
            delete_comment(session, comment_id=comment_id, user=moderator)
        else:
            comment = session.get(Comment, comment_id)
            review = Review(
                action=ModeratorAction(action),
                reason="approved" if action == "approve" else "spam",
                expected_status=comment.status if comment else None,
            )
            review_comment(session, comment_id=comment_id, review=review, moderator=moderator)

    threads = [threading.Thread(target=act, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    with Session(engine) as session:
        assert drift(session) == []
        published = session.exec(
            select(Article.published_count).where(Article.id == "article-1")
        ).one()
        assert published == len(
            session.exec(
                select(Comment.id).where(
                    Comment.article_id == "article-1", Comment.status == CommentStatus.PUBLISHED
                )
            ).all()
        )
    engine.dispose()
