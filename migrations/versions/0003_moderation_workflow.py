"""moderation workflow: reports queue, revisions, runtime settings, word lists, wider audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_settings")),
    )
    op.create_table(
        "word_list_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=20), nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_word_list_entry_created_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_word_list_entry")),
        sa.UniqueConstraint("list_name", "word", name=op.f("uq_word_list_entry_list_name_word")),
    )
    op.create_table(
        "comment_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_comment_revision_comment_id_comment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_revision")),
    )
    op.create_index(
        "ix_comment_revision_comment_id_id", "comment_revision", ["comment_id", "id"], unique=False
    )

    with op.batch_alter_table("article") as batch_op:
        batch_op.add_column(
            sa.Column("premoderated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("comment") as batch_op:
        batch_op.add_column(
            sa.Column("open_reports", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_index(
        "ix_comment_status_open_reports_id",
        "comment",
        ["status", "open_reports", "id"],
        unique=False,
    )
    with op.batch_alter_table("report") as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("moderation_action") as batch_op:
        batch_op.add_column(
            sa.Column(
                "action", sa.String(length=40), nullable=False, server_default="status_change"
            )
        )
        batch_op.add_column(sa.Column("subject_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("article_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))
        batch_op.alter_column("comment_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("to_status", existing_type=sa.String(length=20), nullable=True)
        batch_op.create_foreign_key(
            op.f("fk_moderation_action_subject_user_id_user"), "user", ["subject_user_id"], ["id"]
        )
    op.create_index(
        "ix_moderation_action_actor_id_id", "moderation_action", ["actor_id", "id"], unique=False
    )
    op.create_index(
        "ix_moderation_action_subject_user_id_id",
        "moderation_action",
        ["subject_user_id", "id"],
        unique=False,
    )
    # Existing comment actions are about the comment's author, on the comment's article.
    op.execute(
        "UPDATE moderation_action SET "
        "subject_user_id = (SELECT author_id FROM comment WHERE comment.id = comment_id), "
        "article_id = (SELECT article_id FROM comment WHERE comment.id = comment_id)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM moderation_action WHERE comment_id IS NULL OR to_status IS NULL")
    op.drop_index("ix_moderation_action_subject_user_id_id", table_name="moderation_action")
    op.drop_index("ix_moderation_action_actor_id_id", table_name="moderation_action")
    with op.batch_alter_table("moderation_action") as batch_op:
        batch_op.drop_constraint(
            op.f("fk_moderation_action_subject_user_id_user"), type_="foreignkey"
        )
        batch_op.alter_column("to_status", existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column("comment_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("detail")
        batch_op.drop_column("article_id")
        batch_op.drop_column("subject_user_id")
        batch_op.drop_column("action")
    with op.batch_alter_table("report") as batch_op:
        batch_op.drop_column("resolved_at")
    op.drop_index("ix_comment_status_open_reports_id", table_name="comment")
    # SQLite rebuilds the table to drop a column and cannot carry an expression index across.
    op.drop_index("ix_comment_status_toxicity", table_name="comment")
    with op.batch_alter_table("comment") as batch_op:
        batch_op.drop_column("open_reports")
    op.create_index(
        "ix_comment_status_toxicity",
        "comment",
        ["status", sa.text("coalesce(toxicity, -1.0) DESC"), "id"],
        unique=False,
    )
    with op.batch_alter_table("article") as batch_op:
        batch_op.drop_column("premoderated")
    op.drop_index("ix_comment_revision_comment_id_id", table_name="comment_revision")
    op.drop_table("comment_revision")
    op.drop_table("word_list_entry")
    op.drop_table("site_settings")
