"""The runtime moderation settings and the word lists, as admins read and change them."""

from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from moderation.policy import LinkAction
from moderation.scoring.scorers import ToxicityAttribute
from service.core.schemas import Patch, Schema, Word, whole_number

WordListName = Literal["banned", "suspect"]
WORD_LISTS: tuple[WordListName, ...] = ("banned", "suspect")


Threshold = Annotated[StrictFloat, Field(gt=0.0, le=1.0)]
"""A probability at or above which the policy acts: in (0, 1]."""

Count = Annotated[StrictInt, Field(ge=0, le=1000), BeforeValidator(whole_number)]
"""How many published comments make a commenter no longer new: a JSON number without a
fraction (`2.0` is 2, as the document's `integer` reads it)."""


Domain = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^\S+$")]
"""A domain as an admin writes it (`https://www.Example.com/x` is example.com); subdomains
count as the domain. The policy service normalises it (`invalid_domain` when it is none)."""
Domains = Annotated[list[Domain], Field(max_length=500)]


Cap = Annotated[StrictInt, Field(ge=1, le=10_000), BeforeValidator(whole_number)]
Hours = Annotated[StrictInt, Field(ge=0, le=24 * 30), BeforeValidator(whole_number)]
Accounts = Annotated[StrictInt, Field(ge=0, le=1000), BeforeValidator(whole_number)]
Minutes = Annotated[StrictInt, Field(ge=1, le=7 * 24 * 60), BeforeValidator(whole_number)]
CooldownMinutes = Annotated[StrictInt, Field(ge=0, le=30 * 24 * 60), BeforeValidator(whole_number)]
Days = Annotated[StrictInt, Field(ge=1, le=365), BeforeValidator(whole_number)]
BurstReactions = Annotated[StrictInt, Field(ge=2, le=10_000), BeforeValidator(whole_number)]
Decided = Annotated[StrictInt, Field(ge=1, le=1000), BeforeValidator(whole_number)]
Similarity = Annotated[StrictFloat, Field(ge=0.5, le=1.0)]
RejectedRate = Annotated[StrictFloat, Field(gt=0.0, le=1.0)]
TimeoutMs = Annotated[StrictInt, Field(ge=50, le=5000), BeforeValidator(whole_number)]
Secret = Annotated[str, Field(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$")]
"""A shared signing secret: printable ASCII without spaces."""
HookUrl = Annotated[str, Field(min_length=8, max_length=2000, pattern=r"^https?://[\x21-\x7e]+$")]


class LinkSettings(Schema):
    action: LinkAction = "hold_for_new_commenters"
    allow_domains: Domains = Field(default_factory=list)
    """The newsroom's own domains: their links are never held."""
    deny_domains: Domains = Field(default_factory=list)
    """Links to these reject the comment at once (`link_denied`)."""
    trusted_after: Count = 3
    """With `hold_for_new_commenters`: published comments after which a commenter's links
    are no longer held."""


class RepeatSettings(Schema):
    same_account_hours: Hours = 24
    """The same text from one account within this many hours: `409 duplicate_comment`;
    0: off."""
    coordinated_accounts: Accounts = 3
    """Near-duplicates from this many accounts within the window are held as `coordinated`;
    0: off (at least 2 when on)."""
    coordinated_window_minutes: Minutes = 60
    similarity: Similarity = 0.9
    """Jaccard similarity of character 3-shingles (numbers and emoji ignored) that makes
    two comments near-duplicates."""

    @model_validator(mode="after")
    def _campaign_of_two_at_least(self) -> Self:
        if self.coordinated_accounts == 1:
            raise ValueError("coordinated_accounts is 0 (off) or at least 2")
        return self


class DailyCaps(Schema):
    """Naver's caps after its 2018 opinion-manipulation scandal; null: no cap. Days are the
    site's calendar days (COMMENTMOD_SITE_TIMEZONE); moderators are exempt."""

    comments: Cap | None = 20
    """Comments (not replies) per day."""
    replies: Cap | None = 40
    per_article: Cap | None = 3
    """Comments (not replies) per article per day."""
    reactions: Cap | None = 50
    """Likes and dislikes given per day (a changed mind is not a new one)."""


class ReactionSettings(Schema):
    ranking_min_account_age_hours: Hours = 24
    """Reactions from accounts younger than this when they reacted do not count toward the
    `best` order (nor do those of accounts banned since); 0: every account counts. Readers
    see every reaction in the counts."""
    burst_reactions: BurstReactions | None = 10
    """This many reactions that do not rank (new or banned accounts) on one comment within
    `burst_minutes` put it in the reported queue as `reaction_burst`; null: off."""
    burst_minutes: Minutes = 10


class HistoryHold(Schema):
    days: Days = 30
    min_decided: Decided = 5
    rejected_rate: RejectedRate = 0.3


class ExternalModerationPublic(Schema):
    """The external moderation hook as shown: its secret never is."""

    url: HookUrl
    timeout_ms: TimeoutMs = 300
    on_failure: Literal["hold", "pass"] = "hold"
    """What a time-out or an error does: hold the comment (`external_unavailable`) or let
    it pass."""


class ExternalModeration(ExternalModerationPublic):
    secret: Secret = Field(repr=False)


class ModerationSettings(Schema):
    """What `GET/PUT /v1/admin/settings` shows; validated as a whole."""

    hold_thresholds: dict[ToxicityAttribute, Threshold]
    """Every attribute's hold threshold."""
    auto_reject_threshold: Threshold | None = None
    """Reject outright at this score of any attribute; null: off."""
    new_commenter_premoderation: Count = 0
    commenting_enabled: StrictBool = True
    nudge: StrictBool = True
    links: LinkSettings = LinkSettings()
    repeats: RepeatSettings = RepeatSettings()
    daily_caps: DailyCaps = DailyCaps()
    reactions: ReactionSettings = ReactionSettings()
    history_hold: HistoryHold | None = HistoryHold()
    new_account_cooldown_minutes: CooldownMinutes = 0
    """An account younger than this cannot post (`403 account_too_new`); 0: off."""
    external_moderation: ExternalModeration | None = None

    @model_validator(mode="after")
    def _reject_above_hold(self) -> "ModerationSettings":
        if self.auto_reject_threshold is not None and any(
            self.auto_reject_threshold <= value for value in self.hold_thresholds.values()
        ):
            raise ValueError("auto_reject_threshold must be above every hold threshold")
        return self


class SettingsPublic(ModerationSettings):
    """The settings as `GET/PUT /v1/admin/settings` answer: the hook's secret left out."""

    external_moderation: ExternalModerationPublic | None = None  # type: ignore[assignment]


class LinksUpdate(Patch):
    action: LinkAction | None = None
    allow_domains: Domains | None = None
    deny_domains: Domains | None = None
    trusted_after: Count | None = None


class RepeatsUpdate(Patch):
    same_account_hours: Hours | None = None
    coordinated_accounts: Accounts | None = None
    coordinated_window_minutes: Minutes | None = None
    similarity: Similarity | None = None


class DailyCapsUpdate(Patch):
    nullable = frozenset({"comments", "replies", "per_article", "reactions"})

    comments: Cap | None = None
    replies: Cap | None = None
    per_article: Cap | None = None
    reactions: Cap | None = None


class ReactionSettingsUpdate(Patch):
    ranking_min_account_age_hours: Hours | None = None
    burst_reactions: BurstReactions | None = None
    burst_minutes: Minutes | None = None


class HistoryHoldUpdate(Patch):
    days: Days | None = None
    min_decided: Decided | None = None
    rejected_rate: RejectedRate | None = None


class ExternalModerationUpdate(Patch):
    """The hook's fields to change; `secret` is needed when the hook is first set."""

    url: HookUrl | None = None
    secret: Secret | None = Field(None, repr=False)
    timeout_ms: TimeoutMs | None = None
    on_failure: Literal["hold", "pass"] | None = None


MERGED_SETTINGS = frozenset(
    {
        "hold_thresholds",
        "links",
        "repeats",
        "daily_caps",
        "reactions",
        "history_hold",
        "external_moderation",
    }
)
"""Settings whose updates merge into the value in force: a field left out keeps its value."""


class SettingsUpdate(Patch):
    """Any subset of the settings. Thresholds merge per attribute, and the groups (links,
    repeats, caps, history, the external hook) per field: what a change leaves out keeps its
    value. The result is validated as a whole."""

    nullable = frozenset({"auto_reject_threshold", "history_hold", "external_moderation"})

    hold_thresholds: dict[ToxicityAttribute, Threshold] | None = None
    auto_reject_threshold: Threshold | None = None
    """null turns auto-reject off."""
    new_commenter_premoderation: Count | None = None
    commenting_enabled: StrictBool | None = None
    nudge: StrictBool | None = None
    links: LinksUpdate | None = None
    repeats: RepeatsUpdate | None = None
    daily_caps: DailyCapsUpdate | None = None
    reactions: ReactionSettingsUpdate | None = None
    history_hold: HistoryHoldUpdate | None = None
    """null turns the history phase off."""
    new_account_cooldown_minutes: CooldownMinutes | None = None
    external_moderation: ExternalModerationUpdate | None = None
    """null removes the hook."""


class WordListPublic(Schema):
    words: list[str]


class WordListAdd(BaseModel):
    words: list[Word] = Field(min_length=1, max_length=500)


class WordListAdded(WordListPublic):
    added: list[str]
