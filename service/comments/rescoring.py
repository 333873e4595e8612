"""Re-scores comments held because the model was unavailable, at start-up and periodically, and
decides them with the policy of the moment. Safe with several replicas: each decision is a
compare-and-set on the comment's status."""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import anyio
from sqlmodel import Session, col, select, update

from auth.models import User
from auth.users import get_user
from moderation.policy import SCORING_UNAVAILABLE, Decision, decide
from moderation.scoring.bounded import BoundedScorer
from moderation.scoring.scorers import Scorer, Scores
from moderation.statuses import CommentStatus
from service.abuse.external import external_payload
from service.abuse.screening import Screening
from service.abuse.service import count_external
from service.articles.models import Article
from service.comments.errors import InvalidTransition
from service.comments.models import Comment
from service.comments.service import change_status, policy_facts, scored_fields
from service.core.db import Database
from service.core.pagination import Keyset, Page, SortKey
from service.policy.schemas import ExternalModeration
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


@dataclass
class Redecision:
    """A held comment's new decision: decided in one unit of work, stored in another, the
    external hook asked between them (never inside a transaction)."""

    comment: Comment
    author: User
    scores: Scores
    model_id: str
    decision: Decision
    links: list[str]
    outcome: str | None = None
    """The external hook's outcome to count; None when it was not asked."""


def redecide_page(
    session: Session,
    *,
    policy: PolicyStore,
    comments: list[Comment],
    results: list[Scores],
    model_ids: list[str],
) -> tuple[list[Redecision], ExternalModeration | None]:
    """Decides each comment with the policy of the moment, now that it has scores, and says
    which external hook to ask about those it would publish. The writer is gone, so there is
    no nudge: a toxic comment simply stays held."""
    snapshot = policy.current(session)
    redecisions = []
    for comment, scores, model_id in zip(comments, results, model_ids, strict=True):
        author = get_user(session, comment.author_id)
        facts = policy_facts(
            session,
            policy=snapshot.policy,
            author=author,
            article=session.get(Article, comment.article_id),
            excluding=comment.id,
            text=comment.body,
        )
        decision = decide(facts.context(comment.body, scores), snapshot.policy)
        links = [link.domain for link in facts.links]
        redecisions.append(Redecision(comment, author, scores, model_id, decision, links))
    return redecisions, snapshot.settings.external_moderation


CONSULTED_AT_ONCE = 8
"""External hook calls in flight at once from the sweep: a page of held comments is asked in
a few deadlines, not one per comment, without flooding the newsroom's endpoint."""


async def consult_hook(
    screening: Screening, hook: ExternalModeration | None, redecisions: list[Redecision]
) -> None:
    """Phase 4 for the sweep, as for a new comment: the hook has the last word on each
    comment the policy would publish (a comment held while the model was down must not skip
    it)."""
    if hook is None:
        return
    limiter = anyio.CapacityLimiter(CONSULTED_AT_ONCE)

    async def consult(redecision: Redecision) -> None:
        comment = redecision.comment
        payload = external_payload(
            article_id=comment.article_id,
            parent_id=comment.parent_id,
            author_id=comment.author_id,
            author_created_at=redecision.author.created_at,
            text=comment.body,
            scores=redecision.scores,
            links=redecision.links,
        )
        async with limiter:
            redecision.decision, redecision.outcome = await screening.consult(
                hook, redecision.decision, payload
            )

    async with anyio.create_task_group() as group:
        for redecision in redecisions:
            if redecision.decision.status == CommentStatus.PUBLISHED:
                group.start_soon(consult, redecision)


def store_redecisions(session: Session, redecisions: list[Redecision]) -> int:
    """Each comment in its own savepoint; returns how many were decided. A comment a
    moderator or another replica decided meanwhile keeps that decision."""
    decided = 0
    outcomes: Counter[str] = Counter()
    for redecision in redecisions:
        try:
            with session.begin_nested():
                change_status(
                    session,
                    redecision.comment,
                    redecision.decision.status,
                    reason=redecision.decision.reason,
                    note=redecision.decision.note,
                    action="rescored",
                    **scored_fields(redecision.scores, redecision.model_id),
                )
        except InvalidTransition:
            continue
        decided += 1
        if redecision.outcome is not None:
            outcomes[redecision.outcome] += 1
    for outcome, times in sorted(outcomes.items()):  # a shared row: locked last
        count_external(session, outcome, times=times)
    return decided


async def rescore_unscored(
    *, database: Database, scoring: BoundedScorer, policy: PolicyStore, screening: Screening
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
        redecisions, hook = await database.run(
            partial(
                redecide_page,
                policy=policy,
                comments=page.items,
                results=results,
                model_ids=[scoring.model_id_for(comment.body) for comment in page.items],
            )
        )
        await consult_hook(screening, hook, redecisions)
        decided += await database.run(
            partial(store_redecisions, redecisions=redecisions), writes=True
        )
        if (cursor := page.next_cursor) is None:
            break
    if decided:
        logger.info("re-scoring sweep decided %d comment(s)", decided)
    return decided


def rescore_waiting(
    database: Database,
    scorer: Scorer,
    *,
    status: CommentStatus,
    since: datetime | None = None,
    batch: int = BATCH,
) -> int:
    """`commentmod rescore`: scores the comments in `status` (written since `since`) again with
    the model now in use and stores the scores with its model id, so "worst first" orders the
    queue by the model the newsroom just chose. No status moves: what waits for a moderator
    still waits. A comment edited or decided meanwhile keeps what it has. Returns how many were
    re-scored."""
    rescored = 0
    cursor: str | None = None
    while True:
        with database.session() as session:
            query = select(Comment).where(col(Comment.status) == status)
            if since is not None:
                query = query.where(col(Comment.created_at) >= since)
            page = OLDEST_FIRST.page(
                session.exec(OLDEST_FIRST.apply(query, limit=batch, cursor=cursor)).all(), batch
            )
        if not page.items:
            break
        results = scorer.score_batch([comment.body for comment in page.items])
        with database.session(writes=True) as session:
            for comment, scores in zip(page.items, results, strict=True):
                written = session.execute(
                    update(Comment)
                    .where(
                        col(Comment.id) == comment.id,
                        col(Comment.status) == status,
                        col(Comment.body) == comment.body,
                    )
                    .values(**scored_fields(scores, scorer.model_id_for(comment.body)))
                )
                rescored += written.rowcount  # type: ignore[attr-defined]
        if (cursor := page.next_cursor) is None:
            break
    return rescored
