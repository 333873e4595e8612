"""The external moderation hook: a newsroom's own last word on a comment, asked over HTTPS.

A newsroom may register an endpoint of its own (a spam service, an in-house rules engine).
Every comment that passed the built-in checks is POSTed to it before it is stored, signed
exactly like our webhooks, and the receiver answers `{"action": "publish"|"hold"|"reject",
"reason": "...", "note": "..."}`. The receiver is somebody else's server, so nothing it does
may hurt us: the whole call, name lookup included, is bounded by a deadline of a few hundred
milliseconds; a private address is refused unless allowed (no server-side request forgery);
redirects are never followed; its answer is read only up to `MAX_ANSWER_BYTES`; and any of
these going wrong is a *failure*, returned rather than raised, for the caller to turn into a
hold or a pass (`ExternalHook.on_failure`). The caller calls this outside any database
transaction: a slow receiver must never hold a lock.
"""

import asyncio
import json
import math
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import httpx2

from service.webhooks.service import (
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    resolves_privately,
    signature,
)

ExternalAction = Literal["publish", "hold", "reject"]
ACTIONS: tuple[ExternalAction, ...] = get_args(ExternalAction)

EVENT_TYPE = "comment.check"
USER_AGENT = "commentmod-external-moderation"
MAX_ANSWER_BYTES = 16 * 1024
"""More than any honest `{"action", "reason", "note"}` needs; a larger answer is a failure."""
MAX_REASON_CHARS = 50
MAX_NOTE_CHARS = 500
MAX_ERROR_CHARS = 300

_INVISIBLE_FORMATTING = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)
"""Direction overrides and line separators: they can make a moderator misread a note."""


@dataclass(frozen=True)
class ExternalHook:
    """A newsroom's endpoint. `on_failure` is not used here: it tells the caller what a failed
    call means for the comment (held for a moderator, or published as if never asked)."""

    url: str
    secret: str = field(repr=False)
    timeout_ms: int = 300
    on_failure: Literal["hold", "pass"] = "hold"

    def __post_init__(self) -> None:
        if self.timeout_ms <= 0:
            raise ValueError("timeout_ms must be positive")
        if self.on_failure not in ("hold", "pass"):
            raise ValueError("on_failure must be 'hold' or 'pass'")


@dataclass(frozen=True)
class ExternalVerdict:
    """What the receiver said, or why it said nothing usable (`error`)."""

    action: ExternalAction | None
    """None when the call failed."""
    reason: str | None
    """The receiver's own reason code or text: cleaned, at most 50 characters."""
    note: str | None
    """Cleaned, at most 500 characters."""
    error: str | None
    """Why the call failed (never the secret), None on success."""
    elapsed_ms: float

    @property
    def failed(self) -> bool:
        return self.action is None


def external_payload(
    *,
    article_id: str,
    parent_id: int | None,
    author_id: int,
    author_created_at: datetime,
    text: str,
    scores: Mapping[str, float] | None,
    links: Sequence[str],
) -> dict[str, Any]:
    """The JSON the receiver gets. The comment has no id: it is asked about before it is
    stored. A naive `author_created_at` is taken as UTC (as SQLite gives them back), so the
    receiver always sees an offset; a score that is not a finite number is sent as null,
    since JSON has no NaN."""
    created_at = author_created_at
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return {
        "comment": {
            "article_id": article_id,
            "parent_id": parent_id,
            "body": text,
            "scores": None
            if scores is None
            else {
                label: (float(score) if math.isfinite(score) else None)
                for label, score in scores.items()
            },
            "links": list(links),
        },
        "author": {"id": author_id, "created_at": created_at.isoformat()},
    }


def _clean(value: str, limit: int) -> str | None:
    """Without control characters (lone surrogates included: they cannot be stored as UTF-8)
    or direction overrides, trimmed to `limit` characters; None when nothing is left."""
    kept = "".join(
        char
        for char in value
        if unicodedata.category(char) not in ("Cc", "Cs") and char not in _INVISIBLE_FORMATTING
    )
    return kept.strip()[:limit].strip() or None


class _Refused(Exception):
    """A failure with a message of our own, raised inside the deadline to leave it."""


