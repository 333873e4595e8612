"""What the API accepts and returns about articles."""

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

from service.articles.models import Article
from service.core.schemas import Schema

ArticleId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9._:-]{1,128}$",
        description="The CMS's article id: 1-128 characters of `A-Z a-z 0-9 . _ : -`.",
    ),
]


class ArticleUpdate(BaseModel):
    closed: bool | None = None
    premoderated: bool | None = None


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
