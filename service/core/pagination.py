"""Keyset paging: a page ends where the next one starts, by the sort key of its last item,
carried in an opaque cursor. Never OFFSET, so page 1,000 costs what page 1 costs."""

import base64
import binascii
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from annotated_types import Ge, Le
from fastapi import Query
from pydantic import BeforeValidator
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import Mapped

from service.core.db import MAX_ID
from service.core.errors import Unprocessable
from service.core.schemas import plain_digits

Row = TypeVar("Row")
Statement = TypeVar("Statement", bound=Select[*tuple[Any, ...]])

Limit = Annotated[
    int, Ge(1), Le(100), BeforeValidator(plain_digits), Query(description="Page size (1-100).")
]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="`next_cursor` of the previous page (leave it out for the first page).",
    ),
]


class InvalidCursor(Unprocessable):
    """The cursor was not issued by this API, or by another sort order."""

    code = "invalid_cursor"

    def __init__(self) -> None:
        super().__init__("The cursor is not one this API issued.")


@dataclass(frozen=True)
class SortKey:
    """One column of a sort order and the type of its values."""

    column: ColumnElement[Any] | Mapped[Any]
    kind: type[int] | type[float]
    descending: bool = False
    largest: int = MAX_ID
    """The largest magnitude the column holds (a 32-bit count: 2^31-1)."""


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: list[Row]
    next_cursor: str | None


@dataclass(frozen=True)
class Keyset(Generic[Row]):
    """A sort order for keyset paging: the key columns, most significant first (the last one
    unique, usually the id), and how to read the key off a row of the result."""

    keys: Sequence[SortKey]
    key_of: Callable[[Row], Sequence[int | float]]

    def apply(self, query: Statement, *, limit: int, cursor: str | None) -> Statement:
        """Orders the query, starts it after the cursor, and fetches one row more than a page
        to learn whether another page follows."""
        ordered = query.order_by(
            *(key.column.desc() if key.descending else key.column for key in self.keys)
        ).limit(limit + 1)
        if cursor is None:
            return ordered
        return ordered.where(self._after(self._decode(cursor)))

    def after(self, cursor: str) -> ColumnElement[bool]:
        """The rows strictly after the cursor, for a query that fills a page beside `apply`'s."""
        return self._after(self._decode(cursor))

    def page(self, rows: Sequence[Row], limit: int) -> Page[Row]:
        """Cuts the extra row and makes the cursor of the next page from the last one kept."""
        items = list(rows[:limit])
        more = len(rows) > limit
        return Page(items, _encode(self.key_of(items[-1])) if more else None)

    def ordered(self, rows: Iterable[Row]) -> list[Row]:
        """Rows from several queries of this order, merged into it (each key's values are
        numbers, so a descending key sorts by its negation)."""
        signs = [-1 if key.descending else 1 for key in self.keys]
        return sorted(
            rows,
            key=lambda row: [
                sign * value for sign, value in zip(signs, self.key_of(row), strict=True)
            ],
        )

    def _after(self, values: Sequence[int | float]) -> ColumnElement[bool]:
        """(k1, k2, ...) strictly after the cursor's key in this order, as an OR of prefixes
        that the database can answer from the sort index."""
        alternatives = []
        for position, key in enumerate(self.keys):
            same_before = [
                earlier.column == value
                for earlier, value in zip(self.keys[:position], values, strict=False)
            ]
            value = values[position]
            beyond = key.column < value if key.descending else key.column > value
            alternatives.append(and_(*same_before, beyond))
        return or_(*alternatives)

    def _decode(self, cursor: str) -> list[int | float]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (ValueError, binascii.Error) as exc:
            raise InvalidCursor() from exc
        if not isinstance(key, list) or len(key) != len(self.keys):
            raise InvalidCursor()
        if not all(_fits(value, sort) for value, sort in zip(key, self.keys, strict=True)):
            raise InvalidCursor()
        return key


def _fits(value: object, key: SortKey) -> bool:
    """A value this sort key's column can hold: a key beyond it was not issued here."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -key.largest <= value <= key.largest
    return key.kind is float and isinstance(value, float) and math.isfinite(value)


def _encode(key: Sequence[int | float]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")
