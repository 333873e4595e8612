"""audit reasons up to 200 characters: a sanction's reason is the moderator's own words

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("moderation_action") as batch_op:
        batch_op.alter_column(
            "reason", existing_type=sa.String(length=50), type_=sa.String(length=200)
        )


def downgrade() -> None:
    with op.batch_alter_table("moderation_action") as batch_op:
        batch_op.alter_column(
            "reason", existing_type=sa.String(length=200), type_=sa.String(length=50)
        )
