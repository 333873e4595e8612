"""Two moderators deciding the same comment at the same moment: exactly one wins."""

import threading
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, select

from auth.models import Role, User
from moderation.statuses import CommentStatus, ModeratorAction
from service.admin.service import decide
from service.comments.models import Comment, ModerationAction
from service.comments.service import InvalidTransition, register_article
from service.db import make_engine, session_scope


def held_comment(engine: Engine) -> tuple[int, list[User]]:
    with Session(engine, expire_on_commit=False) as session:
        author = User(display_name="Author")
        moderators = [User(display_name=f"Moderator {i}", role=Role.MODERATOR) for i in range(2)]
        session.add_all([author, *moderators])
        session.flush()
        register_article(session, "article-1")
        assert author.id is not None
        comment = Comment(
            article_id="article-1",
            author_id=author.id,
            body="borderline",
            status=CommentStatus.HELD,
            status_reason="toxic",
        )
        session.add(comment)
        session.commit()
        assert comment.id is not None
        return comment.id, moderators


def race(engine: Engine, deciders: list[Callable[[Session], object]]) -> list[str]:
    """Runs each decider in its own thread and transaction, released together."""
    start = threading.Barrier(len(deciders))
    outcomes: list[str] = []

    def run(decider: Callable[[Session], object]) -> None:
        start.wait()
        try:
            for session in session_scope(engine):
                decider(session)
            outcomes.append("won")
        except InvalidTransition:
            outcomes.append("invalid_transition")
        except Exception as exc:  # noqa: BLE001 - reported in the assertion, not lost in a thread
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=run, args=(d,)) for d in deciders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_exactly_one_of_two_concurrent_decisions_wins(database_url: str) -> None:
    engine = make_engine(database_url)
    comment_id, (first, second) = held_comment(engine)

    for _ in range(5):  # repeat: one lucky interleaving proves little
        outcomes = race(
            engine,
            [
                lambda s: decide(s, comment_id, ModeratorAction.APPROVE, first, "approved", None),
                lambda s: decide(s, comment_id, ModeratorAction.REJECT, second, "spam", None),
            ],
        )
        assert sorted(outcomes) == ["invalid_transition", "won"]
        with Session(engine) as session:
            actions = session.exec(
                select(ModerationAction).where(ModerationAction.comment_id == comment_id)
            ).all()
            assert len(actions) == 1
            comment = session.get(Comment, comment_id)
            assert comment is not None
            assert comment.status == actions[0].to_status
            # Put it back in the queue for the next round.
            session.delete(actions[0])
            comment.status = CommentStatus.HELD
            session.add(comment)
            session.commit()
    engine.dispose()
