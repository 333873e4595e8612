"""Reaction bursts: many likes or dislikes on one comment, within minutes, from accounts whose
reactions do not rank (new accounts, or banned since) — how a like farm looks (Naver's 2018
case). The housekeeping sweep files the service's own report on such a comment, reason
`reaction_burst`, which puts it in the reported queue for a moderator to look at (its reaction
timeline shows the burst); the comment stays up meanwhile."""

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from moderation.statuses import CommentStatus
from service.comments.models import Comment, Reaction
from service.core.db import utcnow
from service.policy.schemas import ReactionSettings
from service.reports.models import Report
from service.reports.schemas import ReactionBurst
from service.reports.service import count_report

REACTION_BURST: ReactionBurst = "reaction_burst"


def flag_reaction_bursts(session: Session, settings: ReactionSettings) -> list[int]:
    """Reports each published comment with a burst in the last `burst_minutes`, unless its
    burst report is still open; returns the comments reported. Reads only the window's
    reactions that do not rank (`ix_reaction_ranked_created_at`)."""
    if settings.burst_reactions is None:
        return []
    since = utcnow() - timedelta(minutes=settings.burst_minutes)
    counted = func.count().label("reactions")
    bursts = session.exec(
        select(Reaction.comment_id, counted)
        .where(col(Reaction.ranked).is_(False), col(Reaction.created_at) >= since)
        .group_by(col(Reaction.comment_id))
        .having(counted >= settings.burst_reactions)
        .order_by(col(Reaction.comment_id))
    ).all()
    flagged = []
    for comment_id, reactions in bursts:
        comment = session.get(Comment, comment_id)
        if (
            comment is None
            or comment.status != CommentStatus.PUBLISHED
            or _open(session, comment_id)
        ):
            continue
        note = (
            f"{reactions} reactions within {settings.burst_minutes} minutes from accounts that "
            "do not count toward ranking (new, or banned since)."
        )
        session.add(
            Report(comment_id=comment_id, reporter_id=None, reason=REACTION_BURST, note=note)
        )
        session.flush()
        count_report(session, comment, reason=REACTION_BURST, note=note, reporter_id=None)
        flagged.append(comment_id)
    return flagged


def _open(session: Session, comment_id: int) -> bool:
    """A burst report on the comment not yet settled by a moderator's decision."""
    return (
        session.exec(
            select(Report.id).where(
                col(Report.comment_id) == comment_id,
                col(Report.reason) == REACTION_BURST,
                col(Report.resolved_at).is_(None),
            )
        ).first()
        is not None
    )
