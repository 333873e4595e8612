"""Every table, imported in one place so metadata is complete for Alembic and the app."""

from auth.models import AuthSession, Identity, LoginAttempt, User
from service.comments.models import (
    Article,
    Comment,
    CommentRevision,
    ModerationAction,
    Report,
    SiteSettings,
    WordListEntry,
)
from service.db import metadata

__all__ = [
    "Article",
    "AuthSession",
    "Comment",
    "CommentRevision",
    "Identity",
    "LoginAttempt",
    "ModerationAction",
    "Report",
    "SiteSettings",
    "User",
    "WordListEntry",
    "metadata",
]
