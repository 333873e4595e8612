"""Moderators' switches on an article: read, close, reopen, pre-moderate (under /v1/admin)."""

from fastapi import APIRouter

from auth.deps import MODERATORS_ONLY, Moderator
from service.articles import service
from service.articles.schemas import ArticleAdmin, ArticleId, ArticleUpdate
from service.core.deps import SessionDep
from service.core.errors import Unprocessable, error_responses

admin_router = APIRouter(dependencies=MODERATORS_ONLY)


@admin_router.get("/articles/{article_id}", responses=error_responses(Unprocessable))
def article_detail(article_id: ArticleId, session: SessionDep) -> ArticleAdmin:
    """An article's switches. One nobody has commented on yet is open and not pre-moderated
    (articles are the CMS's: they need no registering here)."""
    article = service.find_article(session, article_id)
    return ArticleAdmin.of(article) if article else ArticleAdmin.unregistered(article_id)


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
