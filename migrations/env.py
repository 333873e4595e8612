"""Alembic environment: the URL comes from the config (set by `commentmod migrate`) or settings."""

from alembic import context
from sqlalchemy import Connection

from service.core.db import make_engine
from service.core.settings import get_settings
from service.tables import metadata

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as new_connection:
        run_migrations(new_connection)
    engine.dispose()
