"""erasures: an erased account's request, kept until its comments are done

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "erasure",
        sa.Column("user_id", BIG_ID, sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("delete_comments", sa.Boolean(), nullable=False),
        sa.Column("requested_at", MOMENT, nullable=False),
        sa.Column("finished_at", MOMENT, nullable=True),
    )
    op.create_index("ix_erasure_finished_at", "erasure", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_erasure_finished_at", table_name="erasure")
    op.drop_table("erasure")
