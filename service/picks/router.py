"""Editors' picks, pins (moderators) and badges (admins), under /v1/admin: thin, the work is
in `service`."""

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from auth.deps import MODERATORS_ONLY, Admin, Moderator
from auth.models import Badge
from auth.users import UserNotFound
from service.comments.errors import CommentNotFound, InvalidTransition
from service.comments.schemas import CommentAdmin
from service.core.deps import SessionDep
from service.core.errors import Unprocessable, error_responses
from service.core.schemas import Id, Schema
from service.picks import service

admin_router = APIRouter(dependencies=MODERATORS_ONLY)

PICK_ERRORS = error_responses(CommentNotFound, InvalidTransition, Unprocessable)


@admin_router.post("/comments/{comment_id}/feature", responses=PICK_ERRORS)
def feature(comment_id: Id, moderator: Moderator, session: SessionDep) -> CommentAdmin:
    """Makes a published comment an editors' pick: `featured` on it everywhere, a badge in the
    comment box, and listed by `?featured=true`. Audited (`comment_featured`)."""
    comment = service.feature(session, comment_id=comment_id, moderator=moderator)
    return CommentAdmin.of(service.as_listed(session, comment))


@admin_router.delete("/comments/{comment_id}/feature", responses=PICK_ERRORS)
def unfeature(comment_id: Id, moderator: Moderator, session: SessionDep) -> CommentAdmin:
    """No longer an editors' pick. Audited (`comment_unfeatured`)."""
    comment = service.unfeature(session, comment_id=comment_id, moderator=moderator)
    return CommentAdmin.of(service.as_listed(session, comment))


@admin_router.post("/comments/{comment_id}/pin", responses=PICK_ERRORS)
def pin(comment_id: Id, moderator: Moderator, session: SessionDep) -> CommentAdmin:
    """Pins a published comment (not a reply) at the top of its article, in place of the one
    pinned before: one per article. Audited (`comment_pinned`, with the one it replaced)."""
    comment = service.pin(session, comment_id=comment_id, moderator=moderator)
    return CommentAdmin.of(service.as_listed(session, comment))


@admin_router.delete("/comments/{comment_id}/pin", responses=PICK_ERRORS)
def unpin(comment_id: Id, moderator: Moderator, session: SessionDep) -> CommentAdmin:
    """Unpins it, if it is the pinned one. Audited (`comment_unpinned`)."""
    comment = service.unpin(session, comment_id=comment_id, moderator=moderator)
    return CommentAdmin.of(service.as_listed(session, comment))


class BadgePut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    badge: Badge | None
    """`staff`, `journalist`, or null for none."""


class BadgePublic(Schema):
    user_id: int
    badge: Badge | None


@admin_router.put("/users/{user_id}/badge", responses=error_responses(UserNotFound, Unprocessable))
def set_badge(user_id: Id, payload: BadgePut, admin: Admin, session: SessionDep) -> BadgePublic:
    """Admins only: shows the account as the newsroom's `staff` or a `journalist` beside its
    name wherever readers see it (`author.badge`); null takes it away. Audited
    (`user_badge_changed`)."""
    user = service.set_badge(session, user_id=user_id, badge=payload.badge, admin=admin)
    return BadgePublic(user_id=user_id, badge=user.badge)
