"""imports: which comments and authors came from another system, so a re-run adds nothing twice

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "imported_comment",
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("comment_id", BIG_ID, sa.ForeignKey("comment.id"), nullable=False),
        sa.PrimaryKeyConstraint("source", "source_id"),
    )
    op.create_index("ix_imported_comment_comment_id", "imported_comment", ["comment_id"])
    op.create_table(
        "imported_author",
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("author_key", sa.String(length=320), nullable=False),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("user.id"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("source", "author_key"),
    )
    op.create_index("ix_imported_author_user_id", "imported_author", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_imported_author_user_id", table_name="imported_author")
    op.drop_table("imported_author")
    op.drop_index("ix_imported_comment_comment_id", table_name="imported_comment")
    op.drop_table("imported_comment")
