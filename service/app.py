"""The application factory: wires settings, database, scorer, routers and background sweeps."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import anyio.to_thread
import httpx2
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from auth.router import router as auth_router
from moderation.scoring import Scorer, build_scorer
from service.admin.router import router as admin_router
from service.comments.router import router as comments_router
from service.db import make_engine
from service.deps import Limits
from service.errors import install_error_handlers
from service.health import router as health_router
from service.middleware import BodySizeLimit
from service.policy_store import PolicyStore, default_settings
from service.ratelimit import RateLimiter, parse_limits
from service.scoring import ScoringService
from service.settings import Settings, get_settings
from service.sweep import sweep_forever

logger = logging.getLogger(__name__)


def load_scorer(settings: Settings) -> Scorer:
    return build_scorer(
        settings.scorer,
        variant=settings.detoxify_variant,
        checkpoint=settings.detoxify_checkpoint,
        config_dir=settings.detoxify_config_dir,
    )


def create_app(
    settings: Settings | None = None,
    scorer: Scorer | None = None,
    provider_transport: httpx2.AsyncBaseTransport | None = None,
) -> FastAPI:
    """`scorer` lets tests and benchmarks share one loaded model (by default settings choose);
    `provider_transport` carries the OAuth providers' HTTP (tests point it at a fake)."""
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        model = (
            scorer if scorer is not None else await anyio.to_thread.run_sync(load_scorer, settings)
        )
        logger.info("scoring with %s", model.model_id)
        scoring = ScoringService(
            model,
            timeout=settings.scoring_timeout,
            max_batch=settings.scoring_batch_size,
            max_wait=settings.scoring_batch_wait_ms / 1000,
        )
        scoring.start()
        app.state.scoring = scoring
        sweeper = asyncio.create_task(
            sweep_forever(app.state.engine, scoring, app.state.policy, settings.rescore_interval),
            name="rescore-sweep",
        )
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await scoring.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="Comment moderation API",
        version="0.1.0",
        summary="Comments under news articles: social login, a 250-character rule, toxicity "
        "scoring and a moderator queue.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.provider_transport = provider_transport
    app.state.policy = PolicyStore(default_settings(settings))
    app.state.limits = Limits(
        RateLimiter(settings.redis_url),
        comments=parse_limits(settings.comment_rate_limits),
        logins=parse_limits(settings.login_rate_limits),
        reports=parse_limits(settings.report_rate_limits),
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Requested-With"],
        max_age=600,
    )

    for router in (health_router, comments_router, auth_router, admin_router):
        app.include_router(router)
    return app
