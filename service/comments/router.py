"""Reader-facing comment routes: thin, the work is in `posting` and `service`."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from auth.deps import AUTHENTICATION_ERRORS, CurrentUser, OptionalUser
from auth.models import MODERATING_ROLES
from auth.users import UserBanned, UserSuspended
from service.articles.schemas import ArticleId
from service.articles.service import ArticleClosed
from service.comments import service
from service.comments.errors import (
    TEXT_RULE_ERRORS,
    CommentNotFound,
    EditWindowClosed,
    InvalidTransition,
    ParentUnavailable,
    ToxicComment,
)
from service.comments.models import CommentWithAuthor
from service.comments.posting import CommentWriter
from service.comments.schemas import (
    CommentCount,
    CommentCreate,
    CommentEdit,
    CommentPage,
    CommentPublic,
)
from service.core.deps import DatabaseDep, LimitsDep, ScoringDep, SessionDep, SettingsDep
from service.core.errors import Forbidden, NotAuthenticated, Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit, Page
from service.core.ratelimit import RateLimited
from service.core.schemas import Id
from service.idempotency.service import IdempotencyKey, IdempotencyKeyReused, Retryable
from service.policy.deps import PolicyDep
from service.policy.service import CommentingDisabled

router = APIRouter(prefix="/v1", tags=["comments"])


def get_writer(database: DatabaseDep, scoring: ScoringDep, policy: PolicyDep) -> CommentWriter:
    return CommentWriter(database, scoring, policy)


Writer = Annotated[CommentWriter, Depends(get_writer)]


def _page(page: Page[CommentWithAuthor], viewer_id: int | None) -> CommentPage:
    return CommentPage(
        items=[CommentPublic.for_viewer(row, viewer_id) for row in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/articles/{article_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        *AUTHENTICATION_ERRORS,
        UserBanned,
        UserSuspended,
        ArticleClosed,
        ParentUnavailable,
        Unprocessable,
        *TEXT_RULE_ERRORS,
        ToxicComment,
        IdempotencyKeyReused,
        RateLimited,
        CommentingDisabled,
    ),
)
async def post_comment(
    article_id: ArticleId,
    payload: CommentCreate,
    user: CurrentUser,
    writer: Writer,
    limits: LimitsDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> CommentPublic:
    """Scores the comment and answers `published`, `held` (for review) or `rejected`, with the
    reason for the author. A toxic comment first gets 422 `toxic_comment` (the nudge). Only
    comments that get stored count towards the writer's rate limit (moderators have none).
    Send an `Idempotency-Key` to retry safely."""
    assert user.id is not None
    return await writer.post(
        author=user,
        article_id=article_id,
        draft=payload,
        allowance=limits.comments_by(user.id, exempt=user.role in MODERATING_ROLES),
        retry=Retryable.of(request, user_id=user.id, key=idempotency_key, payload=payload),
    )


@router.patch(
    "/comments/{comment_id}",
    responses=error_responses(
        *AUTHENTICATION_ERRORS,
        Forbidden,
        UserBanned,
        UserSuspended,
        CommentNotFound,
        ArticleClosed,
        InvalidTransition,
        EditWindowClosed,
        Unprocessable,
        *TEXT_RULE_ERRORS,
        ToxicComment,
        CommentingDisabled,
    ),
)
async def edit_comment(
    comment_id: Id, payload: CommentEdit, user: CurrentUser, writer: Writer, settings: SettingsDep
) -> CommentPublic:
    """Within the edit window; the edit is checked and scored again and the old text kept."""
    comment = await writer.edit(
        author=user,
        comment_id=comment_id,
        edit=payload,
        edit_window=timedelta(seconds=settings.edit_window),
    )
    return CommentPublic.for_author(comment, user)


@router.get(
    "/articles/{article_id}/comments", responses=error_responses(Unprocessable, InvalidCursor)
)
def list_comments(
    article_id: ArticleId,
    session: SessionDep,
    viewer: OptionalUser,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> CommentPage:
    """Published comments, newest first, with reply counts for threading; a signed-in author
    also sees their own held and rejected ones, with the reason."""
    viewer_id = viewer.id if viewer else None
    page = service.article_page(
        session, article_id=article_id, viewer_id=viewer_id, limit=limit, cursor=cursor
    )
    return _page(page, viewer_id)


@router.get("/articles/{article_id}/comments/count", responses=error_responses(Unprocessable))
def count_comments(article_id: ArticleId, session: SessionDep) -> CommentCount:
    count = service.count_article_published(session, article_id)
    return CommentCount(article_id=article_id, count=count)


@router.get(
    "/me/comments", responses=error_responses(NotAuthenticated, Unprocessable, InvalidCursor)
)
def my_comments(
    user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> CommentPage:
    """The signed-in reader's comments on every article, with their statuses and reasons."""
    return _page(service.own_comments(session, author=user, limit=limit, cursor=cursor), user.id)


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(
        *AUTHENTICATION_ERRORS, Forbidden, CommentNotFound, InvalidTransition, Unprocessable
    ),
)
def delete_comment(comment_id: Id, user: CurrentUser, session: SessionDep) -> None:
    service.delete_comment(session, comment_id=comment_id, user=user)
