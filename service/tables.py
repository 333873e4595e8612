"""Every table, imported in one place so the metadata is complete for Alembic and the tests."""

from auth.models import AuthSession, Identity, LoginAttempt, User
from service.abuse.models import (
    Campaign,
    CampaignComment,
    CommentBand,
    CommentFingerprint,
    DailyCount,
    ExternalCheckCount,
)
from service.appeals.models import Appeal
from service.articles.models import Article
from service.audit.models import AuditEvent
from service.comments.labels import CommentLabel
from service.comments.models import (
    ArticleQueueTally,
    Comment,
    CommentRevision,
    QueueTally,
    Reaction,
)
from service.core.db import metadata
from service.core.ratelimit import RateLimitHit
from service.idempotency.models import IdempotencyRecord
from service.imports.models import ImportedAuthor, ImportedComment
from service.mutes.models import Mute
from service.notices.models import Notice
from service.notifications.models import Notification
from service.policy.models import SiteSettings, WordListEntry
from service.privacy.models import Erasure
from service.quality.models import ShadowScore
from service.reports.models import Report
from service.statements.models import StatementOfReasons
from service.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "Appeal",
    "Article",
    "ArticleQueueTally",
    "AuditEvent",
    "AuthSession",
    "Campaign",
    "CampaignComment",
    "Comment",
    "CommentBand",
    "CommentFingerprint",
    "CommentLabel",
    "CommentRevision",
    "DailyCount",
    "Erasure",
    "ExternalCheckCount",
    "IdempotencyRecord",
    "Identity",
    "ImportedAuthor",
    "ImportedComment",
    "LoginAttempt",
    "Mute",
    "Notice",
    "Notification",
    "QueueTally",
    "RateLimitHit",
    "Reaction",
    "Report",
    "ShadowScore",
    "SiteSettings",
    "StatementOfReasons",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WordListEntry",
    "metadata",
]
