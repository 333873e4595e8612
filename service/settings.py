"""All configuration, read from `COMMENTMOD_*` environment variables (see the README's table)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from moderation.scoring import ScorerChoice


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMENTMOD_", extra="ignore")

    database_url: str = "sqlite:///./var/commentmod.db"
    log_level: str = "INFO"

    scorer: ScorerChoice = "auto"
    detoxify_variant: str = "original"
    detoxify_checkpoint: Path | None = None
    detoxify_config_dir: Path | None = None
    hold_threshold: float = Field(0.8, gt=0.0, le=1.0)
    scoring_timeout: float = Field(2.0, gt=0.0)
    scoring_batch_size: int = Field(32, ge=1, le=512)
    scoring_batch_wait_ms: float = Field(5.0, ge=0.0, le=1000.0)
    rescore_interval: float = Field(60.0, ge=0.0)
    """Seconds between sweeps that re-score unscored comments; 0 turns the periodic sweep off."""

    session_lifetime_days: int = Field(30, ge=1, le=365)
    session_cookie_name: str = "commentmod_session"
    allowed_origins: Annotated[list[str], NoDecode] = []

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
