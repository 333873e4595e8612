"""The migrations build exactly the schema the models describe, and can be rolled back."""

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import ClauseElement, insert, inspect, text

from auth.models import User
from service.articles.models import Article
from service.comments.models import Comment
from service.comments.service import article_page_query
from service.core.db import make_engine, utcnow
from service.queue.schemas import Queue, QueueSort
from service.queue.service import QueueFilter, queue_query
from service.tables import metadata


def test_upgrade_head_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()

    assert differences == []


@pytest.fixture
def busy_database(database_url: str) -> str:
    """Thousands of comments over many articles, analysed, so the planner's choice is a real one."""
    engine = make_engine(database_url)
    statuses = ["published"] * 18 + ["held", "rejected"]  # most comments are published
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [
                {
                    "display_name": f"u{i}",
                    "role": "reader",
                    "status": "active",
                    "premoderated": False,
                    "created_at": utcnow(),
                }
                for i in range(50)
            ],
        )
        connection.execute(
            insert(Article),
            [{"id": f"a-{i}", "created_at": utcnow()} for i in range(100)],
        )
        connection.execute(
            insert(Comment),
            [
                {
                    "article_id": f"a-{i % 100}",
                    "author_id": i % 50 + 1,
                    "body": "text",
                    "status": statuses[i % 20],
                    "toxicity": (i % 97) / 97,
                    "created_at": utcnow(),
                }
                for i in range(5000)
            ],
        )
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return database_url


def _plan(database_url: str, query: ClauseElement) -> str:
    engine = make_engine(database_url)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
    with engine.connect() as connection:
        rows = connection.execute(text(f"{explain} {sql}")).all()
    engine.dispose()
    return "\n".join(str(row) for row in rows)


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        (QueueSort.OLDEST, "ix_comment_status_id"),
        (QueueSort.NEWEST, "ix_comment_status_id"),
        (QueueSort.TOXICITY, "ix_comment_status_toxicity"),
    ],
)
def test_queue_queries_use_their_index(busy_database: str, sort: QueueSort, index: str) -> None:
    query = queue_query(
        QueueFilter(queue=Queue.HELD, report_threshold=1), sort, limit=20, cursor=None
    )

    assert index in _plan(busy_database, query)


@pytest.mark.parametrize("viewer_id", [None, 7])
def test_the_article_page_query_uses_its_index(busy_database: str, viewer_id: int | None) -> None:
    query = article_page_query("a-1", viewer_id=viewer_id, limit=20, cursor=None)

    assert "ix_comment_article_id_status_id" in _plan(busy_database, query)


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    config = Config("alembic.ini")
    config.set_main_option("sqlalchemy.url", url)
    engine = make_engine(url)

    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}

    command.upgrade(config, "head")
    assert "comment" in inspect(engine).get_table_names()
    engine.dispose()


def test_ids_beyond_32_bits_fit_every_id_column(database_url: str) -> None:
    """Migration 0004: every id and reference to one holds 64 bits, sequences included."""
    engine = make_engine(database_url)
    big = 2**62
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [
                {
                    "id": big,
                    "display_name": "u",
                    "role": "reader",
                    "status": "active",
                    "premoderated": False,
                    "created_at": utcnow(),
                }
            ],
        )
        connection.execute(insert(Article), [{"id": "a-1", "created_at": utcnow()}])
        connection.execute(
            insert(Comment),
            [
                {
                    "id": big + 1,
                    "article_id": "a-1",
                    "author_id": big,
                    "parent_id": None,
                    "body": "x",
                    "status": "published",
                    "created_at": utcnow(),
                }
            ],
        )
        stored = connection.execute(text("SELECT author_id FROM comment")).scalar_one()
        if engine.dialect.name == "postgresql":
            sequences = (
                connection.execute(
                    text(
                        "SELECT DISTINCT data_type::text FROM pg_sequences"
                        " WHERE schemaname = current_schema()"
                        " AND sequencename <> 'site_settings_id_seq'"  # one row, id 1
                    )
                )
                .scalars()
                .all()
            )
            assert sequences == ["bigint"]
    engine.dispose()

    assert stored == big
