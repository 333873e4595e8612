"""`GET /v1/articles/{id}/events`: an article's live events as Server-Sent Events."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from auth.deps import AUTHENTICATION_ERRORS, MODERATORS_ONLY
from service.articles.schemas import ArticleId
from service.core.deps import SettingsDep
from service.core.errors import Forbidden, ServiceUnavailable, Unprocessable, error_responses
from service.live.broker import Broker, StreamClosed
from service.live.events import MODERATION

router = APIRouter(prefix="/v1", tags=["comments"])

RECONNECT_MS = 5000
"""What the stream tells a browser to wait before reconnecting (`retry:`)."""


class StreamsFull(ServiceUnavailable):
    """This worker holds as many event streams as it may; try again shortly."""

    code = "streams_full"


EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An endless `text/event-stream`: events `comment.created` and "
        '`comment.updated` with `{"id", "parent_id"}`, `count` with `{"count"}`, and a '
        "comment line every so often to keep proxies from closing it.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/articles/{article_id}/events",
    response_class=StreamingResponse,
    responses={**EVENT_STREAM, **error_responses(StreamsFull, Unprocessable)},
)
async def article_events(
    article_id: ArticleId, request: Request, settings: SettingsDep
) -> StreamingResponse:
    """Live updates for the comment box: a comment published on the article (posted, or
    approved by a moderator), one edited or taken down, and the published count after each,
    on every worker and replica alike. The stream carries ids and counts, never text: the box
    fetches the comments it wants to show. Anyone may listen (what it tells is public)."""
    return _stream(request, article_id, settings.live_heartbeat)


MODERATION_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An endless `text/event-stream`: `queues` (`{}`) whenever a comment "
        "enters or leaves a moderation queue anywhere, and a keep-alive comment line.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/admin/events",
    response_class=StreamingResponse,
    dependencies=MODERATORS_ONLY,
    tags=["admin"],
    responses={
        **MODERATION_STREAM,
        **error_responses(*AUTHENTICATION_ERRORS, Forbidden, StreamsFull),
    },
)
async def moderation_events(request: Request, settings: SettingsDep) -> StreamingResponse:
    """For the console: a `queues` event whenever the queues move (a comment held, reported
    or decided, on any worker), so it reads the counts again instead of polling them."""
    return _stream(request, MODERATION, settings.live_heartbeat)


def _stream(request: Request, topic: str, heartbeat: float) -> StreamingResponse:
    broker: Broker = request.app.state.live
    if broker.open_streams >= broker.max_streams:
        raise StreamsFull("This server holds as many live streams as it may; try again shortly.")
    return StreamingResponse(
        _events(broker, topic, heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(broker: Broker, article_id: str, heartbeat: float) -> AsyncIterator[str]:
    with broker.stream(article_id) as stream:
        yield f"retry: {RECONNECT_MS}\n: listening\n\n"
        while True:
            try:
                async with asyncio.timeout(heartbeat):  # no task per wait, as wait_for makes
                    event = await stream.next()
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            except StreamClosed:
                return
            yield f"event: {event.name}\ndata: {json.dumps(event.data)}\n\n"
