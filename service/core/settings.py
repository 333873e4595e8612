"""All configuration, read from `COMMENTMOD_*` environment variables (see the README's table)."""

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from moderation.redress import MeasureNotifiers
from moderation.scoring.routing import KoreanChoice
from moderation.scoring.scorers import ScorerChoice, ToxicityAttribute
from service.core.db import Timeouts
from service.core.forwarded import TrustedProxies, parse_network, parse_networks
from service.core.origins import origin_of


def available_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class PublicHistory(StrEnum):
    OPTIONAL = "optional"
    ALWAYS = "always"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMENTMOD_", extra="ignore")

    database_url: str = "sqlite:///./var/commentmod.db"
    database_connect_timeout: float = Field(3.0, gt=0.0, le=60.0)
    database_statement_timeout: float = Field(5.0, gt=0.0, le=600.0)
    database_pool_timeout: float = Field(3.0, gt=0.0, le=60.0)
    database_pool_size: int = Field(20, ge=1, le=500)
    """PostgreSQL connections each worker keeps open (10 more in a burst): workers x (this + 10)
    must stay below the server's `max_connections`, replicas included."""
    shutdown_timeout: int = Field(10, ge=1, le=300)
    """Seconds in-flight requests get to finish after SIGTERM."""
    log_level: str = "INFO"
    access_log: bool = True
    """A line per request from each worker; off where the proxy or CDN in front logs them."""

    scorer: ScorerChoice = "auto"
    detoxify_variant: str = "original"
    detoxify_checkpoint: Path | None = None
    detoxify_config_dir: Path | None = None
    onnx_model_dir: Path | None = Path("var/onnx-model")
    """Where `commentmod scorer export` writes and the `onnx` scorer reads (`auto` uses it when
    an export is there)."""
    scorer_mirror: str | None = None
    """Where `commentmod scorer fetch` downloads from instead of GitHub and the Hugging Face hub,
    for servers that reach only an internal mirror: `{mirror}/detoxify/{checkpoint file}` and
    `{mirror}/huggingface/{base model}/{file}`."""
    korean_scorer: KoreanChoice = "embedded"
    """What scores Korean text: the embedded n-gram model, Detoxify `multilingual` from the
    torch.hub cache, or `scorer`'s own model (for `multilingual` or its ONNX export, which read
    Korean). Other text goes to `scorer`; text in both languages to both."""
    shadow_scorer: str | None = None
    """A second model that scores every new comment after its answer has gone, for the
    model-quality report: an export folder (`commentmod scorer export`) or `embedded`."""
    shadow_queue: int = Field(1000, ge=1, le=1_000_000)
    """Comments waiting for the shadow model, per worker; past it they are dropped and counted."""
    hold_threshold: float = Field(0.8, gt=0.0, le=1.0)
    """Default hold threshold for every toxicity attribute."""
    hold_thresholds: dict[ToxicityAttribute, float] = {}
    """Per-attribute overrides as JSON, e.g. {"threat": 0.5}."""
    auto_reject_threshold: float | None = Field(None, gt=0.0, le=1.0)
    new_commenter_premoderation: int = Field(0, ge=0, le=1000)
    nudge: bool = True
    commenting_enabled: bool = True
    moderation_defaults: dict[str, Any] = {}
    """Starting values of any runtime setting (`GET/PUT /v1/admin/settings`) as JSON, merged
    like an update, e.g. {"daily_caps": {"per_article": null}}; an admin's change wins."""
    site_timezone: str = "Asia/Seoul"
    """Where the daily caps' days begin and end (an IANA zone name)."""
    live_streams: int = Field(10_000, ge=1, le=1_000_000)
    """Live event streams (`GET /v1/articles/{id}/events`) one worker holds at most; past it,
    503 `streams_full`."""
    live_heartbeat: float = Field(15.0, gt=0.0, le=300.0)
    """Seconds between keep-alive lines on an idle event stream (proxies close silent ones)."""
    public_history: PublicHistory = PublicHistory.OPTIONAL
    """A commenter's public page (`GET /v1/users/{id}/comments`): `optional` lets each reader
    hide theirs (`PUT /v1/me/history`), `always` keeps every one public (Naver's policy)."""
    edit_window: float = Field(300.0, ge=0.0)
    """Seconds after posting during which the author may edit a comment."""
    report_threshold: int = Field(1, ge=1, le=1000)
    """Open reports that put a published comment in the `reported` queue."""
    comment_rate_limits: str = "1/10 seconds;30/hour"
    login_rate_limits: str = "20/minute"
    report_rate_limits: str = "10/minute"
    notice_rate_limits: str = "5/minute;30/day"
    """Legal notices per address (anyone may send one, signed in or not)."""
    export_rate_limits: str = "5/hour"
    """Data exports per reader (`GET /v1/me/export`)."""
    temporary_measure_days: int = Field(30, ge=1, le=30)
    """How long a rights-infringement notice hides a comment (at most 30 days, the law's)."""
    temporary_measure_notifiers: MeasureNotifiers = MeasureNotifiers.SIGNED_IN
    """Whose rights-infringement notice hides a published comment at once: `signed_in` (a
    notifier signed in to an account in good standing) or `anyone`. Other notices wait for a
    moderator; so do repeats after a decision and notices about staff members' comments."""
    forwarded_allow_ips: Annotated[list[str], NoDecode] = []
    """Proxies (addresses or CIDR networks, comma-separated) whose `X-Forwarded-For` and
    `X-Forwarded-Proto` are believed; none by default: the caller is the connection's peer."""
    redis_url: str | None = None

    @property
    def scoring_threads(self) -> int:
        """The model's threads in each worker: the workers share the cores."""
        return max(1, available_cores() // self.workers)

    @field_validator(
        "comment_rate_limits",
        "login_rate_limits",
        "report_rate_limits",
        "notice_rate_limits",
        "export_rate_limits",
    )
    @classmethod
    def _rate_limits(cls, spec: str) -> str:
        try:
            parse_many(spec) if spec.strip() else None
        except ValueError as exc:
            raise ValueError(
                f"{spec!r} is not in the `limits` notation (1/10 seconds;30/hour)"
            ) from exc
        return spec

    read_cache: bool = True
    """Serve anonymous first pages and counts from each worker's memory (see page_cache)."""
    read_cache_freshness: float = Field(0.5, gt=0.0, le=1.0)
    """Seconds a worker trusts an article's version, or the moderation settings' version,
    before reading it again: the longest a change made elsewhere (another worker or replica)
    stays unseen."""
    public_cache_control: str = "public, max-age=1, stale-while-revalidate=5"
    """For anonymous answers, so a CDN or browser absorbs a spike; signed-in answers are
    `private, no-store`."""
    workers: int = Field(1, ge=1, le=512)
    """Worker processes of this instance; `commentmod serve` sets it for the workers it starts."""
    scoring_timeout: float = Field(2.0, gt=0.0)
    scoring_batch_size: int = Field(32, ge=1, le=512)
    scoring_batch_wait_ms: float = Field(5.0, ge=0.0, le=1000.0)
    retention_sessions_days: int = Field(30, ge=1, le=3650)
    """Sign-in sessions (their user agent, when last used) are kept this long after they expire
    or are signed out; a live one is kept."""
    retention_notifications_days: int = Field(365, ge=1, le=3650)
    """A reader's notifications, read or not, are kept this long."""
    retention_banned_sign_in_days: int = Field(365, ge=1, le=3650)
    """A banned reader who leaves: their linked provider accounts (provider and its user id,
    nothing else) are kept this long and refused at sign-in, so a new account does not lift
    the ban. A suspended reader's are kept until the suspension ends."""
    retention_webhook_days: int = Field(30, ge=1, le=3650)
    """Webhook events (which carry comment texts, names and notifiers' e-mail addresses) and
    their deliveries are kept this long after the delivery finished."""
    rescore_interval: float = Field(60.0, ge=0.0)
    """Seconds between sweeps that re-score unscored comments; 0 turns the periodic sweep off."""

    webhook_interval: float = Field(1.0, ge=0.0)
    """Seconds between the webhook worker's rounds; 0 runs no worker in this process."""
    webhook_timeout: float = Field(10.0, gt=0.0, le=60.0)
    webhook_max_attempts: int = Field(8, ge=1, le=50)
    """Tries per delivery before it is marked failed."""
    webhook_retry_base: float = Field(10.0, gt=0.0)
    """Seconds before the first retry; each retry waits twice as long, at most an hour."""
    webhook_pause_after: int = Field(10, ge=1, le=1000)
    """Failed attempts in a row after which an endpoint is paused."""
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = []
    """Hosts a webhook may point at even though they are private or loopback addresses
    (`127.0.0.1`, `hooks.internal`): every other private address is refused."""

    public_url: str = "http://127.0.0.1:8000"
    """The service's external base URL: OAuth callbacks go to
    `{public_url}/v1/auth/{provider}/callback`."""
    allowed_origins: Annotated[list[str], NoDecode] = []
    """Sites of the news frontend: CORS, CSRF and post-login redirects are limited to these."""
    login_landing_url: str | None = None
    """Where a reader lands after login when `next` is missing or not allowed (default: the first
    allowed origin)."""

    session_lifetime_days: int = Field(30, ge=1, le=365)
    session_cookie_name: str = "commentmod_session"
    session_cookie_domain: str | None = None
    cookie_secure: bool = True

    twitter_client_id: str | None = None
    twitter_client_secret: SecretStr | None = None
    twitter_authorize_url: str = "https://x.com/i/oauth2/authorize"
    twitter_token_url: str = "https://api.x.com/2/oauth2/token"
    twitter_api_base_url: str = "https://api.x.com/2/"

    facebook_client_id: str | None = None
    facebook_client_secret: SecretStr | None = None
    facebook_graph_version: str = Field("v21.0", pattern=r"^v\d+\.\d+$")
    facebook_authorize_url: str | None = None
    facebook_token_url: str | None = None
    facebook_api_base_url: str | None = None
    provider_timeout: float = Field(10.0, gt=0.0)

    @model_validator(mode="after")
    def _facebook_defaults(self) -> "Settings":
        """Facebook's endpoints carry the Graph API version unless set explicitly."""
        version = self.facebook_graph_version
        self.facebook_authorize_url = (
            self.facebook_authorize_url or f"https://www.facebook.com/{version}/dialog/oauth"
        )
        self.facebook_token_url = (
            self.facebook_token_url or f"https://graph.facebook.com/{version}/oauth/access_token"
        )
        self.facebook_api_base_url = (
            self.facebook_api_base_url or f"https://graph.facebook.com/{version}/"
        )
        return self

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [entry.strip() for entry in value.split(",") if entry.strip()]
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_networks(cls, entries: list[str]) -> list[str]:
        """Checked at start: a proxy the service cannot parse is an error, not a proxy
        silently ignored (or, worse, everyone believed)."""
        return [str(parse_network(entry)) for entry in entries]

    @property
    def trusted_proxies(self) -> TrustedProxies:
        return TrustedProxies(parse_networks(self.forwarded_allow_ips))

    @field_validator("site_timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{name!r} is not a time zone like Asia/Seoul") from exc
        return name

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _exact_origins(cls, origins: list[str]) -> list[str]:
        """Credentials are shared with these sites, so each must be one exact origin (no `*`,
        no path), kept as browsers write it (`https://host:443` is `https://host`)."""
        canonical = []
        for origin in origins:
            found = origin_of(origin)
            if found is None or urlsplit(origin)[2:] != ("", "", ""):
                raise ValueError(f"{origin!r} is not an origin like https://www.example.com")
            canonical.append(found)
        return canonical

    @property
    def trusted_origins(self) -> frozenset[str]:
        """Where cookie-authenticated writes and post-login redirects may come from or go to:
        the news sites, and the service's own pages (the moderator console at `/admin/`)."""
        own = origin_of(self.public_url)
        return frozenset(self.allowed_origins) | ({own} if own else set())

    @property
    def database_timeouts(self) -> Timeouts:
        return Timeouts(
            connect=self.database_connect_timeout,
            statement=self.database_statement_timeout,
            pool=self.database_pool_timeout,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
