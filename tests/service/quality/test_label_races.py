"""A moderator decides the text they read: an edit committed between their read and their
decision refuses the decision, so no label is kept for a text nobody judged."""

import pytest
from sqlmodel import Session, select

from auth.models import User
from moderation.statuses import CommentStatus, ModeratorAction
from service.comments.errors import InvalidTransition
from service.comments.labels import CommentLabel
from service.comments.models import Comment
from service.comments.service import get_comment
from service.core.db import Database, utcnow
from service.queue.service import Review, review_comment
from tests.support.app import POSTGRES_URL
from tests.support.factories import SignedIn, seed_comments

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is None,
    reason="needs PostgreSQL's row versions: on SQLite a writer holds the one write lock from "
    "its first read, so an edit cannot land between a moderator's read and decision "
    "(CI sets COMMENTMOD_TEST_DATABASE_URL)",
)


def test_an_edit_between_the_moderators_read_and_decision_refuses_the_decision(
    database: Database, moderator: SignedIn
) -> None:
    _, (comment_id,) = seed_comments(database.engine, "You are an idiot")
    with database.session(writes=True) as session:
        session.execute(
            Comment.__table__.update()  # type: ignore[attr-defined]
            .where(Comment.__table__.c.id == comment_id)  # type: ignore[attr-defined]
            .values(scores={"toxicity": 0.9}, toxicity=0.9, model_id="m-1")
        )
    with database.session(writes=True) as deciding:
        read = get_comment(deciding, comment_id)
        assert read.status == CommentStatus.HELD
        with database.session(writes=True) as editing:  # the author's edit lands meanwhile
            edited = editing.get(Comment, comment_id)
            assert edited is not None
            edited.body, edited.edited_at = "I take it back", utcnow()
        moderator_user = deciding.get(User, moderator.id)
        assert moderator_user is not None
        with pytest.raises(InvalidTransition):
            review_comment(
                deciding,
                comment_id=comment_id,
                review=Review(action=ModeratorAction.REJECT, reason="offensive"),
                moderator=moderator_user,
            )
    with Session(database.engine) as session:
        assert session.exec(select(CommentLabel)).all() == []
