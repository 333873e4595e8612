"""One comment's row lock, taken by everything that acts on a single comment."""

from sqlmodel import Session, col, select

from service.comments.errors import CommentNotFound
from service.comments.models import Comment


def locked_comment(session: Session, comment_id: int) -> Comment:
    """The comment, its row locked until commit (`FOR NO KEY UPDATE` on PostgreSQL: replies
    and reports may still refer to it; SQLite has one writer at a time): what acts on one
    comment (a notice, an objection, a decision, a reaction) takes turns with the others."""
    comment = session.exec(
        select(Comment)
        .where(col(Comment.id) == comment_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    if comment is None:
        raise CommentNotFound(comment_id)
    return comment
