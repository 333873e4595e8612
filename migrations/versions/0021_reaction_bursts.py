"""reaction bursts: the service's own reports (no reporter) and the index the burst sweep reads

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # The report table has no expression index: a batch (a copy on SQLite) keeps all it has.
    with op.batch_alter_table("report") as batch:
        batch.alter_column("reporter_id", existing_type=BIG_ID, nullable=True)
    op.create_index("ix_reaction_ranked_created_at", "reaction", ["ranked", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_reaction_ranked_created_at", table_name="reaction")
    op.execute("DELETE FROM report WHERE reporter_id IS NULL")
    with op.batch_alter_table("report") as batch:
        batch.alter_column("reporter_id", existing_type=BIG_ID, nullable=False)
