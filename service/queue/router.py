"""The moderators' queues and decisions (under /v1/admin)."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from auth.deps import MODERATORS_ONLY, Moderator
from auth.users import UserNotFound
from moderation.policy import threshold_effect
from moderation.queues import APPROVED_REASON, Queue
from moderation.statuses import ModeratorAction
from service.articles.schemas import ArticleFilter
from service.audit.service import comment_history
from service.comments import reactions, tallies
from service.comments.errors import CommentNotFound, InvalidTransition
from service.comments.models import Comment
from service.comments.schemas import CommentAdmin, CommentAdminPage
from service.comments.service import get_comment, revisions_of, with_author
from service.core.deps import DatabaseDep, ScoringDep, SessionDep, SettingsDep
from service.core.errors import Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.schemas import Id
from service.policy.deps import PolicyDep
from service.queue import service
from service.queue.schemas import (
    ApproveRequest,
    ArticleQueueCounts,
    BulkDecision,
    BulkItem,
    BulkResults,
    CommentAdminDetail,
    HoldPreview,
    ModelExplanation,
    ProposedThresholds,
    QueueCounts,
    QueueCountsPage,
    QueueSort,
    ReactionTimelinePublic,
    RejectAll,
    RejectRequest,
    TakedownResults,
)
from service.queue.service import QueueFilter, Review, ReviewResult
from service.reports.service import reports_on

admin_router = APIRouter(dependencies=MODERATORS_ONLY)

DECISION_ERRORS = (CommentNotFound, InvalidTransition, Unprocessable)


def _bulk(results: list[ReviewResult]) -> BulkResults:
    return BulkResults(results=[BulkItem.model_validate(result) for result in results])


@admin_router.get("/queue", responses=error_responses(Unprocessable, InvalidCursor))
def moderation_queue(
    session: SessionDep,
    settings: SettingsDep,
    status: Queue = Queue.HELD,
    sort: QueueSort = QueueSort.OLDEST,
    article_id: ArticleFilter = None,
    author_id: Id | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> CommentAdminPage:
    """`held`, `reported` (published, reported by readers), `rejected` or `approved` comments,
    with their scores; `sort=toxicity` is worst first, `sort=reports` most reported first."""
    where = QueueFilter(
        queue=status,
        report_threshold=settings.report_threshold,
        article_id=article_id,
        author_id=author_id,
    )
    page = service.queue_page(session, where=where, sort=sort, limit=limit, cursor=cursor)
    return CommentAdminPage(
        items=[CommentAdmin.of(row) for row in page.items], next_cursor=page.next_cursor
    )


@admin_router.get("/queues/counts", responses=error_responses(Unprocessable))
def queue_counts(
    session: SessionDep, settings: SettingsDep, article_id: ArticleFilter = None
) -> QueueCountsPage:
    """Badge numbers for each queue (for one article with `article_id`), and the busiest
    articles."""
    threshold = settings.report_threshold
    counts = tallies.queue_counts(session, report_threshold=threshold, article_id=article_id)
    articles = tallies.busiest_articles(session, report_threshold=threshold)
    return QueueCountsPage(
        counts=QueueCounts(**counts),
        articles=[ArticleQueueCounts.model_validate(article) for article in articles],
    )


@admin_router.get("/queues/held/preview", responses=error_responses(Unprocessable))
def hold_preview(
    proposal: Annotated[ProposedThresholds, Query()], session: SessionDep, policy: PolicyDep
) -> HoldPreview:
    """How many of the last days' scored comments the given hold thresholds would have held,
    beside the thresholds in force (`toxicity=0.7&insult=0.6`; the rest stay as they are)."""
    current = dict(policy.current(session).settings.hold_thresholds)
    proposed = {**current, **proposal.thresholds()}
    scored = service.recent_scores(session, days=proposal.days)
    return HoldPreview.of(
        threshold_effect(scored, current, proposed),
        days=proposal.days,
        current=current,
        proposed=proposed,
    )


@admin_router.get(
    "/comments/{comment_id}", responses=error_responses(CommentNotFound, Unprocessable)
)
async def comment_detail(
    comment_id: Id, database: DatabaseDep, scoring: ScoringDep
) -> CommentAdminDetail:
    """The comment with its scores, every action on it, its earlier versions, its reports, and
    the words or character n-grams that pushed its score up (`explanation`: for Detoxify and its
    exports, the words whose removal lowers its score most; a model that cannot say in
    `COMMENTMOD_SCORING_TIMEOUT` is left out)."""

    def read(session: Session) -> tuple[Comment, CommentAdminDetail]:
        comment = get_comment(session, comment_id)
        return comment, CommentAdminDetail.of_history(
            with_author(session, comment),
            actions=comment_history(session, comment_id),
            revisions=revisions_of(session, comment_id),
            reports=reports_on(session, comment_id),
            explanation=[],
        )

    # Explained after the unit of work (occlusion is a forward pass): no transaction waits on it.
    comment, detail = await database.run(read)
    if not comment.model_id:
        return detail
    explained = await scoring.explain(comment.body, comment.model_id)
    return detail.model_copy(
        update={"explanation": [ModelExplanation.model_validate(e) for e in explained]}
    )


@admin_router.get(
    "/comments/{comment_id}/reactions",
    responses=error_responses(CommentNotFound, Unprocessable),
)
def reaction_timeline(comment_id: Id, session: SessionDep) -> ReactionTimelinePublic:
    """A comment's likes and dislikes over time, and the newest with their accounts' ages: how
    a moderator sees a burst from new accounts (`reaction_burst` in the reported queue)."""
    return ReactionTimelinePublic.of(reactions.reaction_timeline(session, comment_id))


@admin_router.post("/comments/{comment_id}/approve", responses=error_responses(*DECISION_ERRORS))
def approve(
    comment_id: Id,
    moderator: Moderator,
    session: SessionDep,
    payload: ApproveRequest | None = None,
) -> CommentAdmin:
    payload = payload or ApproveRequest()
    review = Review(
        action=ModeratorAction.APPROVE,
        reason=APPROVED_REASON,
        note=payload.note,
        expected_status=payload.expected_status,
    )
    comment = service.review_comment(
        session, comment_id=comment_id, review=review, moderator=moderator
    )
    return CommentAdmin.of(with_author(session, comment))


@admin_router.post("/comments/{comment_id}/reject", responses=error_responses(*DECISION_ERRORS))
def reject(
    comment_id: Id, payload: RejectRequest, moderator: Moderator, session: SessionDep
) -> CommentAdmin:
    review = Review(
        action=ModeratorAction.REJECT,
        reason=payload.reason,
        note=payload.note,
        expected_status=payload.expected_status,
    )
    comment = service.review_comment(
        session, comment_id=comment_id, review=review, moderator=moderator
    )
    return CommentAdmin.of(with_author(session, comment))


@admin_router.post("/comments:bulk", responses=error_responses(Unprocessable))
def bulk_decide(payload: BulkDecision, moderator: Moderator, database: DatabaseDep) -> BulkResults:
    """Approve or reject many comments; each succeeds or fails on its own (its `error` says
    why, `database_busy` or `database_unavailable` for those the database could not take
    once some were decided: send those again)."""
    review = Review(
        action=payload.action,
        reason=payload.reason or APPROVED_REASON,
        note=payload.note,
        expected_status=payload.expected_status,
    )
    ids = list(dict.fromkeys(payload.ids))
    return _bulk(service.review_many(database, ids=ids, review=review, moderator=moderator))


@admin_router.post(
    "/users/{user_id}/comments:reject", responses=error_responses(UserNotFound, Unprocessable)
)
def reject_all_by_author(
    user_id: Id, payload: RejectAll, moderator: Moderator, database: DatabaseDep
) -> TakedownResults:
    """Rejects every held and published comment of one author, oldest first, for about ten
    seconds at most: `remaining` says how many are still up (new ones, those refused, or those
    there was no time for); while it is above zero, send the same request again."""
    takedown = service.reject_all_by_author(
        database, author_id=user_id, reason=payload.reason, note=payload.note, moderator=moderator
    )
    return TakedownResults(results=_bulk(takedown.results).results, remaining=takedown.remaining)
