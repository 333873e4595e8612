"""Re-scores comments that were never decided: left `pending` by a crash, or held because the
model was unavailable. Runs at start-up and periodically; safe with several replicas."""

import asyncio
import logging
from datetime import timedelta

import anyio.to_thread
from sqlalchemy import Engine, and_, or_
from sqlmodel import Session, col, select

from moderation.policy import SCORING_UNAVAILABLE, CommentContext, PolicyConfig, decide
from moderation.scoring import Scores
from moderation.statuses import CommentStatus
from service.comments.models import Comment
from service.comments.service import InvalidTransition, apply_decision
from service.db import utcnow
from service.scoring import ScoringService

logger = logging.getLogger(__name__)

BATCH = 64


def _undecided(engine: Engine, pending_before: timedelta, after_id: int) -> list[Comment]:
    cutoff = utcnow() - pending_before
    with Session(engine, expire_on_commit=False) as session:
        return list(
            session.exec(
                select(Comment)
                .where(
                    col(Comment.id) > after_id,
                    or_(
                        and_(
                            col(Comment.status) == CommentStatus.PENDING,
                            col(Comment.created_at) < cutoff,
                        ),
                        and_(
                            col(Comment.status) == CommentStatus.HELD,
                            col(Comment.status_reason) == SCORING_UNAVAILABLE.reason,
                        ),
                    ),
                )
                .order_by(col(Comment.id))
                .limit(BATCH)
            ).all()
        )


def _apply(
    engine: Engine,
    comments: list[Comment],
    results: list[Scores] | None,
    policy: PolicyConfig,
    model_id: str,
) -> int:
    decided = 0
    with Session(engine, expire_on_commit=False) as session:
        for index, comment in enumerate(comments):
            scores = results[index] if results is not None else None
            decision = decide(CommentContext(text=comment.body, scores=scores), policy)
            if decision == SCORING_UNAVAILABLE and comment.status == CommentStatus.HELD:
                continue
            session.add(comment)
            try:
                apply_decision(session, comment, decision, scores, model_id)
            except InvalidTransition:
                continue  # a moderator or another replica decided it meanwhile
            decided += 1
        session.commit()
    return decided


async def rescore_undecided(
    engine: Engine, scoring: ScoringService, policy: PolicyConfig, pending_before: timedelta
) -> int:
    """Decides every undecided comment it can; returns how many changed status."""
    decided = 0
    after_id = 0
    while comments := await anyio.to_thread.run_sync(_undecided, engine, pending_before, after_id):
        after_id = comments[-1].id or after_id
        results = await scoring.score_many([c.body for c in comments])
        decided += await anyio.to_thread.run_sync(
            _apply, engine, comments, results, policy, scoring.model_id
        )
        if results is None:
            break  # the model is still unavailable; the next sweep tries again
    if decided:
        logger.info("re-scoring sweep decided %d comment(s)", decided)
    return decided


async def sweep_forever(
    engine: Engine,
    scoring: ScoringService,
    policy: PolicyConfig,
    pending_before: timedelta,
    interval: float,
) -> None:
    while True:
        try:
            await rescore_undecided(engine, scoring, policy, pending_before)
        except Exception:
            logger.exception("re-scoring sweep failed; retrying in %.0fs", interval)
        if interval <= 0:
            return
        await asyncio.sleep(interval)
