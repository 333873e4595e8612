"""What moderators single out: editors' picks (any number per article) and the one pinned
comment of an article; and what admins mark: staff and journalists. Each change is audited,
undone by its DELETE (or a null badge), and versions the article's cached pages anew, since
readers see it."""

from dataclasses import replace

from sqlalchemy import update
from sqlmodel import Session, col, select

from auth.models import Badge, User
from auth.users import get_user
from moderation.statuses import CommentStatus
from service.articles.models import Article
from service.audit.service import record
from service.comments.errors import InvalidTransition
from service.comments.locks import locked_comment
from service.comments.models import Comment, CommentWithAuthor
from service.comments.service import pinned_comment_of, with_author
from service.comments.tallies import show_changed


def _shown(comment: Comment, doing: str) -> None:
    if comment.status != CommentStatus.PUBLISHED:
        raise InvalidTransition(
            f"Only a published comment can be {doing}; this one is {comment.status}."
        )


def feature(session: Session, *, comment_id: int, moderator: User) -> Comment:
    """Makes the comment an editors' pick (again: nothing changes)."""
    comment = locked_comment(session, comment_id)
    _shown(comment, "featured")
    if not comment.featured:
        _set_featured(session, comment, True, moderator)
    return comment


def unfeature(session: Session, *, comment_id: int, moderator: User) -> Comment:
    """No longer a pick, whatever its status now (not a pick: nothing changes)."""
    comment = locked_comment(session, comment_id)
    if comment.featured:
        _set_featured(session, comment, False, moderator)
    return comment


def _set_featured(session: Session, comment: Comment, featured: bool, moderator: User) -> None:
    comment.featured = featured
    session.add(comment)
    action = "comment_featured" if featured else "comment_unfeatured"
    record(session, action=action, reason="editors_pick", actor_id=moderator.id, comment=comment)
    show_changed(session, comment.article_id)


def pin(session: Session, *, comment_id: int, moderator: User) -> Comment:
    """Pins the comment at the top of its article, in place of the one pinned before (one per
    article). Only a comment that starts a conversation: a reply reads under its parent."""
    comment = locked_comment(session, comment_id)
    _shown(comment, "pinned")
    if comment.parent_id is not None:
        raise InvalidTransition("A reply cannot be pinned; pin the comment it answers.")
    replaced = pinned_comment_of(session, comment.article_id)
    if replaced != comment.id:
        _set_pinned(session, comment.article_id, comment.id)
        record(
            session,
            action="comment_pinned",
            reason="pinned",
            actor_id=moderator.id,
            comment=comment,
            detail={"replaced_comment_id": replaced} if replaced is not None else None,
        )
    return comment


def unpin(session: Session, *, comment_id: int, moderator: User) -> Comment:
    """Unpins the comment, if it is the one pinned (else nothing changes)."""
    comment = locked_comment(session, comment_id)
    if pinned_comment_of(session, comment.article_id) == comment.id:
        _set_pinned(session, comment.article_id, None)
        record(
            session,
            action="comment_unpinned",
            reason="pinned",
            actor_id=moderator.id,
            comment=comment,
        )
    return comment


def _set_pinned(session: Session, article_id: str, comment_id: int | None) -> None:
    session.execute(
        update(Article).where(col(Article.id) == article_id).values(pinned_comment_id=comment_id)
    )
    show_changed(session, article_id)


def as_listed(session: Session, comment: Comment) -> CommentWithAuthor:
    """The comment with its author, and whether it is its article's pinned one."""
    assert comment.id is not None
    pinned = pinned_comment_of(session, comment.article_id) == comment.id
    return replace(with_author(session, comment), pinned=pinned)


def set_badge(session: Session, *, user_id: int, badge: Badge | None, admin: User) -> User:
    """Marks an account as the newsroom's staff or a journalist (None: neither)."""
    user = get_user(session, user_id)
    if user.badge != badge:
        before = user.badge
        user.badge = badge
        session.add(user)
        record(
            session,
            action="user_badge_changed",
            reason="badge",
            actor_id=admin.id,
            subject_user_id=user.id,
            detail={"from": before, "to": badge},
        )
        show_changed(session, *_articles_commented(session, user_id))
    return user


def _articles_commented(session: Session, user_id: int) -> list[str]:
    """Where the author's name shows: their articles' cached pages change with it."""
    rows = session.exec(
        select(Comment.article_id).where(Comment.author_id == user_id).distinct()
    ).all()
    return list(rows)
