"""What the API accepts and returns about articles."""

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, StrictBool, StringConstraints

from service.articles.models import Article
from service.core.schemas import Schema

ArticleIdText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,128}$")]

ArticleId = Annotated[
    ArticleIdText,
    Path(description="The CMS's article id: 1-128 characters of `A-Z a-z 0-9 . _ : -`."),
]
ArticleFilter = Annotated[
    ArticleIdText | None, Query(description="Only comments on this article (the CMS's id).")
]


class ArticleUpdate(BaseModel):
    closed: StrictBool | None = None
    premoderated: StrictBool | None = None


class ArticleAdmin(Schema):
    id: str
    closed: bool
    closed_at: datetime | None
    premoderated: bool

    @classmethod
    def of(cls, article: Article) -> "ArticleAdmin":
        return cls(
            id=article.id,
            closed=article.closed_at is not None,
            closed_at=article.closed_at,
            premoderated=article.premoderated,
        )

    @classmethod
    def unregistered(cls, article_id: str) -> "ArticleAdmin":
        return cls(id=article_id, closed=False, closed_at=None, premoderated=False)
