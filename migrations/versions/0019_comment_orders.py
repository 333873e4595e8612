"""comment orders: each comment's rank by reactions and its count of published replies, with
the indexes the article page's "best" and "replies" orders read

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from moderation.ranking import wilson_lower_bound

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, as in 0018: a batch would lose SQLite's expression index.
    op.add_column(
        "comment",
        sa.Column("published_replies", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "comment", sa.Column("best_score", sa.Float(), nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE comment SET published_replies = (SELECT count(*) FROM comment AS reply "
        "WHERE reply.parent_id = comment.id AND reply.status = 'published') "
        "WHERE EXISTS (SELECT 1 FROM comment AS reply WHERE reply.parent_id = comment.id)"
    )
    connection = op.get_bind()
    ranked = connection.execute(
        sa.text(
            "SELECT id, ranked_likes, ranked_dislikes FROM comment "
            "WHERE ranked_likes > 0 OR ranked_dislikes > 0"
        )
    ).all()
    if ranked:
        connection.execute(
            sa.text("UPDATE comment SET best_score = :score WHERE id = :id"),
            [{"id": id_, "score": wilson_lower_bound(up, down)} for id_, up, down in ranked],
        )
    for name, column in (
        ("ix_comment_article_id_status_best_score_id", "best_score"),
        ("ix_comment_article_id_status_published_replies_id", "published_replies"),
    ):
        op.create_index(
            name,
            "comment",
            ["article_id", "status", sa.text(f"{column} DESC"), sa.text("id DESC")],
        )


def downgrade() -> None:
    op.drop_index("ix_comment_article_id_status_published_replies_id", table_name="comment")
    op.drop_index("ix_comment_article_id_status_best_score_id", table_name="comment")
    op.drop_column("comment", "best_score")
    op.drop_column("comment", "published_replies")
