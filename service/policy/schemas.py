"""The runtime moderation settings and the word lists, as admins read and change them."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from moderation.scoring.scorers import TOXICITY_ATTRIBUTES

WordListName = Literal["banned", "suspect"]
WORD_LISTS: tuple[WordListName, ...] = ("banned", "suspect")


class ModerationSettings(BaseModel):
    """What `GET/PUT /v1/admin/settings` shows; validated as a whole."""

    hold_thresholds: dict[str, float]
    auto_reject_threshold: float | None = Field(None, gt=0.0, le=1.0)
    new_commenter_premoderation: int = Field(0, ge=0, le=1000)
    commenting_enabled: bool = True
    nudge: bool = True

    @field_validator("hold_thresholds")
    @classmethod
    def _known_attributes(cls, thresholds: dict[str, float]) -> dict[str, float]:
        for attribute, value in thresholds.items():
            if attribute not in TOXICITY_ATTRIBUTES:
                raise ValueError(f"unknown attribute {attribute!r}; known: {TOXICITY_ATTRIBUTES}")
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{attribute}: a threshold is in (0, 1]")
        return thresholds

    @model_validator(mode="after")
    def _reject_above_hold(self) -> "ModerationSettings":
        if self.auto_reject_threshold is not None and any(
            self.auto_reject_threshold <= value for value in self.hold_thresholds.values()
        ):
            raise ValueError("auto_reject_threshold must be above every hold threshold")
        return self


class SettingsUpdate(BaseModel):
    """Any subset of the settings; the merged result is validated as a whole."""

    hold_thresholds: dict[str, float] | None = None
    auto_reject_threshold: float | None = None
    new_commenter_premoderation: int | None = None
    commenting_enabled: bool | None = None
    nudge: bool | None = None


class WordListPublic(BaseModel):
    words: list[str]


class WordListAdd(BaseModel):
    words: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=500
    )


class WordListAdded(WordListPublic):
    added: list[str]
