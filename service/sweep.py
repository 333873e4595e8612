"""Re-scores comments held because the model was unavailable, at start-up and periodically, and
decides them with the policy of the moment. Safe with several replicas: each decision is a
compare-and-set on the comment's status."""

import asyncio
import logging

import anyio.to_thread
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from moderation.policy import SCORING_UNAVAILABLE
from moderation.scoring import Scores
from moderation.statuses import CommentStatus
from service.comments.models import Comment
from service.comments.service import InvalidTransition, redecide_unscored
from service.policy_store import PolicyStore
from service.scoring import ScoringService

logger = logging.getLogger(__name__)

BATCH = 64


def _unscored(engine: Engine, after_id: int) -> list[Comment]:
    with Session(engine, expire_on_commit=False) as session:
        return list(
            session.exec(
                select(Comment)
                .where(
                    col(Comment.id) > after_id,
                    col(Comment.status) == CommentStatus.HELD,
                    col(Comment.status_reason) == SCORING_UNAVAILABLE.reason,
                )
                .order_by(col(Comment.id))
                .limit(BATCH)
            ).all()
        )


def _apply(
    engine: Engine,
    store: PolicyStore,
    comments: list[Comment],
    results: list[Scores],
    model_id: str,
) -> int:
    decided = 0
    with Session(engine, expire_on_commit=False) as session:
        for comment, scores in zip(comments, results, strict=True):
            session.add(comment)
            try:
                with session.begin_nested():
                    redecide_unscored(session, store, comment, scores, model_id)
            except InvalidTransition:
                continue  # a moderator or another replica decided it meanwhile
            decided += 1
        session.commit()
    return decided


async def rescore_unscored(engine: Engine, scoring: ScoringService, store: PolicyStore) -> int:
    """Decides every comment it can score now; returns how many it decided."""
    decided = 0
    after_id = 0
    while comments := await anyio.to_thread.run_sync(_unscored, engine, after_id):
        after_id = comments[-1].id or after_id
        results = await scoring.score_many([c.body for c in comments])
        if results is None:
            break  # the model is still unavailable; the next sweep tries again
        decided += await anyio.to_thread.run_sync(
            _apply, engine, store, comments, results, scoring.model_id
        )
    if decided:
        logger.info("re-scoring sweep decided %d comment(s)", decided)
    return decided


async def sweep_forever(
    engine: Engine, scoring: ScoringService, store: PolicyStore, interval: float
) -> None:
    while True:
        try:
            await rescore_unscored(engine, scoring, store)
        except Exception:
            logger.exception("re-scoring sweep failed; retrying in %.0fs", interval)
        if interval <= 0:
            return
        await asyncio.sleep(interval)
