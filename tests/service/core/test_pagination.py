"""Keyset paging: every row once, in order, whatever the ties and directions; cursors that this
API did not issue are refused before they reach the database."""

import base64
import random
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.engine import Connection

from service.core.pagination import InvalidCursor, Keyset, SortKey
from tests.support.factories import forged_cursor

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("score", Float, nullable=False),
    Column("count", Integer, nullable=False),
)
Row = tuple[int, float, int]


@pytest.fixture(scope="module")
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    generator = random.Random(7)  # noqa: S311 - test data, not secrets
    with engine.connect() as connection:
        connection.execute(
            insert(items),
            [
                # Few distinct values, so every page boundary falls among ties.
                {
                    "id": i,
                    "score": generator.choice([0.1, 0.5, 0.9]),
                    "count": generator.randint(0, 3),
                }
                for i in range(1, 101)
            ],
        )
        yield connection


def read_all(connection: Connection, keyset: Keyset[Row], limit: int) -> list[Row]:
    seen: list[Row] = []
    cursor = None
    while True:
        query = keyset.apply(
            select(items.c.id, items.c.score, items.c.count), limit=limit, cursor=cursor
        )
        page = keyset.page([tuple(row) for row in connection.execute(query)], limit)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            return seen


ORDERS = {
    "id ascending": Keyset[Row]((SortKey(items.c.id, int),), lambda r: [r[0]]),
    "id descending": Keyset[Row]((SortKey(items.c.id, int, descending=True),), lambda r: [r[0]]),
    "worst first, then oldest": Keyset[Row](
        (SortKey(items.c.score, float, descending=True), SortKey(items.c.id, int)),
        lambda r: [r[1], r[0]],
    ),
    "three keys, mixed": Keyset[Row](
        (
            SortKey(items.c.count, int, descending=True),
            SortKey(items.c.score, float),
            SortKey(items.c.id, int, descending=True),
        ),
        lambda r: [r[2], r[1], r[0]],
    ),
}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("limit", [1, 7, 100, 101])
def test_pages_visit_every_row_once_in_order(
    connection: Connection, order: str, limit: int
) -> None:
    keyset = ORDERS[order]
    whole = keyset.apply(select(items.c.id, items.c.score, items.c.count), limit=1000, cursor=None)
    expected = [tuple(row) for row in connection.execute(whole)]

    assert read_all(connection, keyset, limit) == expected
    assert len(expected) == 100


def test_the_last_page_has_no_cursor() -> None:
    keyset = ORDERS["id ascending"]

    page = keyset.page([(1, 0.1, 0), (2, 0.1, 0)], limit=2)

    assert page.next_cursor is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        "%%%",
        forged_cursor({"id": 1}),
        forged_cursor([]),
        forged_cursor([1, 2]),
        forged_cursor([None]),
        forged_cursor([True]),
        forged_cursor(["1"]),
        forged_cursor([1.5]),
        forged_cursor([2**63]),
        forged_cursor([-(2**63)]),
        forged_cursor([[1]]),
        base64.urlsafe_b64encode(b"[NaN]").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_not_issued_here_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        ORDERS["id ascending"].apply(select(items.c.id), limit=10, cursor=cursor)


def test_a_float_key_takes_integers_too(connection: Connection) -> None:
    """JSON writes 1.0 as 1 in some clients; a score of 1 is still a score."""
    keyset = ORDERS["worst first, then oldest"]
    query = select(items.c.id, items.c.score, items.c.count)

    after_one = connection.execute(
        keyset.apply(query, limit=200, cursor=forged_cursor([1, 0]))
    ).all()

    assert len(after_one) == 100


@pytest.mark.parametrize("raw", [b"[Infinity, 1]", b"[-Infinity, 1]", b"[0.5, null]"])
def test_float_cursors_are_checked_too(raw: bytes) -> None:
    cursor = base64.urlsafe_b64encode(raw).decode()

    with pytest.raises(InvalidCursor):
        ORDERS["worst first, then oldest"].apply(select(items.c.id), limit=10, cursor=cursor)
