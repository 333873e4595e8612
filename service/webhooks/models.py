"""The webhook tables: endpoints, the outbox of events, and one delivery per endpoint and event."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class WebhookEndpoint(SQLModel, table=True):
    """Where the newsroom wants events sent. `paused_at` is set when deliveries keep failing;
    its deliveries wait (nothing is dropped) until an admin resumes it."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    url: str = Field(sa_type=String(2000))
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    secret: str = Field(sa_type=String(200))
    """Signs every delivery (HMAC-SHA256); kept as given, since signing needs it, never shown
    again after the endpoint is created."""
    created_by: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_reason: str | None = Field(default=None, sa_type=String(300))


class WebhookEvent(SQLModel, table=True):
    """One event, inserted in the transaction of the change it reports (the outbox), then fanned
    out to the endpoints that want it (`dispatched`)."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_dispatched_id", "dispatched", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    uid: str = Field(sa_type=String(36), unique=True)
    """The idempotency id receivers see (`Commentmod-Event-Id`): one per event, whatever the
    retries."""
    type: str = Field(sa_type=String(40))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    dispatched: bool = False


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Gave up after the last retry; the log keeps why."""


class WebhookDelivery(SQLModel, table=True):
    """One event to one endpoint: attempted until delivered or out of retries. A worker claims
    it (`claimed_until`) while sending, so two workers never send it at once and a worker that
    dies mid-delivery leaves it to be sent again when the claim runs out."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint_id_id", "endpoint_id", "id"),
        Index("ix_webhook_delivery_event_id", "event_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", sa_type=BigId, ondelete="CASCADE")
    event_id: int = Field(foreign_key="webhook_event.id", sa_type=BigId)
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=String(20))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, sa_type=String(32))
    """Who holds the claim: only that worker may write down the outcome."""
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=String(300))
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    """When it was delivered or given up on: the log keeps it 30 days from then."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
