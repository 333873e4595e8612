"""Registering articles, and the moderators' switches on them (close, pre-moderate)."""

from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from service.articles.models import Article
from service.audit.service import record
from service.core.db import insert_or_ignore, utcnow
from service.core.errors import Conflict

_ARTICLE = select(Article).where(col(Article.id) == bindparam("article_id"))
_CLOSED_AT = select(Article.closed_at).where(col(Article.id) == bindparam("article_id"))
"""Both are run for every comment posted, so they are built once (building a statement and its
cache key costs more than running it)."""


class ArticleClosed(Conflict):
    """The article no longer takes comments."""

    code = "article_closed"


def find_article(session: Session, article_id: str) -> Article | None:
    return session.exec(_ARTICLE, params={"article_id": article_id}).first()


def register_article(session: Session, article_id: str) -> Article:
    """Articles come from the CMS; the first comment registers one, race-free on both backends
    (only the first: every later comment finds the row)."""
    article = session.get(Article, article_id)
    if article is not None:
        return article
    session.execute(insert_or_ignore(session, Article).values(id=article_id, created_at=utcnow()))
    article = session.get(Article, article_id)
    assert article is not None
    return article


def ensure_still_open(session: Session, article_id: str) -> None:
    """For the write that stores a comment: registers the article if this is its first comment
    and refuses if it was closed since the comment was checked (one column read, not the row)."""
    found = session.execute(_CLOSED_AT, {"article_id": article_id}).first()
    if found is None:
        register_article(session, article_id)
    elif found.closed_at is not None:
        raise ArticleClosed("Comments on this article were closed a moment ago.")


def ensure_open(article: Article | None) -> None:
    """An unregistered article is open: its first comment registers it."""
    if article is not None and article.closed_at is not None:
        raise ArticleClosed("Comments on this article are closed.")


def update_article(
    session: Session,
    *,
    article_id: str,
    closed: bool | None,
    premoderated: bool | None,
    moderator_id: int | None,
) -> Article:
    """Closes or reopens an article's comments, or holds all of them for review; audited."""
    article = register_article(session, article_id)
    changes: dict[str, Any] = {}
    if closed is not None and closed != (article.closed_at is not None):
        article.closed_at = utcnow() if closed else None
        changes["closed"] = closed
    if premoderated is not None and premoderated != article.premoderated:
        article.premoderated = premoderated
        changes["premoderated"] = premoderated
    if changes:
        session.add(article)
        record(
            session,
            action="article_updated",
            reason="article_updated",
            actor_id=moderator_id,
            article_id=article_id,
            detail=changes,
        )
    return article
