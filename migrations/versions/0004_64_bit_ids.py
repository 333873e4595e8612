"""ids as 64-bit integers on PostgreSQL, so no id the API accepts overflows a column

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Each table is rewritten once, under an exclusive lock: on a large deployment run it in a
maintenance window. SQLite needs nothing (its INTEGER is 64-bit).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_COLUMNS = {
    "user": ["id"],
    "identity": ["id", "user_id"],
    "auth_session": ["id", "user_id"],
    "login_attempt": ["id", "link_user_id"],
    "comment": ["id", "author_id", "parent_id"],
    "comment_revision": ["id", "comment_id"],
    "moderation_action": ["id", "comment_id", "subject_user_id", "actor_id"],
    "report": ["id", "comment_id", "reporter_id"],
    "word_list_entry": ["id", "created_by"],
}


def _retype(sql_type: str) -> None:
    """One ALTER TABLE per table, all its columns at once: PostgreSQL rewrites it once."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" TYPE {sql_type}' for column in columns)
        op.execute(f'ALTER TABLE "{table}" {changes}')
        sequence = op.get_bind().scalar(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table}"'}
        )
        op.execute(f"ALTER SEQUENCE {sequence} AS {sql_type}")


def upgrade() -> None:
    _retype("bigint")


def downgrade() -> None:
    _retype("integer")
