"""The migrations build exactly the schema the models describe, and can be rolled back."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import ClauseElement, insert, inspect, text, update
from sqlmodel import select

from auth.models import User
from moderation.queues import Queue
from moderation.ranking import wilson_lower_bound
from service.articles.models import Article
from service.comments.models import Comment, CommentSort, CommentWithAuthor
from service.comments.service import ARTICLE_ORDERS, Listing, PageQuery, article_page_queries
from service.comments.tallies import drift, queue_counts, repair
from service.comments.top import most_commented_query
from service.core.db import make_engine, session_scope, utcnow
from service.queue.schemas import QueueSort
from service.queue.service import QueueFilter, queue_query
from service.tables import metadata


def test_upgrade_head_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()

    assert differences == []


@pytest.fixture
def busy_database(database_url: str) -> Iterator[str]:
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
                    "article_id": "a-1" if i % 2 == 0 else f"a-{i % 100}",  # one busy article
                    "author_id": i % 50 + 1,
                    "body": "text",
                    "status": statuses[i % 20],
                    "toxicity": (i % 97) / 97,
                    "best_score": (i % 13) / 13,
                    "parent_id": i - 99 if i >= 100 and i % 5 == 0 else None,
                    "open_reports": (i % 4)
                    if i % 50 == 0 and statuses[i % 20] == "published"
                    else 0,
                    "created_at": utcnow() - timedelta(minutes=10 * (5000 - i)),  # 5 weeks
                }
                for i in range(5000)
            ],
        )
    with session_scope(engine) as session:
        repair(session)  # a bulk load, counted afterwards as `commentmod counters repair` does
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    yield database_url
    with engine.begin() as connection:  # ranks without reactions: gone before the counters check
        connection.execute(update(Comment).values(best_score=0))
    engine.dispose()


def _plan(database_url: str, query: ClauseElement) -> str:
    engine = make_engine(database_url)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
    with engine.connect() as connection:
        rows = connection.execute(text(f"{explain} {sql}")).all()
    engine.dispose()
    return "\n".join(str(row) for row in rows)


@pytest.mark.parametrize(
    ("queue", "sort", "index"),
    [
        (Queue.HELD, QueueSort.OLDEST, "ix_comment_status_id"),
        (Queue.HELD, QueueSort.NEWEST, "ix_comment_status_id"),
        (Queue.HELD, QueueSort.TOXICITY, "ix_comment_status_toxicity"),
        (Queue.REPORTED, QueueSort.REPORTS, "ix_comment_status_open_reports_desc_id"),
    ],
)
def test_queue_queries_use_their_index(
    busy_database: str, queue: Queue, sort: QueueSort, index: str
) -> None:
    query = queue_query(QueueFilter(queue=queue, report_threshold=1), sort, limit=20, cursor=None)

    plan = _plan(busy_database, query)

    assert index in plan
    assert "Sort" not in plan  # PostgreSQL: read in order, nothing sorted
    assert "TEMP B-TREE" not in plan  # SQLite: the same


ORDER_INDEXES = {
    CommentSort.NEWEST: "ix_comment_article_id_status_id",
    CommentSort.OLDEST: "ix_comment_article_id_status_id",
    CommentSort.BEST: "ix_comment_article_id_status_best_score_id",
    CommentSort.REPLIES: "ix_comment_article_id_status_published_replies_id",
}


ID_ORDERS = {CommentSort.NEWEST, CommentSort.OLDEST}


@pytest.mark.parametrize("sort", list(CommentSort))
@pytest.mark.parametrize("after_a_page", [False, True])
def test_each_order_of_the_article_page_reads_its_index_in_order(
    busy_database: str, sort: CommentSort, after_a_page: bool
) -> None:
    """The published comments (the page's bulk) come off the order's index already in order,
    first page or later: O(page) at any size, nothing sorted."""
    cursor = None
    if after_a_page:
        last = Comment(id=4_000, article_id="a-1", author_id=1, body="x", best_score=0.75)
        row = CommentWithAuthor(last, "")
        cursor = ARTICLE_ORDERS[sort].page([row, row], 1).next_cursor
    published, *_ = article_page_queries(
        PageQuery(article_id="a-1", listing=Listing(sort=sort)), limit=20, cursor=cursor
    )

    plan = _plan(busy_database, published)

    # For id orders the primary key is an index in order too: for an article with half the
    # comments PostgreSQL may walk it instead.
    assert ORDER_INDEXES[sort] in plan or (sort in ID_ORDERS and "pk_comment" in plan)
    assert "Sort" not in plan
    assert "TEMP B-TREE" not in plan


def test_the_most_commented_articles_read_only_the_windows_comments(
    busy_database: str,
) -> None:
    query = most_commented_query(since=utcnow() - timedelta(hours=1), limit=10)

    assert "ix_comment_status_created_at" in _plan(busy_database, query)


def test_a_signed_in_readers_own_comments_come_off_their_index(busy_database: str) -> None:
    _, own = article_page_queries(
        PageQuery(article_id="a-1", viewer_id=7, pinned_id=3), limit=20, cursor=None
    )

    assert "ix_comment_author_id" in _plan(busy_database, own)


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
        connection.execute(text("UPDATE article SET published_count = 1"))
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


def test_the_counters_migration_counts_the_comments_already_there(tmp_path: Path) -> None:
    """Migration 0007 backfills every counter from the comments a live site already has."""
    url = f"sqlite:///{tmp_path / 'backfill.db'}"
    config = Config("alembic.ini")
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0006")
    engine = make_engine(url)
    rows = [
        ("a-1", "published", "approved", 0),
        ("a-1", "published", "passed_checks", 2),
        ("a-1", "held", "toxic", 0),
        ("a-2", "rejected", "spam", 0),
        ("a-2", "published", "passed_checks", 1),
        ("a-2", "deleted", "deleted_by_author", 0),
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user (display_name, role, status, premoderated, created_at) "
                "VALUES ('u', 'reader', 'active', 0, CURRENT_TIMESTAMP)"
            )
        )
        for article in ("a-1", "a-2"):
            connection.execute(
                text("INSERT INTO article (id, premoderated, created_at) VALUES (:a, 0, :now)"),
                {"a": article, "now": utcnow()},
            )
        for article, status, reason, reports in rows:
            connection.execute(
                text(
                    "INSERT INTO comment (article_id, author_id, body, status, status_reason, "
                    "open_reports, created_at) VALUES (:a, 1, 'x', :s, :r, :n, :now)"
                ),
                {"a": article, "s": status, "r": reason, "n": reports, "now": utcnow()},
            )

    command.upgrade(config, "head")

    with session_scope(engine) as session:
        assert drift(session) == []
        assert queue_counts(session, report_threshold=1, article_id=None) == {
            Queue.HELD: 1,
            Queue.REPORTED: 2,
            Queue.REJECTED: 1,
            Queue.APPROVED: 1,
        }
        assert queue_counts(session, report_threshold=2, article_id="a-1")[Queue.REPORTED] == 1
        published = session.exec(select(Article.published_count).order_by(Article.id)).all()
        assert list(published) == [2, 1]
    engine.dispose()


def test_the_repeats_migration_flags_notices_filed_after_a_decision(tmp_path: Path) -> None:
    """Migration 0010: a notice filed after one on the same comment was decided is a repeat."""
    url = f"sqlite:///{tmp_path / 'repeats.db'}"
    config = Config("alembic.ini")
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0009")
    engine = make_engine(url)
    start = utcnow()
    notices = [  # (reference, comment, filed, decided)
        ("N-first", 1, start, start + timedelta(hours=2)),
        ("N-meanwhile", 1, start + timedelta(hours=1), start + timedelta(hours=2)),
        ("N-after", 1, start + timedelta(hours=3), None),
        ("N-other", 2, start + timedelta(hours=3), None),
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user (display_name, role, status, premoderated, created_at) "
                "VALUES ('u', 'reader', 'active', 0, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text("INSERT INTO article (id, premoderated, created_at) VALUES ('a-1', 0, :now)"),
            {"now": start},
        )
        for _ in range(2):
            connection.execute(
                text(
                    "INSERT INTO comment (article_id, author_id, body, status, status_reason, "
                    "open_reports, created_at) VALUES ('a-1', 1, 'x', 'published', 'ok', 0, :now)"
                ),
                {"now": start},
            )
        for reference, comment_id, filed, decided in notices:
            connection.execute(
                text(
                    "INSERT INTO notice (reference, comment_id, article_id, kind, explanation, "
                    "notifier_name, notifier_email, status, created_at, decided_at) VALUES "
                    "(:reference, :comment, 'a-1', 'rights_infringement', 'x', 'n', 'n@e.kr', "
                    ":status, :filed, :decided)"
                ),
                {
                    "reference": reference,
                    "comment": comment_id,
                    "status": "decided" if decided else "received",
                    "filed": filed,
                    "decided": decided,
                },
            )

    command.upgrade(config, "head")

    with engine.connect() as connection:
        rows = connection.execute(text("SELECT reference, repeat FROM notice")).all()
    repeats = {reference: repeat for reference, repeat in rows}
    assert repeats == {"N-first": 0, "N-meanwhile": 0, "N-after": 1, "N-other": 0}
    command.downgrade(config, "0009")
    engine.dispose()


def test_the_labels_migration_labels_the_decisions_already_in_the_audit_log(
    tmp_path: Path,
) -> None:
    """Migration 0012: per comment the latest person's move that says something of abuse; an
    edit by the author afterwards, a spam rejection and the system's own moves are no label."""
    url = f"sqlite:///{tmp_path / 'labels.db'}"
    config = Config("alembic.ini")
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0011")
    engine = make_engine(url)
    now = utcnow()
    Move = tuple[str, str | None, str, int | None, str]  # action, from, to, actor, reason
    comments: dict[int, tuple[str, list[Move]]] = {
        1: (
            "You idiot",
            [
                ("created", None, "held", None, "toxic"),
                ("status_change", "held", "rejected", 2, "offensive"),
            ],
        ),
        2: (
            "Fine report",
            [
                ("status_change", "held", "rejected", 2, "offensive"),
                ("status_change", "rejected", "published", 2, "appeal_reversed"),
            ],
        ),
        3: (
            "Was rude",
            [
                ("status_change", "held", "rejected", 2, "offensive"),
                ("edited", "rejected", "held", 1, "toxic"),
            ],
        ),
        4: ("Buy pills", [("status_change", "held", "rejected", 2, "spam")]),
        5: ("기사 좋네요", [("status_change", "published", "published", 2, "approved")]),
        6: ("Held, never decided", [("rescored", "held", "held", None, "toxic")]),
    }
    with engine.begin() as connection:
        for name in ("author", "moderator"):
            connection.execute(
                text(
                    "INSERT INTO user (display_name, role, status, premoderated, created_at) "
                    "VALUES (:name, 'reader', 'active', 0, CURRENT_TIMESTAMP)"
                ),
                {"name": name},
            )
        connection.execute(
            text("INSERT INTO article (id, premoderated, created_at) VALUES ('a-1', 0, :now)"),
            {"now": now},
        )
        for comment_id, (body, moves) in comments.items():
            connection.execute(
                text(
                    "INSERT INTO comment (id, article_id, author_id, body, status, status_reason, "
                    "scores, toxicity, model_id, open_reports, created_at) VALUES (:id, 'a-1', 1, "
                    ":body, 'held', 'x', '{\"toxicity\": 0.9}', 0.9, 'm-1', 0, :now)"
                ),
                {"id": comment_id, "body": body, "now": now},
            )
            for action, from_status, to_status, actor, reason in moves:
                connection.execute(
                    text(
                        "INSERT INTO moderation_action (action, comment_id, from_status, "
                        "to_status, actor_id, reason, created_at) VALUES (:action, :comment, "
                        ":from_status, :to_status, :actor, :reason, :now)"
                    ),
                    {
                        "action": action,
                        "comment": comment_id,
                        "from_status": from_status,
                        "to_status": to_status,
                        "actor": actor,
                        "reason": reason,
                        "now": now,
                    },
                )

    command.upgrade(config, "head")

    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT comment_id, kind, abusive, language, model_id FROM comment_label")
        ).all()
    assert sorted(tuple(row) for row in rows) == [
        (1, "held_rejected", 1, "en", "m-1"),
        (2, "restored", 0, "en", "m-1"),
        (5, "report_dismissed", 0, "ko", "m-1"),
    ]
    command.downgrade(config, "0011")
    engine.dispose()


