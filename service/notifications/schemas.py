"""Notifications as their reader sees them."""

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from service.core.schemas import JsonId, Schema
from service.notifications.models import Notification, NotificationKind


class NotificationPublic(Schema):
    id: int
    kind: NotificationKind
    message: str
    comment_id: int | None
    detail: dict[str, Any] | None
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, row: Notification) -> "NotificationPublic":
        assert row.id is not None
        return cls(
            id=row.id,
            kind=row.kind,
            message=row.message,
            comment_id=row.comment_id,
            detail=row.detail,
            created_at=row.created_at,
            read=row.read_at is not None,
        )


class NotificationPage(Schema):
    items: list[NotificationPublic]
    next_cursor: str | None
    unread: int
    """Unread notifications, counted up to 100 (a badge shows "99+" beyond)."""


class UnreadCount(Schema):
    unread: int


ONE_OF_IDS_OR_ALL: JsonDict = {
    "oneOf": [
        {"required": ["ids"], "properties": {"ids": {"type": "array"}}},
        {"required": ["all"], "properties": {"all": {"const": True}}},
    ]
}
"""The document's form of `_one_of`: exactly one of the two, not null."""


class MarkRead(Schema):
    """`{"ids": [...]}` or `{"all": true}`."""

    model_config = ConfigDict(json_schema_extra=ONE_OF_IDS_OR_ALL)

    ids: list[JsonId] | None = Field(default=None, min_length=1, max_length=100)
    all: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.ids is None) == (self.all is None):
            raise ValueError('send either "ids" or "all": true')
        return self


class Marked(Schema):
    marked: int
    unread: int
