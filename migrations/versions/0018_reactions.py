"""reactions: a reader's like or dislike of a comment, and the counts kept on the comment

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)
COUNTS = ("likes", "dislikes", "ranked_likes", "ranked_dislikes")


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ adds and drops columns itself): a batch would copy the
    # table and lose the toxicity queue's expression index, which SQLite cannot reflect.
    for name in COUNTS:
        op.add_column("comment", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "reaction",
        sa.Column("comment_id", BIG_ID, sa.ForeignKey("comment.id"), primary_key=True),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ranked", sa.Boolean(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
    )
    op.create_index("ix_reaction_user_id_created_at", "reaction", ["user_id", "created_at"])
    op.create_index("ix_reaction_comment_id_created_at", "reaction", ["comment_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_reaction_comment_id_created_at", table_name="reaction")
    op.drop_index("ix_reaction_user_id_created_at", table_name="reaction")
    op.drop_table("reaction")
    for name in COUNTS:
        op.drop_column("comment", name)