def test_the_orders_migration_counts_replies_and_ranks_the_comments_already_there(
    tmp_path: Path,
) -> None:
    """Migration 0019 backfills each comment's published replies and its rank."""
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    config = Config("alembic.ini")
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0018")
    engine = make_engine(url)
    comments = [  # (id, parent, status, ranked likes, ranked dislikes)
        (1, None, "published", 5, 1),
        (2, 1, "published", 0, 0),
        (3, 1, "published", 0, 0),
        (4, 1, "held", 0, 0),
        (5, None, "deleted", 0, 0),
        (6, 5, "published", 0, 2),
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user (display_name, role, status, premoderated, created_at) "
                "VALUES ('u', 'reader', 'active', 0, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text("INSERT INTO article (id, premoderated, created_at) VALUES ('a-1', 0, :now)"),
            {"now": utcnow()},
        )
        for id_, parent, status, up, down in comments:
            connection.execute(
                text(
                    "INSERT INTO comment (id, article_id, author_id, parent_id, body, status, "
                    "open_reports, ranked_likes, ranked_dislikes, created_at) "
                    "VALUES (:id, 'a-1', 1, :p, 'x', :s, 0, :up, :down, :now)"
                ),
                {"id": id_, "p": parent, "s": status, "up": up, "down": down, "now": utcnow()},
            )

    command.upgrade(config, "0019")

    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, published_replies, best_score FROM comment ORDER BY id")
        ).all()
    engine.dispose()
    assert [(id_, replies) for id_, replies, _ in rows] == [
        (1, 2),
        (2, 0),
        (3, 0),
        (4, 0),
        (5, 1),
        (6, 0),
    ]
    scores = {id_: score for id_, _, score in rows}
    assert scores[1] == pytest.approx(wilson_lower_bound(5, 1))
    assert scores[6] == 0.0
    assert scores[2] == 0.0
