"""counters kept with the comments: each article's published count and version, and the queue
tallies per article and site-wide, backfilled from the comments; the "most reported" order read
off its index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

BACKFILL_ARTICLES = """
UPDATE article SET published_count = (
    SELECT count(*) FROM comment
    WHERE comment.article_id = article.id AND comment.status = 'published'
)
"""
BACKFILL_ARTICLE_TALLIES = """
INSERT INTO article_queue_tally (article_id, queue, level, count)
SELECT article_id, 'held', 0, count(*) FROM comment WHERE status = 'held'
GROUP BY article_id
UNION ALL
SELECT article_id, 'rejected', 0, count(*) FROM comment WHERE status = 'rejected'
GROUP BY article_id
UNION ALL
SELECT article_id, 'approved', 0, count(*) FROM comment
WHERE status = 'published' AND status_reason = 'approved'
GROUP BY article_id
UNION ALL
SELECT article_id, 'reported', open_reports, count(*) FROM comment
WHERE status = 'published' AND open_reports > 0
GROUP BY article_id, open_reports
"""
BACKFILL_SITE_TALLIES = """
INSERT INTO queue_tally (queue, level, shard, count)
SELECT queue, level, 0, sum(count) FROM article_queue_tally GROUP BY queue, level
"""


def upgrade() -> None:
    with op.batch_alter_table("article") as batch_op:
        batch_op.add_column(
            sa.Column("published_count", BIG_INT, nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("version", BIG_INT, nullable=False, server_default="0"))
    op.create_table(
        "queue_tally",
        sa.Column("queue", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("count", BIG_INT, nullable=False),
        sa.PrimaryKeyConstraint("queue", "level", "shard", name=op.f("pk_queue_tally")),
    )
    op.create_table(
        "article_queue_tally",
        sa.Column("article_id", sa.String(length=128), nullable=False),
        sa.Column("queue", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("count", BIG_INT, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_article_queue_tally_article_id_article")
        ),
        sa.PrimaryKeyConstraint(
            "article_id", "queue", "level", name=op.f("pk_article_queue_tally")
        ),
    )
    op.execute(BACKFILL_ARTICLES)
    op.execute(BACKFILL_ARTICLE_TALLIES)
    op.execute(BACKFILL_SITE_TALLIES)
    op.drop_index("ix_comment_status_open_reports_id", table_name="comment")
    op.create_index(
        "ix_comment_status_open_reports_desc_id",
        "comment",
        ["status", sa.text("open_reports DESC"), "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_comment_status_open_reports_desc_id", table_name="comment")
    op.create_index(
        "ix_comment_status_open_reports_id",
        "comment",
        ["status", "open_reports", "id"],
        unique=False,
    )
    op.drop_table("article_queue_tally")
    op.drop_table("queue_tally")
    with op.batch_alter_table("article") as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("published_count")
