"""Every table, imported in one place so metadata is complete for Alembic and the app."""

from auth.models import AuthSession, Identity, LoginAttempt, User
from service.comments.models import Article, Comment, ModerationAction, Report
from service.db import metadata

__all__ = [
    "Article",
    "AuthSession",
    "Comment",
    "Identity",
    "LoginAttempt",
    "ModerationAction",
    "Report",
    "User",
    "metadata",
]
