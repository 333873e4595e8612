"""barred sign-ins: how long a reader who left under a ban or suspension stays refused

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("erasure", sa.Column("barred_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_erasure_barred_until", "erasure", ["barred_until"])


def downgrade() -> None:
    op.drop_index("ix_erasure_barred_until", table_name="erasure")
    op.drop_column("erasure", "barred_until")
