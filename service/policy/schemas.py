"""The runtime moderation settings and the word lists, as admins read and change them."""

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from moderation.scoring.scorers import ToxicityAttribute
from service.core.schemas import Patch, Schema, Word, whole_number

WordListName = Literal["banned", "suspect"]
WORD_LISTS: tuple[WordListName, ...] = ("banned", "suspect")


Threshold = Annotated[StrictFloat, Field(gt=0.0, le=1.0)]
"""A probability at or above which the policy acts: in (0, 1]."""

Count = Annotated[StrictInt, Field(ge=0, le=1000), BeforeValidator(whole_number)]
"""How many published comments make a commenter no longer new: a JSON number without a
fraction (`2.0` is 2, as the document's `integer` reads it)."""


class ModerationSettings(Schema):
    """What `GET/PUT /v1/admin/settings` shows; validated as a whole."""

    hold_thresholds: dict[ToxicityAttribute, Threshold]
    """Every attribute's hold threshold."""
    auto_reject_threshold: Threshold | None = None
    """Reject outright at this score of any attribute; null: off."""
    new_commenter_premoderation: Count = 0
    commenting_enabled: StrictBool = True
    nudge: StrictBool = True

    @model_validator(mode="after")
    def _reject_above_hold(self) -> "ModerationSettings":
        if self.auto_reject_threshold is not None and any(
            self.auto_reject_threshold <= value for value in self.hold_thresholds.values()
        ):
            raise ValueError("auto_reject_threshold must be above every hold threshold")
        return self


class SettingsUpdate(Patch):
    """Any subset of the settings. Thresholds merge per attribute: an attribute left out keeps
    its threshold. The result is validated as a whole."""

    nullable = frozenset({"auto_reject_threshold"})

    hold_thresholds: dict[ToxicityAttribute, Threshold] | None = None
    auto_reject_threshold: Threshold | None = None
    """null turns auto-reject off."""
    new_commenter_premoderation: Count | None = None
    commenting_enabled: StrictBool | None = None
    nudge: StrictBool | None = None


class WordListPublic(Schema):
    words: list[str]


class WordListAdd(BaseModel):
    words: list[Word] = Field(min_length=1, max_length=500)


class WordListAdded(WordListPublic):
    added: list[str]
