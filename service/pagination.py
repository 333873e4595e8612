"""Opaque keyset cursors: the sort key of the last item, never an OFFSET."""

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query

from service.errors import Unprocessable

Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100).")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
]


class InvalidCursor(Unprocessable):
    code = "invalid_cursor"


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type]) -> list[Any]:
    """The key in `cursor`, checked against the expected types (None allowed for a nullable key)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error) as exc:
        raise InvalidCursor("The cursor is not one this API issued.") from exc
    if (
        not isinstance(key, list)
        or len(key) != len(types)
        or not all(
            value is None or (isinstance(value, kind) and not isinstance(value, bool))
            for value, kind in zip(key, types, strict=True)
        )
    ):
        raise InvalidCursor("The cursor is not one this API issued.")
    return key
