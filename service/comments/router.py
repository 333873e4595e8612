"""Reader-facing comment routes: thin, the work is in `service.comments.service`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from auth.deps import CurrentUser, optional_user
from auth.models import MODERATING_ROLES, User
from service.comments import service
from service.comments.models import Comment
from service.comments.schemas import (
    ArticleId,
    AuthorPublic,
    CommentCount,
    CommentCreate,
    CommentPage,
    CommentPublic,
)
from service.deps import ScoringDep, SessionDep
from service.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    Unprocessable,
    error_responses,
)
from service.pagination import Cursor, Limit

router = APIRouter(prefix="/v1", tags=["comments"])


def to_public(comment: Comment, author_name: str) -> CommentPublic:
    assert comment.id is not None
    return CommentPublic(
        id=comment.id,
        article_id=comment.article_id,
        parent_id=comment.parent_id,
        author=AuthorPublic(id=comment.author_id, display_name=author_name),
        body=comment.body,
        status=comment.status,
        created_at=comment.created_at,
    )


@router.post(
    "/articles/{article_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(NotAuthenticated, Forbidden, Conflict, Unprocessable),
)
async def post_comment(
    article_id: ArticleId,
    payload: CommentCreate,
    user: CurrentUser,
    session: SessionDep,
    scoring: ScoringDep,
    request: Request,
) -> CommentPublic:
    """Stores the comment, scores it and answers `published` or `held` (held for review)."""
    comment = await service.submit_comment(
        session,
        scoring,
        request.app.state.policy,
        user,
        article_id,
        payload.body,
        payload.parent_id,
    )
    return to_public(comment, user.display_name)


@router.get("/articles/{article_id}/comments", responses=error_responses(Unprocessable))
def list_comments(
    article_id: ArticleId,
    session: SessionDep,
    viewer: Annotated[User | None, Depends(optional_user)],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> CommentPage:
    """Published comments, newest first; a signed-in author also sees their own held ones."""
    rows, next_cursor = service.list_article_comments(session, article_id, viewer, limit, cursor)
    return CommentPage(
        items=[to_public(row.comment, row.author_name) for row in rows],
        next_cursor=next_cursor,
    )


@router.get("/articles/{article_id}/comments/count")
def count_comments(article_id: ArticleId, session: SessionDep) -> CommentCount:
    return CommentCount(article_id=article_id, count=service.count_published(session, article_id))


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated, Forbidden, NotFound),
)
def delete_comment(comment_id: int, user: CurrentUser, session: SessionDep) -> None:
    service.delete_comment(session, comment_id, user, is_moderator=user.role in MODERATING_ROLES)
