"""Comment queries without HTTP."""

from sqlmodel import Session

from moderation.statuses import CommentStatus
from service.comments.service import count_author_published
from service.core.db import Database
from tests.support.factories import seed_comments


def test_an_authors_published_comments_are_counted_up_to_the_number_asked(
    database: Database,
) -> None:
    author, (first, *_) = seed_comments(
        database.engine, "a", "b", "c", status=CommentStatus.PUBLISHED, status_reason="passed"
    )
    with Session(database.engine) as session:
        assert count_author_published(session, author, excluding=None, up_to=0) == 0
        assert count_author_published(session, author, excluding=None, up_to=2) == 2
        assert count_author_published(session, author, excluding=None, up_to=10) == 3
        assert count_author_published(session, author, excluding=first, up_to=10) == 2


def test_only_published_comments_count(database: Database) -> None:
    author, _ = seed_comments(database.engine, "held", "held too")
    with Session(database.engine) as session:
        assert count_author_published(session, author, excluding=None, up_to=10) == 0
