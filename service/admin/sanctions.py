"""Sanctions on users (ban, suspend, pre-moderate) and articles (close, pre-moderate). Each takes
effect on the user's next request and is written to the audit log."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from auth.models import MODERATING_ROLES, Role, User, UserStatus
from service.comments.models import Article, Comment, ModerationAction
from service.comments.service import register_article
from service.db import utcnow
from service.errors import Forbidden, NotFound, Unprocessable


class Sanction(StrEnum):
    BAN = "ban"
    SUSPEND = "suspend"
    PREMODERATE = "premoderate"


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.", code="user_not_found")
    return user


def _check_authority(moderator: User, target: User) -> None:
    if target.id == moderator.id:
        raise Forbidden("You cannot sanction yourself.")
    if target.role in MODERATING_ROLES and moderator.role != Role.ADMIN:
        raise Forbidden("Only an admin can sanction a moderator or an admin.")


def _audit(
    session: Session,
    moderator: User,
    target: User,
    action: str,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        ModerationAction(
            action=action,
            subject_user_id=target.id,
            actor_id=moderator.id,
            reason=reason,
            detail=detail,
        )
    )


def apply_sanction(
    session: Session,
    moderator: User,
    user_id: int,
    sanction: Sanction,
    reason: str,
    until: datetime | None = None,
) -> User:
    target = get_user(session, user_id)
    _check_authority(moderator, target)
    detail: dict[str, Any] | None = None
    if sanction == Sanction.BAN:
        target.status, target.suspended_until = UserStatus.BANNED, None
    elif sanction == Sanction.SUSPEND:
        if until is None or until <= utcnow():
            raise Unprocessable(
                "A suspension needs an `until` in the future.", code="invalid_until"
            )
        target.status, target.suspended_until = UserStatus.SUSPENDED, until
        detail = {"until": until.isoformat()}
    else:
        target.premoderated = True
    session.add(target)
    _audit(session, moderator, target, f"user_{sanction}", reason, detail)
    session.flush()
    return target


def lift_sanction(
    session: Session, moderator: User, user_id: int, sanction: Sanction, reason: str
) -> User:
    target = get_user(session, user_id)
    _check_authority(moderator, target)
    if sanction == Sanction.PREMODERATE:
        target.premoderated = False
    elif (sanction == Sanction.BAN and target.status == UserStatus.BANNED) or (
        sanction == Sanction.SUSPEND and target.status == UserStatus.SUSPENDED
    ):
        target.status, target.suspended_until = UserStatus.ACTIVE, None
    session.add(target)
    _audit(session, moderator, target, f"user_{sanction}_lifted", reason)
    session.flush()
    return target


def sanction_history(session: Session, user_id: int) -> list[ModerationAction]:
    return list(
        session.exec(
            select(ModerationAction)
            .where(
                ModerationAction.subject_user_id == user_id,
                col(ModerationAction.action).startswith("user_"),
            )
            .order_by(col(ModerationAction.id))
        ).all()
    )


def comment_counts(session: Session, user_id: int) -> dict[str, int]:
    rows = session.exec(
        select(Comment.status, func.count())
        .where(Comment.author_id == user_id)
        .group_by(col(Comment.status))
    ).all()
    return {str(status): count for status, count in rows}


def update_article(
    session: Session,
    moderator: User,
    article_id: str,
    closed: bool | None,
    premoderated: bool | None,
) -> Article:
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
        session.add(
            ModerationAction(
                action="article_updated",
                article_id=article_id,
                actor_id=moderator.id,
                reason="article_updated",
                detail=changes,
            )
        )
        session.flush()
    return article
