"""moderators' decisions kept as labels for the model, and a shadow model's scores

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from moderation.quality import label_of
from moderation.scoring.routing import languages
from moderation.statuses import CommentStatus

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "comment_label",
        sa.Column("comment_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("abusive", sa.Boolean(), nullable=False),
        sa.Column("missed", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("decided_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_comment_label_comment_id_comment")
        ),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_comment_label")),
    )
    op.create_index("ix_comment_label_decided_at", "comment_label", ["decided_at"], unique=False)
    op.create_table(
        "shadow_score",
        sa.Column("comment_id", BIG_ID, nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("scored_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_shadow_score_comment_id_comment")
        ),
        sa.PrimaryKeyConstraint("comment_id", "model_id", name=op.f("pk_shadow_score")),
    )
    _label_past_decisions()


def _label_past_decisions() -> None:
    """The decisions already in the audit log become labels, as they would have been written:
    per comment the latest person's move that says something of abuse, unless its author
    edited the text afterwards. A move's open reports are not logged; a moderator can only
    move a published comment to published by dismissing its reports."""
    action = sa.table(
        "moderation_action",
        sa.column("id", BIG_ID),
        sa.column("action", sa.String()),
        sa.column("comment_id", BIG_ID),
        sa.column("from_status", sa.String()),
        sa.column("to_status", sa.String()),
        sa.column("actor_id", BIG_ID),
        sa.column("reason", sa.String()),
        sa.column("created_at", MOMENT),
    )
    comment = sa.table(
        "comment",
        sa.column("id", BIG_ID),
        sa.column("author_id", BIG_ID),
        sa.column("body", sa.Text()),
        sa.column("scores", sa.JSON()),
        sa.column("model_id", sa.String()),
    )
    label = sa.table(
        "comment_label",
        *(
            sa.column(name, kind)
            for name, kind in (
                ("comment_id", BIG_ID),
                ("kind", sa.String()),
                ("abusive", sa.Boolean()),
                ("missed", sa.Boolean()),
                ("language", sa.String()),
                ("model_id", sa.String()),
                ("scores", sa.JSON()),
                ("decided_at", MOMENT),
            )
        ),
    )
    connection = op.get_bind()
    events = connection.execute(
        sa.select(
            action.c.comment_id,
            action.c.action,
            action.c.from_status,
            action.c.to_status,
            action.c.reason,
            action.c.created_at,
            comment.c.body,
            comment.c.scores,
            comment.c.model_id,
        )
        .join(comment, comment.c.id == action.c.comment_id)
        .where(
            action.c.actor_id.is_not(None),
            action.c.to_status.is_not(None),
            comment.c.scores.is_not(None),
            comment.c.model_id.is_not(None),
        )
        .where(sa.or_(action.c.action == "edited", action.c.actor_id != comment.c.author_id))
        .order_by(action.c.comment_id, action.c.id)
    )
    labels: dict[int, dict[str, object] | None] = {}
    for row in events:
        if row.action == "edited":
            labels[row.comment_id] = None
            continue
        if row.from_status is None:
            continue
        found = label_of(
            CommentStatus(row.from_status),
            CommentStatus(row.to_status),
            reason=row.reason,
            open_reports=1,
        )
        if found is not None:
            labels[row.comment_id] = {
                "comment_id": row.comment_id,
                "kind": str(found.kind),
                "abusive": found.abusive,
                "missed": found.missed,
                "language": "+".join(sorted(languages(row.body))),
                "model_id": row.model_id,
                "scores": row.scores,
                "decided_at": row.created_at,
            }
    rows = [row for row in labels.values() if row is not None]
    if rows:
        op.bulk_insert(label, rows)


def downgrade() -> None:
    op.drop_table("shadow_score")
    op.drop_index("ix_comment_label_decided_at", table_name="comment_label")
    op.drop_table("comment_label")
