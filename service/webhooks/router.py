"""Admins register the newsroom's webhook receivers and read what was delivered (under
/v1/admin)."""

from fastapi import APIRouter, status

from auth.deps import MODERATORS_ONLY, Admin
from service.core.deps import SessionDep, SettingsDep
from service.core.errors import Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.schemas import Id
from service.webhooks import service
from service.webhooks.schemas import (
    DeliveryPage,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)
from service.webhooks.service import WebhookNotFound, WebhookUrlRefused

admin_router = APIRouter(dependencies=MODERATORS_ONLY)


@admin_router.get("/webhooks")
def list_webhooks(admin: Admin, session: SessionDep) -> list[WebhookPublic]:
    return [WebhookPublic.of(endpoint) for endpoint in service.list_endpoints(session)]


@admin_router.post(
    "/webhooks",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Unprocessable, WebhookUrlRefused),
)
def create_webhook(
    payload: WebhookCreate, admin: Admin, session: SessionDep, settings: SettingsDep
) -> WebhookCreated:
    """Events from now on are signed with `secret` (given, or made up and shown only here).
    Receivers on private or loopback addresses are refused unless
    `COMMENTMOD_WEBHOOK_ALLOWED_HOSTS` names them."""
    endpoint, secret = service.create_endpoint(
        session,
        url=payload.url,
        events=payload.events,
        secret=payload.secret,
        actor_id=admin.id,
        allowed_hosts=settings.webhook_allowed_hosts,
    )
    return WebhookCreated(**WebhookPublic.of(endpoint).model_dump(), secret=secret)


@admin_router.delete(
    "/webhooks/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(WebhookNotFound, Unprocessable),
)
def delete_webhook(webhook_id: Id, admin: Admin, session: SessionDep) -> None:
    service.delete_endpoint(session, webhook_id)


@admin_router.post(
    "/webhooks/{webhook_id}/resume", responses=error_responses(WebhookNotFound, Unprocessable)
)
def resume_webhook(webhook_id: Id, admin: Admin, session: SessionDep) -> WebhookPublic:
    """Un-pauses an endpoint paused after failing; what waited for it goes out now."""
    return WebhookPublic.of(service.resume_endpoint(session, webhook_id))


@admin_router.get(
    "/webhooks/{webhook_id}/deliveries",
    responses=error_responses(WebhookNotFound, Unprocessable, InvalidCursor),
)
def webhook_deliveries(
    webhook_id: Id, admin: Admin, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> DeliveryPage:
    """Every delivery to this endpoint, newest first: status, tries, the receiver's answer."""
    page = service.deliveries_page(session, endpoint_id=webhook_id, limit=limit, cursor=cursor)
    return DeliveryPage(
        items=[DeliveryPublic.of(delivery, event) for delivery, event in page.items],
        next_cursor=page.next_cursor,
    )
