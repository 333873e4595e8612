"""Each moderator decision on a scored comment, kept as a label for the model (see
`moderation.quality`): the scores the decided text had, by which model, in which language.
Written in the decision's own transaction; the latest decision on a comment is its label."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, Session, SQLModel, delete

from moderation.quality import label_of
from moderation.scoring.routing import languages
from moderation.statuses import CommentStatus
from service.comments.models import MODEL_ID_LENGTH, Comment
from service.core.db import BigId, UTCDateTime, utcnow


class CommentLabel(SQLModel, table=True):
    __tablename__ = "comment_label"
    __table_args__ = (Index("ix_comment_label_decided_at", "decided_at"),)

    comment_id: int = Field(foreign_key="comment.id", primary_key=True, sa_type=BigId)
    kind: str = Field(max_length=20)
    """A `moderation.quality.LabelKind`."""
    abusive: bool
    missed: bool
    """Published, then removed: the model let it through."""
    language: str = Field(max_length=8)
    """`en`, `ko` or `en+ko`: which model a router sent the text to."""
    model_id: str = Field(max_length=MODEL_ID_LENGTH)
    scores: dict[str, float] = Field(sa_column=Column(JSON, nullable=False))
    """The scores the decided text had: a later re-scoring does not rewrite what was judged."""
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def language_of(text: str) -> str:
    return "+".join(sorted(languages(text)))


def record_label(
    session: Session,
    comment: Comment,
    *,
    from_status: CommentStatus,
    reason: str,
    open_reports: int,
) -> None:
    """The moderator's move on `comment` (already made) as its label, replacing an earlier one;
    a move that says nothing of abuse, or an unscored comment, leaves the label as it was."""
    label = label_of(from_status, comment.status, reason=reason, open_reports=open_reports)
    if label is None or comment.scores is None or comment.model_id is None:
        return
    assert comment.id is not None
    forget_label(session, comment.id)
    session.add(
        CommentLabel(
            comment_id=comment.id,
            kind=label.kind,
            abusive=label.abusive,
            missed=label.missed,
            language=language_of(comment.body),
            model_id=comment.model_id,
            scores=dict(comment.scores),
        )
    )


def forget_label(session: Session, comment_id: int) -> None:
    """An edit replaces the text that was judged, so its label goes with it."""
    session.execute(delete(CommentLabel).where(CommentLabel.comment_id == comment_id))  # type: ignore[arg-type]
