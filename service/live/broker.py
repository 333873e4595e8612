"""This worker's open event streams and what feeds them.

Each stream is a bounded queue registered under its article; an event is put on the queues of
its article's streams without waiting (a stream too slow to drain `STREAM_BACKLOG` events is
closed, and its reader reconnects). On PostgreSQL one connection per worker `LISTEN`s on the
channel and hands every notification to the streams here (this worker's own changes come back
the same way); on SQLite the committed events are handed over directly."""

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

import psycopg

from service.live.events import CHANNEL, LiveEvent

logger = logging.getLogger(__name__)

STREAM_BACKLOG = 64
"""Events a stream may have waiting before it is closed as too slow."""
RECONNECT_DELAY = 2.0
"""Seconds between attempts to listen again after the connection was lost."""


class TooManyStreams(Exception):
    """This worker holds its most streams already."""


class StreamClosed(Exception):
    """The stream fell too far behind and was dropped."""


class Stream:
    def __init__(self, article_id: str) -> None:
        self.article_id = article_id
        self.queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(STREAM_BACKLOG)

    async def next(self) -> LiveEvent:
        event = await self.queue.get()
        if event is None:
            raise StreamClosed()
        return event


class Broker:
    def __init__(self, *, max_streams: int) -> None:
        self.max_streams = max_streams
        self._streams: dict[str, set[Stream]] = defaultdict(set)
        self._open = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.watchers: list[Callable[[LiveEvent], None]] = []
        """Called with every event (the page cache forgets the article at once)."""
        self.listening = asyncio.Event()
        """Set while the PostgreSQL listener is connected (tests wait for it)."""

    @property
    def open_streams(self) -> int:
        return self._open

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop the streams live on: events from other threads are handed over there."""
        self._loop = loop

    @contextlib.contextmanager
    def stream(self, article_id: str) -> Iterator[Stream]:
        if self._open >= self.max_streams:
            raise TooManyStreams()
        stream = Stream(article_id)
        self._streams[article_id].add(stream)
        self._open += 1
        try:
            yield stream
        finally:
            self._open -= 1
            streams = self._streams.get(article_id)
            if streams is not None:
                streams.discard(stream)
                if not streams:
                    del self._streams[article_id]

    def publish(self, event: LiveEvent) -> None:
        """Puts the event on its article's streams (on the loop's thread)."""
        for watcher in self.watchers:
            watcher(event)
        for stream in list(self._streams.get(event.article_id, ())):
            try:
                stream.queue.put_nowait(event)
            except asyncio.QueueFull:
                self._drop(stream)

    def _drop(self, stream: Stream) -> None:
        with contextlib.suppress(asyncio.QueueEmpty):
            while True:
                stream.queue.get_nowait()
        stream.queue.put_nowait(None)
        self._streams.get(stream.article_id, set()).discard(stream)

    def deliver_committed(self, events: Iterable[LiveEvent]) -> None:
        """The events of a transaction this worker committed on SQLite, from any thread."""
        if self._loop is None:
            return
        for event in events:
            self._loop.call_soon_threadsafe(self.publish, event)

    async def listen(self, conninfo: str) -> None:
        """Hands every notification on the channel to the streams, reconnecting after a lost
        connection, until cancelled."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    async for notice in _notices(connection):
                        event = LiveEvent.parse(notice)
                        if event is not None:
                            self.publish(event)
            except (psycopg.Error, OSError) as error:
                logger.warning(
                    "live events: listening stopped (%s); retrying", type(error).__name__
                )
            self.listening.clear()
            await asyncio.sleep(RECONNECT_DELAY)


async def _notices(connection: psycopg.AsyncConnection) -> AsyncIterator[str]:
    async for notify in connection.notifies():
        yield notify.payload
