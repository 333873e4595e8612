"""A moderator deciding a notice while the sweep ends the same temporary measure, and an
objection arriving as the period ends: one outcome each, never a mix (PostgreSQL row locks)."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select, update

from auth.models import User
from moderation.redress import MeasureNotifiers, NoticeAction, NoticeKind, NoticeStatus
from moderation.statuses import CommentStatus
from service.audit.models import AuditEvent
from service.comments.models import Comment
from service.core.db import utcnow
from service.core.settings import Settings
from service.notices.models import Notice
from service.notices.service import (
    NoMeasure,
    NoticeDecided,
    NoticeDecision,
    NoticeDraft,
    decide_notice,
    end_measures,
    file_notice,
    object_to_measure,
)
from tests.service.notices.test_notices import notice
from tests.service.queue.test_concurrent_decisions import race
from tests.support.app import POSTGRES_URL
from tests.support.factories import SignedIn, published

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is None,
    reason="needs PostgreSQL's row locks to race two writers "
    "(CI sets COMMENTMOD_TEST_DATABASE_URL)",
)


def sweeping(now: datetime) -> Callable[[Session], object]:
    return lambda session: end_measures(session, now=now)


def deciding_once(
    reference: str, decision: NoticeDecision, moderator: User
) -> Callable[[Session], object]:
    def decide(session: Session) -> object:
        try:
            return decide_notice(
                session, reference=reference, decision=decision, moderator=moderator
            )
        except NoticeDecided:
            return None  # the sweep got there first

    return decide


def objecting(comment_id: int, author: User) -> Callable[[Session], object]:
    def objects(session: Session) -> object:
        try:
            return object_to_measure(
                session, comment_id=comment_id, author=author, explanation="It is true."
            )
        except NoMeasure:
            return None  # the period was over when it arrived

    return objects


def filing(comment_id: int) -> Callable[[Session], object]:
    draft = NoticeDraft(
        kind=NoticeKind.RIGHTS_INFRINGEMENT,
        explanation="It names me and calls me a thief, which is false.",
        legal_ground=None,
        notifier_name="Late Notifier",
        notifier_email="late@example.kr",
    )
    return lambda session: file_notice(
        session,
        comment_id=comment_id,
        draft=draft,
        notifier=None,
        measure_days=30,
        measure_notifiers=MeasureNotifiers.ANYONE,
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Many notices from one test client's address, each starting a measure (anonymous)."""
    return settings.model_copy(
        update={"notice_rate_limits": "", "temporary_measure_notifiers": "anyone"}
    )


def test_a_decision_and_the_end_of_the_period_settle_a_measure_once(
    client: TestClient, engine: Engine, reader: SignedIn, moderator: SignedIn
) -> None:
    for _ in range(5):  # repeat: one lucky interleaving proves little
        comment_id = published(client, reader)
        reference = notice(client, comment_id).json()["reference"]
        notice(client, comment_id, notifier_name="Second Notifier")
        with Session(engine) as session:
            deciding = session.get(User, moderator.id)
            assert deciding is not None
        restore = NoticeDecision(
            action=NoticeAction.RESTORE, ground="no infringement", explanation="Fair comment."
        )

        outcomes = race(
            engine,
            [deciding_once(reference, restore, deciding), sweeping(utcnow() + timedelta(days=31))],
        )

        assert outcomes == ["won", "won"]
        with Session(engine) as session:
            comment = session.get(Comment, comment_id)
            notices = session.exec(select(Notice).where(Notice.comment_id == comment_id)).all()
            decided = session.exec(
                select(AuditEvent).where(
                    AuditEvent.comment_id == comment_id, AuditEvent.action == "notice_decided"
                )
            ).all()
        assert comment is not None
        actions = {n.action for n in notices}
        assert all(n.status == NoticeStatus.DECIDED for n in notices)
        assert len(decided) == 2  # each notice decided once
        if comment.status == CommentStatus.PUBLISHED:
            assert actions == {NoticeAction.RESTORE}
        else:
            assert (comment.status, actions) == (CommentStatus.REJECTED, {NoticeAction.REMOVE})


def test_an_objection_racing_the_end_of_the_period_is_never_ignored(
    client: TestClient, engine: Engine, reader: SignedIn
) -> None:
    for _ in range(5):
        comment_id = published(client, reader)
        reference = notice(client, comment_id).json()["reference"]
        with Session(engine, expire_on_commit=False) as session:
            author = session.get(User, reader.id)
            assert author is not None
            ends = utcnow() + timedelta(seconds=2)
            session.execute(
                update(Notice)
                .where(col(Notice.reference) == reference)
                .values(measure_ends_at=ends)
            )
            session.commit()

        outcomes = race(
            engine, [objecting(comment_id, author), sweeping(ends + timedelta(seconds=1))]
        )

        assert outcomes == ["won", "won"]
        with Session(engine) as session:
            comment = session.get(Comment, comment_id)
            (row,) = session.exec(select(Notice).where(col(Notice.comment_id) == comment_id))
        assert comment is not None
        if row.objected_at is not None:
            assert (comment.status, row.overdue_at is not None) == (CommentStatus.BLOCKED, True)
        else:
            assert comment.status == CommentStatus.REJECTED


def test_a_notice_racing_a_restore_is_decided_with_it_or_is_a_repeat(
    client: TestClient, engine: Engine, reader: SignedIn, moderator: SignedIn
) -> None:
    """Never a restored comment hidden again by a notice that slipped in beside the decision."""
    with Session(engine) as session:
        deciding = session.get(User, moderator.id)
        assert deciding is not None
    restore = NoticeDecision(
        action=NoticeAction.RESTORE, ground="no infringement", explanation="Fair comment."
    )
    for _ in range(5):
        comment_id = published(client, reader)
        reference = notice(client, comment_id).json()["reference"]

        outcomes = race(engine, [deciding_once(reference, restore, deciding), filing(comment_id)])

        assert outcomes == ["won", "won"]
        with Session(engine) as session:
            comment = session.get(Comment, comment_id)
            (late,) = session.exec(
                select(Notice).where(
                    Notice.comment_id == comment_id, col(Notice.reference) != reference
                )
            )
        assert comment is not None
        assert comment.status == CommentStatus.PUBLISHED
        if late.status == NoticeStatus.DECIDED:  # filed first: joined the measure, restored
            assert (late.action, late.repeat) == (NoticeAction.RESTORE, False)
        else:  # filed after the decision: waits for a moderator, hides nothing
            assert (late.repeat, late.measure_started_at) == (True, None)
