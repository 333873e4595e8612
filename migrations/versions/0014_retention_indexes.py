"""indexes for the retention sweep: each kind of record it prunes is found by its own time

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_notification_created_at", "notification", "created_at"),
    ("ix_auth_session_expires_at", "auth_session", "expires_at"),
    ("ix_auth_session_revoked_at", "auth_session", "revoked_at"),
    ("ix_webhook_delivery_finished_at", "webhook_delivery", "finished_at"),
    ("ix_webhook_event_created_at", "webhook_event", "created_at"),
    ("ix_comment_band_created_at", "comment_band", "created_at"),
    ("ix_comment_fingerprint_created_at", "comment_fingerprint", "created_at"),
    ("ix_daily_count_day", "daily_count", "day"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
