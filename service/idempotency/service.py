"""Keyed writes: a retry with the same `Idempotency-Key` and the same request within a day gets
the first answer and changes nothing; the same key with another request is refused.

The answer is written in the same transaction as the work (the comment, the report), so after a
crash either both are there or neither: a client that saw only a broken connection retries and
gets the answer it missed. Two copies of one request racing each other meet at the record's
unique (user, key): the second waits for the first's transaction, then replays its answer.
Failed requests leave no record: the client may retry them with the same key."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import ColumnElement, delete, update
from sqlmodel import Session, col, select

from service.core.db import insert_or_ignore, utcnow
from service.core.errors import Unprocessable
from service.idempotency.models import IdempotencyRecord

RETENTION = timedelta(hours=24)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,255}$",
        description="Any unique string of 1-255 visible ASCII characters (a UUID is good). A "
        "retry with the same key and body within 24 hours returns the first answer and stores "
        "nothing new (with `Idempotent-Replayed: true`); the same key with another body is "
        "refused with 422 `idempotency_key_reused`.",
    ),
]


class IdempotencyKeyReused(Unprocessable):
    """This `Idempotency-Key` came with a different request in the last 24 hours."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used for a different request; use a new key for a new "
            "request."
        )


class AlreadyAnswered(Exception):
    """Not an error: the first answer to this request, to be sent again."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(status_code)
        self.status_code = status_code
        self.body = body


@dataclass(frozen=True, kw_only=True)
class RetryRequest:
    """A request's key and a fingerprint of what it asks, before its caller is known (a route
    that authenticates inside its own unit of work binds the user there, with `by`)."""

    key: str | None
    fingerprint: str

    @classmethod
    def of(cls, request: Request, *, key: str | None, payload: BaseModel) -> "RetryRequest":
        if key is None:
            return cls(key=None, fingerprint="")  # nothing to compare a retry with
        asked = {
            "method": request.method,
            "path": request.url.path,
            "body": payload.model_dump(mode="json"),
        }
        canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"))
        return cls(key=key, fingerprint=hashlib.sha256(canonical.encode()).hexdigest())

    def by(self, user_id: int) -> "Retryable":
        return Retryable(user_id=user_id, key=self.key, fingerprint=self.fingerprint)


@dataclass(frozen=True, kw_only=True)
class Retryable:
    """What makes one request safe to retry: its user, its key and a fingerprint of what it
    asks. Without a key (the client sent none) every step does nothing."""

    user_id: int
    key: str | None
    fingerprint: str

    @classmethod
    def of(
        cls, request: Request, *, user_id: int, key: str | None, payload: BaseModel
    ) -> "Retryable":
        return RetryRequest.of(request, key=key, payload=payload).by(user_id)

    def replay_if_answered(self, session: Session) -> None:
        """Before any work: raises `AlreadyAnswered` with the first answer, if there is one."""
        if self.key is None:
            return
        record = self._current(session)
        if record is not None:
            self._answer_from(record)

    def reserve(self, session: Session) -> None:
        """First step of the work's transaction: claims the key, or raises `AlreadyAnswered`
        when another copy of this request got there first (after waiting for it to finish)."""
        if self.key is None:
            return
        session.execute(delete(IdempotencyRecord).where(self._same_key(), _expired()))
        claimed = session.execute(
            insert_or_ignore(session, IdempotencyRecord)
            .values(
                user_id=self.user_id,
                key=self.key,
                fingerprint=self.fingerprint,
                status_code=0,
                body={},
                created_at=utcnow(),
            )
            .returning(col(IdempotencyRecord.id))
        ).first()
        if claimed is None:
            record = self._current(session)
            assert record is not None  # the conflicting row is committed, or we would wait
            self._answer_from(record)

    def remember(self, session: Session, *, status_code: int, body: BaseModel) -> None:
        """Last step of the work's transaction: the answer a retry will get."""
        if self.key is None:
            return
        session.execute(
            update(IdempotencyRecord)
            .where(self._same_key())
            .values(status_code=status_code, body=body.model_dump(mode="json"))
        )

    def _same_key(self) -> ColumnElement[bool]:
        return (col(IdempotencyRecord.user_id) == self.user_id) & (
            col(IdempotencyRecord.key) == self.key
        )

    def _current(self, session: Session) -> IdempotencyRecord | None:
        return session.exec(select(IdempotencyRecord).where(self._same_key(), ~_expired())).first()

    def _answer_from(self, record: IdempotencyRecord) -> None:
        if record.fingerprint != self.fingerprint:
            raise IdempotencyKeyReused()
        raise AlreadyAnswered(record.status_code, record.body)


def _expired() -> ColumnElement[bool]:
    return col(IdempotencyRecord.created_at) < utcnow() - RETENTION


async def replay(_: Request, answered: Exception) -> JSONResponse:
    """The exception handler that sends a stored answer again."""
    assert isinstance(answered, AlreadyAnswered)
    return JSONResponse(
        answered.body,
        status_code=answered.status_code,
        headers={"Idempotent-Replayed": "true"},
    )
