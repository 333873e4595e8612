"""rate-limit hits counted in the database when no Redis is configured, so a limit holds
exactly across every worker and replica

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rate_limit_hit",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hit")),
    )
    op.create_index(
        "ix_rate_limit_hit_scope_key_at", "rate_limit_hit", ["scope", "key", "at"], unique=False
    )
    op.create_index(op.f("ix_rate_limit_hit_at"), "rate_limit_hit", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_hit_at"), table_name="rate_limit_hit")
    op.drop_index("ix_rate_limit_hit_scope_key_at", table_name="rate_limit_hit")
    op.drop_table("rate_limit_hit")
