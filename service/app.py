"""The application factory: wires settings, database, scorer, routers and background sweeps.
The one place that knows every feature."""

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx2
from fastapi import APIRouter, FastAPI
from sqlmodel import Session

from auth.deps import AUTHENTICATION_ERRORS
from auth.router import router as auth_router
from moderation.scoring.bounded import BoundedScorer
from moderation.scoring.routing import RoutedScorer, build_korean_scorer
from moderation.scoring.scorers import Scorer, ScorerUnavailable, build_scorer
from service import health
from service.abuse.router import admin_router as abuse_admin
from service.abuse.screening import Screening
from service.apidocs import install_docs
from service.appeals.router import admin_router as appeals_admin
from service.appeals.router import router as appeals_router
from service.articles.router import admin_router as articles_admin
from service.audit.router import admin_router as audit_admin
from service.campaigns.router import admin_router as campaigns_admin
from service.comments.models import MODEL_ID_LENGTH
from service.comments.page_cache import PublicPages
from service.comments.posting import WRITTEN_TEXTS
from service.comments.rescoring import rescore_unscored
from service.comments.router import router as comments_router
from service.comments.tallies import CHANGED_ARTICLES
from service.core.access_log import configure_logging
from service.core.db import Database, DatabaseUnavailable
from service.core.errors import Forbidden, error_responses, install_error_handlers
from service.core.forwarded import ForwardedHeaders
from service.core.middleware import (
    BodySizeLimit,
    JsonCorsMiddleware,
    SecurityHeaders,
    UnexpectedErrors,
)
from service.core.ratelimit import Limits
from service.core.settings import Settings, get_settings
from service.idempotency.service import AlreadyAnswered, replay
from service.live.broker import Broker
from service.live.events import COMMITTED_EVENTS
from service.live.router import router as live_router
from service.mutes.router import router as mutes_router
from service.notices.router import admin_router as notices_admin
from service.notices.router import router as notices_router
from service.notices.service import end_measures, measures_due
from service.notifications.router import router as notifications_router
from service.openapi import install_openapi
from service.picks.router import admin_router as picks_admin
from service.policy.router import admin_router as policy_admin
from service.policy.service import POLICY_CHANGED, PolicyStore, default_settings
from service.privacy.erasure import continue_erasure_of, unfinished_erasures
from service.privacy.router import admin_router as privacy_admin
from service.privacy.router import router as privacy_router
from service.profiles.router import router as profiles_router
from service.quality.router import admin_router as quality_admin
from service.quality.shadow import ShadowScoring
from service.queue.router import admin_router as queue_admin
from service.reports.bursts import flag_reaction_bursts
from service.reports.router import router as reports_router
from service.retention.service import Terms, prune
from service.screens.router import PUBLIC_ASSET_PATHS, install_screens
from service.statements.router import router as statements_router
from service.transparency.router import admin_router as transparency_admin
from service.users.router import admin_router as users_admin
from service.webhooks.router import admin_router as webhooks_admin
from service.webhooks.worker import deliver_webhooks

logger = logging.getLogger(__name__)


def load_scorer(settings: Settings) -> RoutedScorer:
    """The English model `scorer` chooses and the Korean one, each text routed by language."""
    english = build_scorer(
        settings.scorer,
        variant=settings.detoxify_variant,
        checkpoint=settings.detoxify_checkpoint,
        config_dir=settings.detoxify_config_dir,
        onnx_dir=settings.onnx_model_dir,
        onnx_threads=settings.scoring_threads,
    )
    korean = build_korean_scorer(settings.korean_scorer, english=english)
    routed = RoutedScorer(english=english, korean=korean)
    if len(routed.model_id) > MODEL_ID_LENGTH:
        raise ScorerUnavailable(
            f"the models' names, {routed.model_id!r}, are longer than the {MODEL_ID_LENGTH} "
            "characters stored with a comment: rename the checkpoint file"
        )
    return routed


def load_shadow_scorer(settings: Settings) -> RoutedScorer | None:
    """`COMMENTMOD_SHADOW_SCORER`: `embedded`, or an export folder served as `onnx` serves one,
    Korean text routed as for the served model. One that cannot be loaded is logged and left
    out: a model on trial must not stop the service."""
    if settings.shadow_scorer is None:
        return None
    if settings.shadow_scorer == "embedded":
        trial = settings.model_copy(update={"scorer": "embedded"})
    else:
        trial = settings.model_copy(
            update={"scorer": "onnx", "onnx_model_dir": Path(settings.shadow_scorer)}
        )
    try:
        return load_scorer(trial)
    except ScorerUnavailable as unusable:
        logger.warning("SHADOW MODEL LEFT OUT: %s", unusable)
        return None


