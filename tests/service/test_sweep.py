"""Comments left undecided are re-scored: at start-up after a crash, and when the model is back."""

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from auth.models import User
from moderation.policy import PolicyConfig
from moderation.statuses import CommentStatus
from service.comments.models import Comment, ModerationAction
from service.comments.service import register_article
from service.db import make_engine, utcnow
from service.scoring import ScoringService
from service.sweep import rescore_undecided
from tests.fakes import ScriptedScorer

POLICY = PolicyConfig(hold_thresholds={"toxicity": 0.8})


@pytest.fixture
def engine(database_url: str) -> Engine:
    return make_engine(database_url)


def seed(engine: Engine, *comments: Comment) -> list[int]:
    with Session(engine, expire_on_commit=False) as session:
        author = User(display_name="Author")
        session.add(author)
        session.flush()
        register_article(session, "article-1")
        for comment in comments:
            comment.author_id = author.id  # type: ignore[assignment]
            session.add(comment)
        session.commit()
        return [c.id for c in comments if c.id is not None]


def sweep(engine: Engine, scorer: ScriptedScorer, pending_before: timedelta) -> int:
    async def run() -> int:
        scoring = ScoringService(scorer, timeout=2.0, max_batch=8, max_wait=0.001)
        scoring.start()
        try:
            return await rescore_undecided(engine, scoring, POLICY, pending_before)
        finally:
            await scoring.close()

    return asyncio.run(run())


def statuses(engine: Engine) -> dict[int, tuple[str, str | None]]:
    with Session(engine) as session:
        return {c.id: (c.status, c.status_reason) for c in session.exec(select(Comment)).all()}  # type: ignore[misc]


def old_pending(body: str) -> Comment:
    return Comment(
        article_id="article-1",
        author_id=0,
        body=body,
        created_at=utcnow() - timedelta(minutes=10),
    )


def test_pending_comments_left_by_a_crash_are_decided(engine: Engine) -> None:
    civil, toxic = seed(engine, old_pending("fine words"), old_pending("you idiot"))

    assert sweep(engine, ScriptedScorer(), timedelta(seconds=30)) == 2

    assert statuses(engine) == {civil: ("published", "passed_checks"), toxic: ("held", "toxic")}
    with Session(engine) as session:
        actions = session.exec(select(ModerationAction)).all()
    assert {(a.from_status, a.actor_id) for a in actions} == {("pending", None)}


def test_a_comment_still_in_flight_is_left_alone(engine: Engine) -> None:
    (fresh,) = seed(engine, Comment(article_id="article-1", author_id=0, body="just posted"))

    assert sweep(engine, ScriptedScorer(), timedelta(seconds=30)) == 0

    assert statuses(engine) == {fresh: ("pending", None)}


def test_comments_held_while_the_model_was_down_are_rescored(engine: Engine) -> None:
    held = Comment(
        article_id="article-1",
        author_id=0,
        body="fine words",
        status=CommentStatus.HELD,
        status_reason="scoring_unavailable",
    )
    (comment_id,) = seed(engine, held)

    assert sweep(engine, ScriptedScorer(), timedelta(seconds=30)) == 1

    assert statuses(engine) == {comment_id: ("published", "passed_checks")}
    with Session(engine) as session:
        stored = session.get(Comment, comment_id)
        assert stored is not None
        assert stored.model_id == ScriptedScorer.model_id


def test_while_the_model_is_still_down_pending_comments_are_held(engine: Engine) -> None:
    scorer = ScriptedScorer()
    scorer.fail = True
    (pending,) = seed(engine, old_pending("fine words"))

    sweep(engine, scorer, timedelta(seconds=30))
    sweep(engine, scorer, timedelta(seconds=30))

    assert statuses(engine) == {pending: ("held", "scoring_unavailable")}
    with Session(engine) as session:
        assert len(session.exec(select(ModerationAction)).all()) == 1


def test_the_service_sweeps_at_start_up(database_url: str, engine: Engine) -> None:
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import Settings

    (comment_id,) = seed(engine, old_pending("fine words"))
    settings = Settings(database_url=database_url, rescore_interval=0)

    with TestClient(create_app(settings, scorer=ScriptedScorer())):
        for _ in range(100):
            if statuses(engine)[comment_id][0] != "pending":
                break
            time.sleep(0.05)

    assert statuses(engine) == {comment_id: ("published", "passed_checks")}
