"""Moderators' switches on an article: close, reopen, pre-moderate (under /v1/admin)."""

from fastapi import APIRouter

from auth.deps import MODERATORS_ONLY, Moderator
from service.articles import service
from service.articles.schemas import ArticleAdmin, ArticleId, ArticleUpdate
from service.core.deps import SessionDep
from service.core.errors import Unprocessable, error_responses

admin_router = APIRouter(dependencies=MODERATORS_ONLY)


@admin_router.patch("/articles/{article_id}", responses=error_responses(Unprocessable))
def update_article(
    article_id: ArticleId, payload: ArticleUpdate, moderator: Moderator, session: SessionDep
) -> ArticleAdmin:
    """Close or reopen an article's comments, or hold all of them for review."""
    article = service.update_article(
        session,
        article_id=article_id,
        closed=payload.closed,
        premoderated=payload.premoderated,
        moderator_id=moderator.id,
    )
    return ArticleAdmin.of(article)
