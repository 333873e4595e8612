"""Two moderators deciding the same comment at the same moment: exactly one wins."""

import threading
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, select

from auth.models import Role, User
from moderation.statuses import CommentStatus, ModeratorAction
from service.audit.models import AuditEvent
from service.comments.errors import InvalidTransition
from service.comments.models import Comment
from service.comments.tallies import drift, repair
from service.core.db import make_engine, session_scope
from service.queue.service import Review, review_comment
from tests.support.factories import create_user, seed_comments


def held_comment(engine: Engine) -> tuple[int, list[User]]:
    _, (comment_id,) = seed_comments(engine, "borderline")
    with Session(engine, expire_on_commit=False) as session:
        moderators = [create_user(session, f"Moderator {i}", Role.MODERATOR) for i in range(2)]
        session.commit()
        return comment_id, moderators


def race(engine: Engine, deciders: list[Callable[[Session], object]]) -> list[str]:
    """Runs each decider in its own thread and transaction, released together."""
    start = threading.Barrier(len(deciders))
    outcomes: list[str] = []

    def run(decider: Callable[[Session], object]) -> None:
        start.wait()
        try:
            with session_scope(engine) as session:
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
    approve = Review(action=ModeratorAction.APPROVE, reason="approved")
    reject = Review(action=ModeratorAction.REJECT, reason="spam")

    for _ in range(5):  # repeat: one lucky interleaving proves little
        outcomes = race(
            engine,
            [
                lambda s: review_comment(s, comment_id=comment_id, review=approve, moderator=first),
                lambda s: review_comment(s, comment_id=comment_id, review=reject, moderator=second),
            ],
        )
        assert sorted(outcomes) == ["invalid_transition", "won"]
        with Session(engine) as session:
            actions = session.exec(
                select(AuditEvent).where(
                    AuditEvent.comment_id == comment_id, AuditEvent.action == "status_change"
                )
            ).all()
            assert len(actions) == 1
            comment = session.get(Comment, comment_id)
            assert comment is not None
            assert comment.status == actions[0].to_status
            assert drift(session) == []  # the counters moved once, with the winner
            # Put it back in the queue for the next round (and the counters with it).
            session.delete(actions[0])
            comment.status = CommentStatus.HELD
            session.add(comment)
            session.flush()
            repair(session)
            session.commit()
    engine.dispose()
