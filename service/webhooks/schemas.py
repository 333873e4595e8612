"""What admins send to register a webhook, and what they see of endpoints and deliveries."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from service.core.schemas import Schema
from service.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from service.webhooks.service import WebhookEventType


class WebhookCreate(BaseModel):
    url: Annotated[str, StringConstraints(min_length=8, max_length=2000)]
    events: list[WebhookEventType] = Field(min_length=1, max_length=20)
    secret: Annotated[str, StringConstraints(pattern=r"^[!-~]{16,200}$")] | None = None
    """At least 16 visible ASCII characters; made up (and shown once) when left out."""


class WebhookPublic(Schema):
    id: int
    url: str
    events: list[str]
    created_at: datetime
    paused_at: datetime | None
    paused_reason: str | None
    """Why deliveries stopped (resume with `POST /v1/admin/webhooks/{id}/resume`)."""
    consecutive_failures: int

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> "WebhookPublic":
        assert endpoint.id is not None
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            events=endpoint.events,
            created_at=endpoint.created_at,
            paused_at=endpoint.paused_at,
            paused_reason=endpoint.paused_reason,
            consecutive_failures=endpoint.consecutive_failures,
        )


class WebhookCreated(WebhookPublic):
    secret: str
    """The signing secret: shown in this answer only."""


class DeliveryPublic(Schema):
    id: int
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: WebhookDelivery, event: WebhookEvent) -> "DeliveryPublic":
        assert delivery.id is not None
        pending = delivery.status == DeliveryStatus.PENDING
        return cls(
            id=delivery.id,
            event_id=event.uid,
            event_type=event.type,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at if pending else None,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


class DeliveryPage(Schema):
    items: list[DeliveryPublic]
    next_cursor: str | None
