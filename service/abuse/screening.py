"""What the spam checks of one post carry from the prepare phase to the store, and what they
need from outside the database: the site's time zone and the external hook's HTTP client."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2
from sqlmodel import Session

from auth.models import User
from auth.users import can_moderate
from moderation.policy import PUBLISHED, Decision
from moderation.repeats import repeat_key
from moderation.statuses import CommentStatus
from service.abuse.external import ExternalHook, ExternalVerdict, ask_external
from service.abuse.service import (
    Cap,
    DuplicateComment,
    Likeness,
    SiteDay,
    caps_for,
    check_caps,
    earlier_copy,
    ensure_old_enough,
)
from service.policy.schemas import ExternalModeration, ModerationSettings

EXTERNAL = "external"
EXTERNAL_UNAVAILABLE = "external_unavailable"


def external_decision(verdict: ExternalVerdict, *, on_failure: str) -> tuple[Decision, str]:
    """The decision after the external hook's answer, and the outcome counted. Its own reason
    and note are kept in the decision's note (the console and the audit log show them); a
    publish with a reason is a tag on a published comment."""
    said = ": ".join(part for part in (verdict.reason, verdict.note) if part) or None
    if verdict.failed:
        if on_failure == "pass":
            return Decision(
                PUBLISHED.status, PUBLISHED.reason, f"external check failed: {verdict.error}"
            ), "failed_passed"
        return Decision(CommentStatus.HELD, EXTERNAL_UNAVAILABLE, verdict.error), "failed_held"
    if verdict.action == "reject":
        return Decision(CommentStatus.REJECTED, EXTERNAL, said), "reject"
    if verdict.action == "hold":
        return Decision(CommentStatus.HELD, EXTERNAL, said), "hold"
    return Decision(
        PUBLISHED.status, PUBLISHED.reason, f"external tag: {said}" if said else None
    ), "publish"


def _likeness(text: str, settings: ModerationSettings) -> Likeness:
    """The text's campaign fingerprint, none while the campaign check is off."""
    if settings.repeats.coordinated_accounts < 2:
        return Likeness(frozenset(), ())
    return Likeness.of(text)


@dataclass(frozen=True)
class Screen:
    """One new comment's spam facts, read before the model scores."""

    author_id: int
    repeat_key: str
    repeat_hours: int
    likeness: Likeness
    caps: Sequence[Cap]
    day: SiteDay


@dataclass
class Screening:
    zone: str
    """The site's time zone: where a day of the caps begins."""
    hook_hosts: Sequence[str] = ()
    """Private hosts the external hook may point at (COMMENTMOD_WEBHOOK_ALLOWED_HOSTS)."""
    client: httpx2.AsyncClient | None = field(default=None, repr=False)

    def screen(
        self,
        session: Session,
        *,
        author: User,
        text: str,
        article_id: str,
        reply: bool,
        settings: ModerationSettings,
    ) -> Screen:
        """The refusals that need no model, cheapest first: the account's age, a repeat of
        its own comment, a daily cap (moderators have none). `settings`: the site's
        `ModerationSettings`."""
        assert author.id is not None
        exempt = can_moderate(author)
        if not exempt:
            ensure_old_enough(author, minutes=settings.new_account_cooldown_minutes)
        key = repeat_key(text)
        hours = settings.repeats.same_account_hours
        earlier = earlier_copy(session, author_id=author.id, key=key, hours=hours)
        if earlier is not None:
            raise DuplicateComment(earlier)
        caps = (
            []
            if exempt
            else caps_for(settings.daily_caps.model_dump(), article_id=article_id, reply=reply)
        )
        day = SiteDay.now(self.zone)
        check_caps(session, user_id=author.id, caps=caps, day=day)
        return Screen(author.id, key, hours, _likeness(text, settings), caps, day)

    def screen_edit(
        self,
        session: Session,
        *,
        author: User,
        text: str,
        comment_id: int,
        settings: ModerationSettings,
    ) -> Screen:
        """An edit is checked as a repeat too (another of the account's comments with this
        text), but counts against no cap: the comment was counted when posted."""
        assert author.id is not None
        key = repeat_key(text)
        hours = settings.repeats.same_account_hours
        earlier = earlier_copy(session, author_id=author.id, key=key, hours=hours)
        if earlier is not None and earlier != comment_id:
            raise DuplicateComment(earlier)
        return Screen(author.id, key, hours, _likeness(text, settings), (), SiteDay.now(self.zone))

    async def consult(
        self, settings: ExternalModeration, decision: Decision, payload: dict[str, Any]
    ) -> tuple[Decision, str]:
        """The external hook's word on a comment the policy would publish: the decision after
        it, and the outcome to count. Outside any transaction, bounded by its deadline."""
        hook = ExternalHook(
            url=settings.url,
            secret=settings.secret,
            timeout_ms=settings.timeout_ms,
            on_failure=settings.on_failure,
        )
        assert decision.status == CommentStatus.PUBLISHED
        if self.client is None:
            self.client = httpx2.AsyncClient(follow_redirects=False)
        verdict = await ask_external(self.client, hook, payload, allowed_hosts=self.hook_hosts)
        return external_decision(verdict, on_failure=hook.on_failure)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None
