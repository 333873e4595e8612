"""login attempts and identity avatars

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=True),
        sa.Column("next_url", sa.String(length=2000), nullable=False),
        sa.Column("link_user_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_user_id"],
            ["user.id"],
            name=op.f("fk_login_attempt_link_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_login_attempt_state_hash")),
    )
    op.create_index(
        op.f("ix_login_attempt_expires_at"), "login_attempt", ["expires_at"], unique=False
    )
    with op.batch_alter_table("identity") as batch_op:
        batch_op.add_column(sa.Column("avatar_url", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity") as batch_op:
        batch_op.drop_column("avatar_url")
    op.drop_index(op.f("ix_login_attempt_expires_at"), table_name="login_attempt")
    op.drop_table("login_attempt")
