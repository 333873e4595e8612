"""Campaigns as moderators see them (their comments, accounts and articles), and the one
action that ends one: reject every comment still up and ban every account."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, update
from sqlmodel import Session, col, select

from auth.models import User, UserStatus
from moderation.statuses import CommentStatus, ModeratorAction, RejectReason
from service.abuse.models import Campaign, CampaignComment
from service.comments.models import Comment
from service.core.db import Database, utcnow
from service.core.errors import AppError, NotFound
from service.core.pagination import Keyset, Page, SortKey
from service.queue.service import Review, ReviewResult, review_many
from service.users.service import Sanction, apply_sanction

NEWEST_FIRST = Keyset[Campaign](
    (SortKey(col(Campaign.id), int, descending=True),), lambda row: [row.id or 0]
)
UP = (CommentStatus.HELD, CommentStatus.PUBLISHED)
SHOWN_COMMENTS = 200
"""Comments shown per card; the counts cover all of them."""


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


@dataclass
class CampaignCard:
    campaign: Campaign
    comments: list[tuple[Comment, str]] = field(default_factory=list)
    """Each comment with its author's display name, newest first."""
    accounts: dict[int, User] = field(default_factory=dict)
    total: int = 0
    up: int = 0
    """Comments still held or published."""


def campaigns_page(
    session: Session, *, resolved: bool, limit: int, cursor: str | None
) -> Page[CampaignCard]:
    query = select(Campaign).where(
        col(Campaign.resolved_at).is_not(None) if resolved else col(Campaign.resolved_at).is_(None)
    )
    page = NEWEST_FIRST.page(
        session.exec(NEWEST_FIRST.apply(query, limit=limit, cursor=cursor)).all(), limit
    )
    cards = _cards(session, page.items)
    return Page([cards[campaign.id or 0] for campaign in page.items], page.next_cursor)


def campaign_card(session: Session, campaign_id: int) -> CampaignCard:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound(f"Campaign {campaign_id} does not exist.")
    return _cards(session, [campaign])[campaign_id]


def _cards(session: Session, campaigns: list[Campaign]) -> dict[int, CampaignCard]:
    cards = {campaign.id or 0: CampaignCard(campaign) for campaign in campaigns}
    if not cards:
        return cards
    totals = session.exec(
        select(
            CampaignComment.campaign_id,
            func.count(),
            func.sum(case((col(Comment.status).in_(UP), 1), else_=0)),
        )
        .join(Comment, col(Comment.id) == CampaignComment.comment_id)
        .where(col(CampaignComment.campaign_id).in_(cards))
        .group_by(col(CampaignComment.campaign_id))
    ).all()
    for campaign_id, total, up in totals:
        cards[campaign_id].total, cards[campaign_id].up = total, int(up or 0)
    rank = (
        func.row_number()
        .over(
            partition_by=col(CampaignComment.campaign_id),
            order_by=col(CampaignComment.comment_id).desc(),
        )
        .label("rank")
    )
    newest = (
        select(CampaignComment.campaign_id, CampaignComment.comment_id, rank)
        .where(col(CampaignComment.campaign_id).in_(cards))
        .subquery()
    )
    members: dict[int, list[int]] = defaultdict(list)
    # a campaign of thousands reads only what its card shows
    for campaign_id, comment_id in session.execute(
        select(newest.c.campaign_id, newest.c.comment_id)
        .where(newest.c.rank <= SHOWN_COMMENTS)
        .order_by(newest.c.campaign_id, newest.c.comment_id.desc())
    ).all():
        members[campaign_id].append(comment_id)
    shown = [comment_id for ids in members.values() for comment_id in ids]
    rows = session.exec(
        select(Comment, User)
        .join(User, col(User.id) == Comment.author_id)
        .where(col(Comment.id).in_(shown))
    ).all()
    by_id = {comment.id: (comment, user) for comment, user in rows}
    for campaign_id, ids in members.items():
        card = cards[campaign_id]
        for comment_id in ids:
            comment, user = by_id[comment_id]
            card.comments.append((comment, user.display_name))
            card.accounts[user.id or 0] = user
    return cards


@dataclass(frozen=True)
class BanResult:
    user_id: int
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class Ended:
    comments: list[ReviewResult]
    accounts: list[BanResult]


def reject_and_ban(
    database: Database, *, campaign_id: int, moderator: User, note: str | None
) -> Ended:
    """Rejects each of the campaign's comments still held or published (as spam, each its own
    decision: audited, stated, its reports settled) and bans each of its accounts, however
    many; what cannot be done (an account only an admin may ban, a comment decided meanwhile)
    is reported, the rest done. The campaign is resolved when all of it was done and nothing
    joined it meanwhile."""
    with database.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"Campaign {campaign_id} does not exist.")
        seen_at = campaign.updated_at
        members = session.exec(
            select(Comment.id, Comment.author_id, Comment.status)
            .join(CampaignComment, col(CampaignComment.comment_id) == Comment.id)
            .where(CampaignComment.campaign_id == campaign_id)
            .order_by(col(Comment.id))
        ).all()
    ids = [comment_id or 0 for comment_id, _, status in members if status in UP]
    accounts = sorted({author_id for _, author_id, _ in members})
    review = Review(action=ModeratorAction.REJECT, reason=RejectReason.SPAM, note=note)
    comments = review_many(database, ids=ids, review=review, moderator=moderator) if ids else []
    banned: list[BanResult] = []
    with database.session(writes=True) as session:
        for user_id in accounts:
            user = session.get(User, user_id)
            if user is not None and user.status in (UserStatus.BANNED, UserStatus.ERASED):
                banned.append(BanResult(user_id, ok=True))
                continue
            try:
                with session.begin_nested():
                    apply_sanction(
                        session,
                        moderator=moderator,
                        user_id=user_id,
                        sanction=Sanction.BAN,
                        reason=note or f"Took part in a spam campaign (campaign {campaign_id}).",
                    )
            except AppError as error:
                banned.append(BanResult(user_id, ok=False, error=error.code))
                continue
            banned.append(BanResult(user_id, ok=True))
        if all(result.ok for result in comments) and all(ban.ok for ban in banned):
            # a comment that joined since it was read keeps the campaign open
            session.execute(
                update(Campaign)
                .where(col(Campaign.id) == campaign_id, col(Campaign.updated_at) == seen_at)
                .values(resolved_at=utcnow(), resolved_by=moderator.id)
            )
    return Ended(comments, banned)
