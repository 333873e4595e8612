"""editors' picks, the pinned comment of an article, staff and journalist badges, the
readers' mutes, a reader's choice to hide their public history, and the index the
most-commented articles read; a comment's replies read in order

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTER TABLE, as in 0018: a batch would lose SQLite's expression index.
    op.add_column(
        "comment", sa.Column("featured", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("article", sa.Column("pinned_comment_id", BIG_ID, nullable=True))
    op.add_column("user", sa.Column("badge", sa.String(20), nullable=True))
    op.add_column(
        "user",
        sa.Column("history_hidden", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_comment_article_id_featured_id",
        "comment",
        ["article_id", "id"],
        postgresql_where=sa.text("featured"),
        sqlite_where=sa.text("featured"),
    )
    op.create_table(
        "mute",
        sa.Column("user_id", BIG_ID, sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("muted_user_id", BIG_ID, sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("created_at", MOMENT, nullable=False),
    )
    op.create_index("ix_mute_muted_user_id", "mute", ["muted_user_id"])
    op.create_index("ix_comment_status_created_at", "comment", ["status", "created_at"])
    op.create_index("ix_comment_parent_id_id", "comment", ["parent_id", "id"])
    op.drop_index("ix_comment_parent_id", table_name="comment")


def downgrade() -> None:
    op.create_index("ix_comment_parent_id", "comment", ["parent_id"])
    op.drop_index("ix_comment_parent_id_id", table_name="comment")
    op.drop_index("ix_comment_status_created_at", table_name="comment")
    op.drop_index("ix_mute_muted_user_id", table_name="mute")
    op.drop_table("mute")
    op.drop_index("ix_comment_article_id_featured_id", table_name="comment")
    op.drop_column("user", "history_hidden")
    op.drop_column("user", "badge")
    op.drop_column("article", "pinned_comment_id")
    op.drop_column("comment", "featured")
