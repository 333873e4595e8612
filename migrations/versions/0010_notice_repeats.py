"""a notice filed after one on the same comment was decided is a repeat: it waits for a
moderator instead of starting a temporary measure

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "notice", sa.Column("repeat", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # Notices already filed after a decision on their comment are repeats too.
    notice = sa.table(
        "notice",
        sa.column("comment_id", sa.BigInteger()),
        sa.column("created_at", MOMENT),
        sa.column("decided_at", MOMENT),
        sa.column("repeat", sa.Boolean()),
    )
    earlier = notice.alias("earlier")
    op.execute(
        notice.update()
        .where(
            sa.exists().where(
                earlier.c.comment_id == notice.c.comment_id,
                earlier.c.decided_at.is_not(None),
                earlier.c.decided_at < notice.c.created_at,
            )
        )
        .values(repeat=sa.true())
    )


def downgrade() -> None:
    op.drop_column("notice", "repeat")