PRUNE_EVERY = 3600.0
"""Seconds between retention sweeps: what has had its time goes within the hour."""


async def housekeeping(
    *,
    database: Database,
    scoring: BoundedScorer,
    policy: PolicyStore,
    terms: Terms,
    screening: Screening,
    interval: float,
) -> None:
    """At start-up, then every `interval` seconds (0: only at start-up): decide the comments
    held while the model was unavailable, prune what has had its time (`service.retention`,
    at most every `PRUNE_EVERY` seconds), end the temporary measures whose period is over, and
    finish erased accounts' comments (those held back by a notice or appeal now settled), and
    report the comments a burst of reactions from new accounts hit (`reports.bursts`)."""
    pruned_at = -math.inf

    async def prune_if_due() -> None:
        nonlocal pruned_at
        if time.monotonic() - pruned_at >= PRUNE_EVERY:
            await prune(database, terms)
            pruned_at = time.monotonic()

    async def finish_erasures() -> None:
        for user_id in await database.run(unfinished_erasures):
            while True:  # batch after batch, each its own unit of work
                progress = await database.run(
                    partial(continue_erasure_of, user_id=user_id), writes=True
                )
                if progress is None or progress.finished or not progress.deleted:
                    break

    async def end_measures_due() -> None:
        if await database.run(measures_due):
            ended = await database.run(end_measures, writes=True)
            logger.info("ended %d temporary measure(s)", ended)

    async def flag_bursts() -> None:
        def flag(session: Session) -> list[int]:
            return flag_reaction_bursts(session, policy.current(session).settings.reactions)

        flagged = await database.run(flag, writes=True)
        if flagged:
            logger.info("reaction bursts on comment(s) %s: reported", flagged)

    steps: dict[str, Callable[[], Awaitable[object]]] = {
        "re-scoring": partial(
            rescore_unscored,
            database=database,
            scoring=scoring,
            policy=policy,
            screening=screening,
        ),
        "retention": prune_if_due,
        "temporary measures": end_measures_due,
        "erasures": finish_erasures,
        "reaction bursts": flag_bursts,
    }
    while True:
        for name, step in steps.items():  # one failing step does not hold up the others
            try:
                await step()
            except DatabaseUnavailable:
                logger.warning("housekeeping (%s): the database is unavailable; later", name)
            except Exception:
                logger.exception("housekeeping (%s) failed; retrying in %.0fs", name, interval)
        if interval <= 0:
            return
        await asyncio.sleep(interval)


def admin_api() -> APIRouter:
    """Every moderator route under /v1/admin. Each feature's router carries the guard
    (`MODERATORS_ONLY`: a moderator or admin in good standing; admin-only routes add `Admin`)."""
    admin = APIRouter(
        prefix="/v1/admin",
        tags=["admin"],
        responses=error_responses(*AUTHENTICATION_ERRORS, Forbidden),
    )
    features = (
        queue_admin,
        users_admin,
        articles_admin,
        policy_admin,
        audit_admin,
        webhooks_admin,
        notices_admin,
        appeals_admin,
        transparency_admin,
        quality_admin,
        campaigns_admin,
        abuse_admin,
        privacy_admin,
        picks_admin,
    )
    for feature in features:
        admin.include_router(feature)
    return admin


