"""Re-scores comments held because the model was unavailable, at start-up and periodically, and
decides them with the policy of the moment. Safe with several replicas: each decision is a
compare-and-set on the comment's status."""

import logging
from functools import partial

from sqlmodel import Session, col, select

from auth.users import get_user
from moderation.policy import SCORING_UNAVAILABLE, PolicyConfig, decide
from moderation.scoring.bounded import BoundedScorer
from moderation.scoring.scorers import Scores
from moderation.statuses import CommentStatus
from service.articles.models import Article
from service.comments.errors import InvalidTransition
from service.comments.models import Comment
from service.comments.service import change_status, policy_facts, scored_fields
from service.core.db import Database
from service.core.pagination import Keyset, Page, SortKey
from service.policy.service import PolicyStore

logger = logging.getLogger(__name__)

BATCH = 64


OLDEST_FIRST = Keyset[Comment]((SortKey(col(Comment.id), int),), lambda c: [c.id or 0])


def unscored(session: Session, cursor: str | None) -> Page[Comment]:
    """A batch of the comments held because the model was unavailable, oldest first."""
    query = select(Comment).where(
        col(Comment.status) == CommentStatus.HELD,
        col(Comment.status_reason) == SCORING_UNAVAILABLE.reason,
    )
    query = OLDEST_FIRST.apply(query, limit=BATCH, cursor=cursor)
    return OLDEST_FIRST.page(session.exec(query).all(), BATCH)


def redecide(
    session: Session, *, policy: PolicyConfig, comment: Comment, scores: Scores, model_id: str
) -> None:
    """Decides a comment held while the model was unavailable, now that it has scores. The
    writer is gone, so there is no nudge: a toxic comment simply stays held."""
    facts = policy_facts(
        session,
        policy=policy,
        author=get_user(session, comment.author_id),
        article=session.get(Article, comment.article_id),
        excluding=comment.id,
    )
    decision = decide(facts.context(comment.body, scores), policy)
    change_status(
        session,
        comment,
        decision.status,
        reason=decision.reason,
        note=decision.note,
        action="rescored",
        **scored_fields(scores, model_id),
    )


def redecide_all(
    session: Session,
    *,
    policy: PolicyStore,
    comments: list[Comment],
    results: list[Scores],
    model_ids: list[str],
) -> int:
    """Each comment in its own savepoint, all under one policy; returns how many were decided."""
    config = policy.current(session).policy
    decided = 0
    for comment, scores, model_id in zip(comments, results, model_ids, strict=True):
        try:
            with session.begin_nested():
                redecide(session, policy=config, comment=comment, scores=scores, model_id=model_id)
        except InvalidTransition:
            continue  # a moderator or another replica decided it meanwhile
        decided += 1
    return decided


async def rescore_unscored(
    *, database: Database, scoring: BoundedScorer, policy: PolicyStore
) -> int:
    """Decides every comment it can score now; returns how many it decided."""
    decided = 0
    cursor: str | None = None
    while True:
        page = await database.run(partial(unscored, cursor=cursor))
        if not page.items:
            break
        results = await scoring.score_many([c.body for c in page.items])
        if results is None:
            break  # the model is still unavailable; the next sweep tries again
        decided += await database.run(
            partial(
                redecide_all,
                policy=policy,
                comments=page.items,
                results=results,
                model_ids=[scoring.model_id_for(comment.body) for comment in page.items],
            ),
            writes=True,
        )
        if (cursor := page.next_cursor) is None:
            break
    if decided:
        logger.info("re-scoring sweep decided %d comment(s)", decided)
    return decided
