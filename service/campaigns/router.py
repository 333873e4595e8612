"""Campaigns under /v1/admin: moderators list them and end one in a single action."""

from fastapi import APIRouter

from auth.deps import MODERATORS_ONLY, Moderator
from service.campaigns import service
from service.campaigns.schemas import CampaignEnded, CampaignPage, CampaignPublic, RejectAndBan
from service.core.deps import DatabaseDep, SessionDep
from service.core.errors import Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.schemas import Id

admin_router = APIRouter(dependencies=MODERATORS_ONLY)


@admin_router.get("/campaigns", responses=error_responses(Unprocessable, InvalidCursor))
def list_campaigns(
    session: SessionDep, resolved: bool = False, limit: Limit = 20, cursor: Cursor = None
) -> CampaignPage:
    """Near-duplicate comments from several accounts within the window, newest campaign
    first: each with its comments, accounts (and their ages) and articles."""
    page = service.campaigns_page(session, resolved=resolved, limit=limit, cursor=cursor)
    return CampaignPage(
        items=[CampaignPublic.of(card) for card in page.items], next_cursor=page.next_cursor
    )


@admin_router.get(
    "/campaigns/{campaign_id}",
    responses=error_responses(Unprocessable, service.CampaignNotFound),
)
def get_campaign(campaign_id: Id, session: SessionDep) -> CampaignPublic:
    return CampaignPublic.of(service.campaign_card(session, campaign_id))


@admin_router.post(
    "/campaigns/{campaign_id}/reject-and-ban",
    responses=error_responses(Unprocessable, service.CampaignNotFound),
)
def reject_and_ban(
    campaign_id: Id, payload: RejectAndBan, moderator: Moderator, database: DatabaseDep
) -> CampaignEnded:
    """Rejects every comment of the campaign still held or published (as spam) and bans every
    account; each result is reported (an account only an admin may ban is refused for a
    moderator), and the campaign is resolved."""
    ended = service.reject_and_ban(
        database, campaign_id=campaign_id, moderator=moderator, note=payload.note
    )
    return CampaignEnded.of(ended)