def create_app(
    settings: Settings | None = None,
    scorer: Scorer | None = None,
    provider_transport: httpx2.AsyncBaseTransport | None = None,
    shadow: Scorer | None = None,
) -> FastAPI:
    """`scorer` lets tests and benchmarks share one loaded model (by default settings choose),
    `shadow` likewise for the shadow model; `provider_transport` carries the OAuth providers'
    HTTP (tests point it at a fake)."""
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        model = (
            scorer if scorer is not None else await anyio.to_thread.run_sync(load_scorer, settings)
        )
        logger.info("scoring with %s", model.model_id)
        scoring = BoundedScorer(
            model,
            timeout=settings.scoring_timeout,
            max_batch=settings.scoring_batch_size,
            max_wait=settings.scoring_batch_wait_ms / 1000,
        )
        scoring.start()
        app.state.scoring = scoring
        trial = shadow or await anyio.to_thread.run_sync(load_shadow_scorer, settings)
        if trial is not None:
            logger.info("shadow model: %s", trial.model_id)
            app.state.shadow = ShadowScoring(
                trial, app.state.database, capacity=settings.shadow_queue
            )
            app.state.shadow.start()
        sweeper = asyncio.create_task(
            housekeeping(
                database=app.state.database,
                scoring=scoring,
                policy=app.state.policy,
                terms=Terms.of(settings, app.state.limits),
                screening=app.state.screening,
                interval=settings.rescore_interval,
            ),
            name="housekeeping",
        )
        app.state.housekeeping = sweeper
        background = [sweeper]
        app.state.live.bind(asyncio.get_running_loop())
        listen_to = app.state.database.listen_url()
        if listen_to is not None:
            background.append(asyncio.create_task(app.state.live.listen(listen_to), name="live"))
        if settings.webhook_interval > 0:
            background.append(
                asyncio.create_task(deliver_webhooks(app.state.database, settings), name="webhooks")
            )
        try:
            yield
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await scoring.close()
            await app.state.screening.close()
            if app.state.shadow is not None:
                await anyio.to_thread.run_sync(app.state.shadow.close)
            app.state.database.dispose()

    app = FastAPI(
        title="Comment moderation API",
        version="0.1.0",
        summary="Comments under news articles: social login, a 250-character rule, toxicity "
        "scoring and a moderator queue.",
        lifespan=lifespan,
        docs_url=None,  # served from the package's own files: service/apidocs.py
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database = Database.connect(
        settings.database_url, settings.database_timeouts, pool_size=settings.database_pool_size
    )
    app.state.public_pages = pages = PublicPages(
        database, enabled=settings.read_cache, freshness=settings.read_cache_freshness
    )
    app.state.live = live = Broker(max_streams=settings.live_streams)
    # Another worker's change, heard live, is fresh news for this worker's cached pages too.
    live.watchers.append(lambda event: pages.forget([event.article_id]))
    app.state.policy = policy = PolicyStore(
        default_settings(settings), freshness=settings.read_cache_freshness
    )

    app.state.shadow = None

    def after_commit(info: dict[Any, Any]) -> None:
        """What this worker's own writes changed shows at once on this worker; texts written
        go to the shadow model, if one is on trial."""
        pages.forget(info.get(CHANGED_ARTICLES, ()))
        live.deliver_committed(info.get(COMMITTED_EVENTS, ()))
        if info.get(POLICY_CHANGED):
            policy.forget()
        if app.state.shadow is not None and WRITTEN_TEXTS in info:
            app.state.shadow.offer(info[WRITTEN_TEXTS])

    database.after_commit(after_commit)
    app.state.provider_transport = provider_transport
    app.state.limits = Limits.from_settings(settings)
    app.state.screening = Screening(
        zone=settings.site_timezone, hook_hosts=settings.webhook_allowed_hosts
    )
    install_error_handlers(app)
    app.add_exception_handler(AlreadyAnswered, replay)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(UnexpectedErrors)  # inside CORS and SecurityHeaders: a 500 has them too
    app.add_middleware(
        JsonCorsMiddleware,
        public_paths=PUBLIC_ASSET_PATHS,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Requested-With", "Idempotency-Key"],
        expose_headers=["Retry-After", "Idempotent-Replayed"],
        max_age=600,
    )
    app.add_middleware(  # every answer carries the headers
        SecurityHeaders,
        session_cookie=settings.session_cookie_name,
        public_paths=PUBLIC_ASSET_PATHS,
    )
    # outermost: every layer sees the client and scheme a listed proxy forwarded, or the peer's
    app.add_middleware(ForwardedHeaders, proxies=settings.trusted_proxies)
    public = (
        health.router,
        comments_router,
        reports_router,
        notices_router,
        appeals_router,
        auth_router,
        notifications_router,
        statements_router,
        privacy_router,
        mutes_router,
        profiles_router,
        live_router,
        admin_api(),
    )
    for router in public:
        app.include_router(router)
    install_docs(app)
    install_screens(app)
    install_openapi(app, cookie_name=settings.session_cookie_name)
    return app


def create_worker_app() -> FastAPI:
    """What each `commentmod serve` worker process runs: settings from the environment, and
    the logging set-up the process does not inherit from the one that started it."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
