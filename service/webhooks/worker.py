"""The background worker that delivers webhooks: one per serve worker process, each taking its
own deliveries (claims keep them apart), never inside a request."""

import asyncio
import logging
from datetime import timedelta

import httpx2

from service.core.db import Database, DatabaseUnavailable
from service.core.settings import Settings
from service.webhooks.service import (
    claim_due,
    dispatch,
    has_work,
    record_results,
    send,
)

logger = logging.getLogger(__name__)


async def deliver_round(database: Database, client: httpx2.AsyncClient, settings: Settings) -> int:
    """Fans out new events, then sends what is due; how many deliveries it tried."""
    if not await database.run(has_work):
        return 0
    await database.run(dispatch, writes=True)
    lease = timedelta(seconds=2 * settings.webhook_timeout + 30)
    claimed = await database.run(lambda session: claim_due(session, lease=lease), writes=True)
    if not claimed:
        return 0
    outcomes = await asyncio.gather(*(send(client, outgoing, settings) for outgoing in claimed))
    await database.run(lambda session: record_results(session, outcomes, settings), writes=True)
    return len(claimed)


async def deliver_webhooks(database: Database, settings: Settings) -> None:
    """Rounds until cancelled: at once while there is work, every `webhook_interval` seconds
    when there is none."""
    async with httpx2.AsyncClient(
        timeout=settings.webhook_timeout, follow_redirects=False, trust_env=False
    ) as client:
        while True:
            tried = 0
            try:
                tried = await deliver_round(database, client, settings)
            except DatabaseUnavailable:
                logger.warning("webhooks: the database is unavailable; retrying later")
            except Exception:
                logger.exception("webhooks: a delivery round failed; retrying later")
            if not tried:
                await asyncio.sleep(settings.webhook_interval)
