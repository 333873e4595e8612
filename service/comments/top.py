"""The most-commented articles of a recent window, for the newsroom's home page: one grouped
range of `ix_comment_status_created_at` (the window's published comments, not the table),
kept by each worker for `TOP_FRESHNESS` seconds, since every home-page visitor asks for it."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from moderation.statuses import CommentStatus
from service.articles.models import Article
from service.comments.models import Comment

TOP_FRESHNESS = 30.0
"""Seconds a worker serves the list it built (and readers' caches may keep it)."""


class TopWindow(StrEnum):
    HOUR = "1h"
    SIX_HOURS = "6h"
    DAY = "24h"
    TWO_DAYS = "48h"
    WEEK = "7d"

    @property
    def length(self) -> timedelta:
        amount, unit = int(self.value[:-1]), self.value[-1]
        return timedelta(hours=amount) if unit == "h" else timedelta(days=amount)


@dataclass(frozen=True)
class ArticleActivity:
    article_id: str
    url: str | None
    title: str | None
    comments: int
    """Published comments written in the window."""
    total: int
    """Published comments in all."""


def most_commented(session: Session, *, since: datetime, limit: int) -> list[ArticleActivity]:
    """Articles by their published comments written since `since`, most first (then by id)."""
    rows = session.execute(most_commented_query(since=since, limit=limit)).all()
    return [ArticleActivity(*row) for row in rows]


def most_commented_query(*, since: datetime, limit: int) -> Select[Any]:
    # The window's comments first, on their own (`MATERIALIZED`): grouped in the same
    # statement, SQLite, which keeps no statistics of value ranges, would walk every comment
    # in article order to group without sorting.
    window = (
        select(Comment.article_id)
        .where(col(Comment.status) == CommentStatus.PUBLISHED, col(Comment.created_at) >= since)
        .cte("recent_comment")
        .prefix_with("MATERIALIZED")
    )
    counted = func.count().label("comments")
    recent = (
        core_select(window.c.article_id, counted)
        .group_by(window.c.article_id)
        .order_by(counted.desc(), window.c.article_id)
        .limit(limit)
        .subquery()
    )
    return (
        core_select(
            col(Article.id),
            col(Article.url),
            col(Article.title),
            recent.c.comments,
            col(Article.published_count),
        )
        .join(recent, recent.c.article_id == Article.id)
        .order_by(recent.c.comments.desc(), col(Article.id))
    )
