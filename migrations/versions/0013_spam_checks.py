"""the spam checks: fingerprints, LSH band keys, daily counts, campaigns, external answers,
and an index for an author's recent comments

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_index("ix_comment_author_id_created_at", "comment", ["author_id", "created_at"])
    op.create_table(
        "comment_fingerprint",
        sa.Column("author_id", BIG_ID, sa.ForeignKey("user.id"), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("comment_id", BIG_ID, sa.ForeignKey("comment.id"), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("author_id", "key"),
    )
    op.create_index("ix_comment_fingerprint_comment_id", "comment_fingerprint", ["comment_id"])
    op.create_table(
        "comment_band",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("comment_id", BIG_ID, sa.ForeignKey("comment.id"), nullable=False),
        sa.Column("author_id", BIG_ID, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
    )
    op.create_index(
        "ix_comment_band_band_key_created_at", "comment_band", ["band_key", "created_at"]
    )
    op.create_index("ix_comment_band_comment_id", "comment_band", ["comment_id"])
    op.create_table(
        "daily_count",
        sa.Column("user_id", BIG_ID, sa.ForeignKey("user.id"), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=140), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day", "scope"),
    )
    op.create_table(
        "campaign",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.Column("resolved_at", MOMENT, nullable=True),
        sa.Column("resolved_by", BIG_ID, sa.ForeignKey("user.id"), nullable=True),
    )
    op.create_table(
        "campaign_comment",
        sa.Column("comment_id", BIG_ID, sa.ForeignKey("comment.id"), primary_key=True),
        sa.Column("campaign_id", BIG_ID, sa.ForeignKey("campaign.id"), nullable=False),
    )
    op.create_index(
        "ix_campaign_comment_campaign_id", "campaign_comment", ["campaign_id", "comment_id"]
    )
    op.create_table(
        "external_check_count",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "outcome"),
    )


def downgrade() -> None:
    for table in (
        "external_check_count",
        "campaign_comment",
        "campaign",
        "daily_count",
        "comment_band",
        "comment_fingerprint",
    ):
        op.drop_table(table)
    op.drop_index("ix_comment_author_id_created_at", table_name="comment")
