"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article")),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("avatar_url", sa.String(length=1000), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("suspended_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("premoderated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
    )
    op.create_table(
        "auth_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_auth_session_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_session_token_hash")),
    )
    op.create_index(op.f("ix_auth_session_user_id"), "auth_session", ["user_id"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.String(length=128), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=50), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("toxicity", sa.Float(), nullable=True),
        sa.Column("model_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_comment_article_id_article")
        ),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], name=op.f("fk_comment_author_id_user")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comment.id"], name=op.f("fk_comment_parent_id_comment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    op.create_index(
        "ix_comment_article_id_status_id",
        "comment",
        ["article_id", "status", "id"],
        unique=False,
    )
    op.create_index("ix_comment_author_id_id", "comment", ["author_id", "id"], unique=False)
    op.create_index(op.f("ix_comment_parent_id"), "comment", ["parent_id"], unique=False)
    op.create_index("ix_comment_status_id", "comment", ["status", "id"], unique=False)
    # "Worst first" queue order; the query uses the same expression (service.comments.models).
    op.create_index(
        "ix_comment_status_toxicity",
        "comment",
        ["status", sa.text("coalesce(toxicity, -1.0) DESC"), "id"],
        unique=False,
    )

    op.create_table(
        "identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_identity_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_identity_provider_subject")),
    )
    op.create_index(op.f("ix_identity_user_id"), "identity", ["user_id"], unique=False)

    op.create_table(
        "moderation_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=50), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_moderation_action_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_moderation_action_comment_id_comment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_action")),
    )
    op.create_index(
        "ix_moderation_action_comment_id_id",
        "moderation_action",
        ["comment_id", "id"],
        unique=False,
    )

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_report_comment_id_comment")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user.id"], name=op.f("fk_report_reporter_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint(
            "comment_id", "reporter_id", name=op.f("uq_report_comment_id_reporter_id")
        ),
    )
    op.create_index(op.f("ix_report_reporter_id"), "report", ["reporter_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_report_reporter_id"), table_name="report")

    op.drop_table("report")
    op.drop_index("ix_moderation_action_comment_id_id", table_name="moderation_action")

    op.drop_table("moderation_action")
    op.drop_index(op.f("ix_identity_user_id"), table_name="identity")

    op.drop_table("identity")
    op.drop_index("ix_comment_status_toxicity", table_name="comment")
    op.drop_index("ix_comment_status_id", table_name="comment")
    op.drop_index(op.f("ix_comment_parent_id"), table_name="comment")
    op.drop_index("ix_comment_author_id_id", table_name="comment")
    op.drop_index("ix_comment_article_id_status_id", table_name="comment")

    op.drop_table("comment")
    op.drop_index(op.f("ix_auth_session_user_id"), table_name="auth_session")

    op.drop_table("auth_session")
    op.drop_table("user")
    op.drop_table("article")
