"""A campaign as the console's card shows it."""

from datetime import datetime

from pydantic import BaseModel

from auth.models import UserStatus
from moderation.statuses import CommentStatus
from service.campaigns.service import CampaignCard, Ended
from service.core.schemas import Note, Schema
from service.queue.schemas import BulkItem


class CampaignComment(Schema):
    id: int
    article_id: str
    author_id: int
    author_name: str
    body: str
    status: CommentStatus
    status_reason: str | None
    created_at: datetime


class CampaignAccount(Schema):
    id: int
    display_name: str
    status: UserStatus
    created_at: datetime
    """The account's age is what gives a campaign away: accounts made the same day."""


class CampaignPublic(Schema):
    id: int
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    comment_count: int
    up_count: int
    """Comments still held or published."""
    comments: list[CampaignComment]
    """Newest first, at most 200."""
    accounts: list[CampaignAccount]
    articles: list[str]

    @classmethod
    def of(cls, card: CampaignCard) -> "CampaignPublic":
        campaign = card.campaign
        return cls(
            id=campaign.id or 0,
            created_at=campaign.created_at,
            updated_at=campaign.updated_at,
            resolved_at=campaign.resolved_at,
            comment_count=card.total,
            up_count=card.up,
            comments=[
                CampaignComment(
                    id=comment.id or 0,
                    article_id=comment.article_id,
                    author_id=comment.author_id,
                    author_name=name,
                    body=comment.body,
                    status=comment.status,
                    status_reason=comment.status_reason,
                    created_at=comment.created_at,
                )
                for comment, name in card.comments
            ],
            accounts=[CampaignAccount.model_validate(user) for user in card.accounts.values()],
            articles=list(dict.fromkeys(comment.article_id for comment, _ in card.comments)),
        )


class CampaignPage(Schema):
    items: list[CampaignPublic]
    next_cursor: str | None


class RejectAndBan(BaseModel):
    note: Note | None = None
    """Told to each author and account with the statement of reasons."""


class BanItem(Schema):
    user_id: int
    ok: bool
    error: str | None = None


class CampaignEnded(Schema):
    comments: list[BulkItem]
    accounts: list[BanItem]

    @classmethod
    def of(cls, ended: Ended) -> "CampaignEnded":
        return cls(
            comments=[BulkItem.model_validate(result) for result in ended.comments],
            accounts=[BanItem.model_validate(result) for result in ended.accounts],
        )
