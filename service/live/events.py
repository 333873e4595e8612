"""An article's live events and how a transaction announces them.

On PostgreSQL an event travels by `NOTIFY` on `CHANNEL`, sent inside the transaction that
makes the change: PostgreSQL delivers it at commit, to every worker and replica listening,
and never for a transaction that rolled back; no other moving part is needed. On SQLite (one
machine; the embedded default runs one worker) the events are kept in the session and handed
to this worker's own streams after the commit (`Broker.deliver_committed`)."""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

CHANNEL = "commentmod_events"
COMMITTED_EVENTS = "live_events"
"""`session.info` key (SQLite): the events a committed transaction announced."""

CREATED = "comment.created"
UPDATED = "comment.updated"
COUNT = "count"
QUEUES = "queues"
NAMES = frozenset({CREATED, UPDATED, COUNT, QUEUES})
MODERATION = ""
"""The topic of the moderators' events (`queues`): no article id is empty."""


@dataclass(frozen=True)
class LiveEvent:
    article_id: str
    """The article, or `MODERATION` for the moderators' stream."""
    name: str
    """`comment.created`, `comment.updated`, `count`, or `queues` (the SSE `event:` name)."""
    data: dict[str, Any]
    """`{"id", "parent_id"}` of a comment, `{"count"}` of published comments, or `{}`: the
    queues moved (the console reads their counts again)."""

    def payload(self) -> str:
        return json.dumps({"a": self.article_id, "e": self.name, "d": self.data})

    @classmethod
    def parse(cls, payload: str) -> "LiveEvent | None":
        """None for anything that is not an event this service sent."""
        try:
            raw = json.loads(payload)
            event = cls(str(raw["a"]), str(raw["e"]), dict(raw["d"]))
        except (ValueError, KeyError, TypeError):
            return None
        return event if event.name in NAMES else None


def announce(session: Session, events: list[LiveEvent]) -> None:
    """Sends the events with the transaction (see the module's docstring)."""
    if not events:
        return
    if session.get_bind().dialect.name == "postgresql":
        for event in events:
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": event.payload()},
            )
    else:
        session.info.setdefault(COMMITTED_EVENTS, []).extend(events)
