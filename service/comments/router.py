"""Reader-facing comment routes: thin, the work is in `service.comments.service`."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from auth.deps import CurrentUser, optional_user
from auth.models import MODERATING_ROLES, User
from moderation.statuses import CommentStatus
from service.comments import service
from service.comments.models import Comment
from service.comments.schemas import (
    ArticleId,
    AuthorPublic,
    CommentCount,
    CommentCreate,
    CommentEdit,
    CommentPage,
    CommentPublic,
    ReportCreate,
    ReportPublic,
)
from service.comments.service import CommentWithAuthor
from service.deps import LimitsDep, PolicyDep, ScoringDep, SessionDep, SettingsDep, client_ip
from service.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    ServiceUnavailable,
    Unprocessable,
    error_responses,
)
from service.pagination import Cursor, Limit
from service.ratelimit import RateLimited

router = APIRouter(prefix="/v1", tags=["comments"])


def to_public(row: CommentWithAuthor, viewer_id: int | None = None) -> CommentPublic:
    """A comment as readers see it; the reason for a hold or rejection only for its author."""
    comment = row.comment
    assert comment.id is not None
    own = viewer_id is not None and comment.author_id == viewer_id
    return CommentPublic(
        id=comment.id,
        article_id=comment.article_id,
        parent_id=comment.parent_id,
        author=AuthorPublic(id=comment.author_id, display_name=row.author_name),
        body=comment.body,
        status=comment.status,
        status_reason=comment.status_reason
        if own and comment.status != CommentStatus.PUBLISHED
        else None,
        reply_count=row.reply_count,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
    )


def _own(comment: Comment, user: User) -> CommentPublic:
    return to_public(CommentWithAuthor(comment, user.display_name), user.id)


@router.post(
    "/articles/{article_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        NotAuthenticated, Forbidden, Conflict, Unprocessable, RateLimited, ServiceUnavailable
    ),
)
async def post_comment(
    article_id: ArticleId,
    payload: CommentCreate,
    user: CurrentUser,
    session: SessionDep,
    scoring: ScoringDep,
    policy: PolicyDep,
    limits: LimitsDep,
) -> CommentPublic:
    """Scores the comment and answers `published`, `held` (for review) or `rejected`, with the
    reason for the author. A toxic comment first gets 422 `toxic_comment` (the nudge). Only
    stored comments count towards the writer's rate limit (moderators have none)."""
    rate = [] if user.role in MODERATING_ROLES else limits.comments
    comment = await service.submit_comment(
        session,
        scoring,
        policy,
        user,
        article_id,
        payload.body,
        payload.parent_id,
        payload.acknowledge_toxicity,
        rate_check=lambda: limits.limiter.ensure_allowed(rate, "comment", str(user.id)),
    )
    limits.limiter.hit(rate, "comment", str(user.id))
    return _own(comment, user)


@router.patch(
    "/comments/{comment_id}",
    responses=error_responses(NotAuthenticated, Forbidden, NotFound, Conflict, Unprocessable),
)
async def edit_comment(
    comment_id: int,
    payload: CommentEdit,
    user: CurrentUser,
    session: SessionDep,
    scoring: ScoringDep,
    policy: PolicyDep,
    settings: SettingsDep,
) -> CommentPublic:
    """Within the edit window; the edit is checked and scored again and the old text kept."""
    comment = await service.edit_comment(
        session,
        scoring,
        policy,
        user,
        comment_id,
        payload.body,
        timedelta(seconds=settings.edit_window),
        payload.acknowledge_toxicity,
    )
    return _own(comment, user)


@router.get("/articles/{article_id}/comments", responses=error_responses(Unprocessable))
def list_comments(
    article_id: ArticleId,
    session: SessionDep,
    viewer: Annotated[User | None, Depends(optional_user)],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> CommentPage:
    """Published comments, newest first, with reply counts for threading; a signed-in author
    also sees their own held and rejected ones, with the reason."""
    rows, next_cursor = service.list_article_comments(session, article_id, viewer, limit, cursor)
    viewer_id = viewer.id if viewer else None
    return CommentPage(items=[to_public(r, viewer_id) for r in rows], next_cursor=next_cursor)


@router.get("/articles/{article_id}/comments/count")
def count_comments(article_id: ArticleId, session: SessionDep) -> CommentCount:
    return CommentCount(article_id=article_id, count=service.count_published(session, article_id))


@router.get("/me/comments", responses=error_responses(NotAuthenticated, Unprocessable))
def my_comments(
    user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> CommentPage:
    """The signed-in reader's comments on every article, with their statuses and reasons."""
    rows, next_cursor = service.list_own_comments(session, user, limit, cursor)
    return CommentPage(items=[to_public(r, user.id) for r in rows], next_cursor=next_cursor)


@router.post(
    "/comments/{comment_id}/reports",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(NotAuthenticated, Forbidden, NotFound, Conflict),
)
def report_comment(
    comment_id: int,
    payload: ReportCreate,
    user: CurrentUser,
    session: SessionDep,
    limits: LimitsDep,
    request: Request,
) -> ReportPublic:
    limits.limiter.take(limits.reports, "report", client_ip(request))
    report = service.report_comment(session, user, comment_id, payload.reason, payload.note)
    return ReportPublic.model_validate(report, from_attributes=True)


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated, Forbidden, NotFound),
)
def delete_comment(comment_id: int, user: CurrentUser, session: SessionDep) -> None:
    service.delete_comment(session, comment_id, user, is_moderator=user.role in MODERATING_ROLES)
