"""legal notices and temporary measures, statements of reasons, notifications, appeals; a
comment links to the statement of the restriction in force

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notice",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("comment_id", BIG_ID, nullable=False),
        sa.Column("article_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("legal_ground", sa.String(length=300), nullable=True),
        sa.Column("notifier_name", sa.String(length=200), nullable=False),
        sa.Column("notifier_email", sa.String(length=320), nullable=False),
        sa.Column("notifier_id", BIG_ID, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("measure_started_at", MOMENT, nullable=True),
        sa.Column("measure_ends_at", MOMENT, nullable=True),
        sa.Column("objection", sa.Text(), nullable=True),
        sa.Column("objected_at", MOMENT, nullable=True),
        sa.Column("overdue_at", MOMENT, nullable=True),
        sa.Column("action", sa.String(length=20), nullable=True),
        sa.Column("ground", sa.String(length=300), nullable=True),
        sa.Column("decision_explanation", sa.Text(), nullable=True),
        sa.Column("decided_at", MOMENT, nullable=True),
        sa.Column("decided_by", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_notice_comment_id_comment")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name=op.f("fk_notice_decided_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["notifier_id"], ["user.id"], name=op.f("fk_notice_notifier_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("reference", name=op.f("uq_notice_reference")),
    )
    op.create_index("ix_notice_comment_id_id", "notice", ["comment_id", "id"], unique=False)
    op.create_index("ix_notice_created_at", "notice", ["created_at"], unique=False)
    op.create_index("ix_notice_status_id", "notice", ["status", "id"], unique=False)
    op.create_index(
        "ix_notice_status_measure_ends_at", "notice", ["status", "measure_ends_at"], unique=False
    )
    op.create_table(
        "notification",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("comment_id", BIG_ID, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("read_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_notification_comment_id_comment")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_user_id_id", "notification", ["user_id", "id"], unique=False)
    op.create_index(
        "ix_notification_user_id_read_at", "notification", ["user_id", "read_at"], unique=False
    )
    op.create_table(
        "statement_of_reasons",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("comment_id", BIG_ID, nullable=True),
        sa.Column("restriction", sa.String(length=30), nullable=False),
        sa.Column("comment_status", sa.String(length=20), nullable=True),
        sa.Column("excerpt", sa.String(length=480), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("detected_by", sa.String(length=20), nullable=False),
        sa.Column("automated_detection", sa.Boolean(), nullable=False),
        sa.Column("automated_decision", sa.Boolean(), nullable=False),
        sa.Column("ground_kind", sa.String(length=10), nullable=False),
        sa.Column("ground", sa.String(length=200), nullable=False),
        sa.Column("ground_text", sa.String(length=1000), nullable=False),
        sa.Column("redress", sa.Text(), nullable=False),
        sa.Column("decided_by", BIG_ID, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("appealable_until", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_statement_of_reasons_comment_id_comment")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name=op.f("fk_statement_of_reasons_decided_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_statement_of_reasons_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_of_reasons")),
    )
    op.create_index(
        "ix_statement_of_reasons_comment_id_id",
        "statement_of_reasons",
        ["comment_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_statement_of_reasons_created_at", "statement_of_reasons", ["created_at"], unique=False
    )
    op.create_index(
        "ix_statement_of_reasons_user_id_id",
        "statement_of_reasons",
        ["user_id", "id"],
        unique=False,
    )
    op.create_table(
        "appeal",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("statement_id", BIG_ID, nullable=False),
        sa.Column("appellant_id", BIG_ID, nullable=False),
        sa.Column("comment_id", BIG_ID, nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("decided_at", MOMENT, nullable=True),
        sa.Column("decided_by", BIG_ID, nullable=True),
        sa.Column("decision_explanation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appellant_id"], ["user.id"], name=op.f("fk_appeal_appellant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_appeal_comment_id_comment")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name=op.f("fk_appeal_decided_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statement_of_reasons.id"],
            name=op.f("fk_appeal_statement_id_statement_of_reasons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_appeal_statement_id")),
    )
    op.create_index("ix_appeal_created_at", "appeal", ["created_at"], unique=False)
    op.create_index("ix_appeal_status_id", "appeal", ["status", "id"], unique=False)
    op.add_column("comment", sa.Column("statement_id", BIG_ID, nullable=True))


def downgrade() -> None:
    op.drop_column("comment", "statement_id")
    op.drop_index("ix_appeal_status_id", table_name="appeal")
    op.drop_index("ix_appeal_created_at", table_name="appeal")
    op.drop_table("appeal")
    op.drop_index("ix_statement_of_reasons_user_id_id", table_name="statement_of_reasons")
    op.drop_index("ix_statement_of_reasons_created_at", table_name="statement_of_reasons")
    op.drop_index("ix_statement_of_reasons_comment_id_id", table_name="statement_of_reasons")
    op.drop_table("statement_of_reasons")
    op.drop_index("ix_notification_user_id_read_at", table_name="notification")
    op.drop_index("ix_notification_user_id_id", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_notice_status_measure_ends_at", table_name="notice")
    op.drop_index("ix_notice_status_id", table_name="notice")
    op.drop_index("ix_notice_created_at", table_name="notice")
    op.drop_index("ix_notice_comment_id_id", table_name="notice")
    op.drop_table("notice")