def _parse(raw: bytes) -> tuple[ExternalAction, str | None, str | None]:
    """The answer's action, reason and note; `_Refused` for anything but that shape. Keys
    other than these three are ignored, so a receiver may say more than we read."""
    try:
        answer = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _Refused("the answer is not JSON") from exc
    if not isinstance(answer, dict):
        raise _Refused("the answer is not a JSON object")
    action = answer.get("action")
    if action not in ACTIONS:
        raise _Refused("the answer's action is not one of publish, hold, reject")
    texts: list[str | None] = []
    for key, limit in (("reason", MAX_REASON_CHARS), ("note", MAX_NOTE_CHARS)):
        value = answer.get(key)
        if value is not None and not isinstance(value, str):
            raise _Refused(f"the answer's {key} is not a string")
        texts.append(None if value is None else _clean(value, limit))
    reason, note = texts
    return action, reason, note


async def _read_at_most(response: httpx2.Response, limit: int) -> bytes:
    """The body as sent (no decompression: a small gzip bomb would be a large answer), or
    `_Refused` as soon as it is longer than `limit`, without reading the rest."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise _Refused(f"the answer is compressed ({encoding[:20]}); it was asked not to be")
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _Refused(f"the answer is larger than {limit} bytes")
    raw = bytearray()
    async for chunk in response.aiter_raw():
        raw += chunk
        if len(raw) > limit:
            raise _Refused(f"the answer is larger than {limit} bytes")
    return bytes(raw)


async def ask_external(
    client: httpx2.AsyncClient,
    hook: ExternalHook,
    payload: Mapping[str, Any],
    *,
    allowed_hosts: Sequence[str],
) -> ExternalVerdict:
    """POSTs the payload as compact JSON, signed like a webhook (`Commentmod-Signature` over
    the exact bytes sent, the event header saying `comment.check`), and reads the verdict.

    The whole call, the name lookup that guards against private addresses included, is
    bounded by `hook.timeout_ms`: a slow receiver costs the commenter that long at most.
    Never raises for anything the receiver or the network does; a payload that is not JSON
    (a bug of ours, not theirs) raises before anything is sent. Cancelling the caller still
    cancels this."""
    started = time.perf_counter()
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()

    def failure(error: str) -> ExternalVerdict:
        return ExternalVerdict(None, None, None, error[:MAX_ERROR_CHARS], _elapsed_ms(started))

    try:
        async with asyncio.timeout(hook.timeout_ms / 1000):
            parts = urlsplit(hook.url)
            if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
                return failure("refused: not an http(s)://host/path URL without a user name")
            if await resolves_privately(hook.url, allowed_hosts):
                return failure("refused: the host has a private address")
            headers = {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Accept-Encoding": "identity",
                "User-Agent": USER_AGENT,
                EVENT_TYPE_HEADER: EVENT_TYPE,
                SIGNATURE_HEADER: signature(hook.secret, int(time.time()), body),
            }
            request = client.stream(
                "POST", hook.url, content=body, headers=headers, follow_redirects=False
            )
            async with request as response:
                status_code = response.status_code
                if not 200 <= status_code < 300:
                    return failure(f"HTTP {status_code}")
                raw = await _read_at_most(response, MAX_ANSWER_BYTES)
    except (TimeoutError, httpx2.TimeoutException):  # ours, or the client's own if shorter
        return failure(f"no answer within the {hook.timeout_ms} ms deadline")
    except _Refused as exc:
        return failure(str(exc))
    except Exception as exc:  # noqa: BLE001 - a bad URL, a refused connection, a TLS error...
        return failure(_describe(exc, hook.secret))
    try:
        action, reason, note = _parse(raw)
    except _Refused as exc:
        return failure(str(exc))
    return ExternalVerdict(action, reason, note, None, _elapsed_ms(started))


def _describe(error: BaseException, secret: str) -> str:
    """The error that happened, not the group a task group wrapped it in; only its name if
    its message quotes the secret (errors are logged and shown to admins). Our own messages
    never quote it, so only a library's can."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    message = str(error)
    if secret and secret in message:
        return f"{type(error).__name__} (its message withheld: it quoted the secret)"
    return f"{type(error).__name__}: {message}"


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
