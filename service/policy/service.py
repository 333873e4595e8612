"""The moderation settings admins change at run time and the word lists, as one policy snapshot.

Every request reads one small row (`site_settings`) to learn the current version; the compiled
snapshot is rebuilt only when the version moved, so a change made on one replica reaches all of
them on their next request, and word lists are compiled once per change.
"""

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import delete
from sqlmodel import Session, col, select

from moderation.links import normalise_domain
from moderation.policy import HistoryRule, LinkRule, PolicyConfig
from moderation.scoring.scorers import TOXICITY_ATTRIBUTES
from moderation.wordlists import WordList, normalise_entry
from service.audit.service import record
from service.core.db import insert_or_ignore, utcnow
from service.core.errors import (
    NotFound,
    ServiceUnavailable,
    Unprocessable,
    describe_validation_errors,
)
from service.core.settings import Settings
from service.policy.models import SiteSettings, WordListEntry
from service.policy.schemas import (
    MERGED_SETTINGS,
    WORD_LISTS,
    HistoryHold,
    ModerationSettings,
    SettingsPublic,
    WordListName,
)
from service.webhooks.service import WebhookUrlRefused, check_url

MAX_WORDS_PER_LIST = 5000


class CommentingDisabled(ServiceUnavailable):
    """Commenting is switched off site-wide for now."""

    code = "commenting_disabled"


class ConflictingSettings(Unprocessable):
    """The settings as they would be after this change break a rule between them (the
    auto-reject threshold must stay above every hold threshold)."""

    code = "conflicting_settings"


class InvalidWord(Unprocessable):
    """A word-list entry without letters, too long, or one past the list's size limit."""

    code = "invalid_word"


class WordNotFound(NotFound):
    """The word is not on that list."""

    code = "word_not_found"


def default_settings(settings: Settings) -> ModerationSettings:
    """The settings before any admin change: the environment's, over the product's defaults."""
    thresholds = dict.fromkeys(TOXICITY_ATTRIBUTES, settings.hold_threshold)
    thresholds.update(settings.hold_thresholds)
    defaults = ModerationSettings(
        hold_thresholds=thresholds,
        auto_reject_threshold=settings.auto_reject_threshold,
        new_commenter_premoderation=settings.new_commenter_premoderation,
        commenting_enabled=settings.commenting_enabled,
        nudge=settings.nudge,
    )
    starting = dict(settings.moderation_defaults)
    if starting.get("links"):
        starting["links"] = _normalised_domains(starting["links"])
    return _merged(defaults, starting)


class InvalidDomain(Unprocessable):
    """An allow- or deny-list entry that is not a domain (example.com, or a URL of one)."""

    code = "invalid_domain"


def _normalised_domains(links: dict[str, Any]) -> dict[str, Any]:
    """The links group with its lists as domains (`https://www.Example.com/x` is
    example.com), each once."""
    normalised = dict(links)
    for name in ("allow_domains", "deny_domains"):
        if name not in links:
            continue
        domains = []
        for entry in links[name]:
            domain = normalise_domain(entry)
            if domain is None:
                raise InvalidDomain(f"{entry!r} in {name} is not a domain like example.com.")
            domains.append(domain)
        normalised[name] = list(dict.fromkeys(domains))
    return normalised


class ExternalHookRefused(Unprocessable):
    """The external moderation hook needs an https URL of a public host (a private or loopback
    one only when COMMENTMOD_WEBHOOK_ALLOWED_HOSTS names it) and, when first set, a secret."""

    code = "external_hook_refused"


def public_settings(settings: ModerationSettings) -> SettingsPublic:
    """The settings as shown and audited: the external hook's secret never is."""
    return SettingsPublic.model_validate(settings.model_dump())


@dataclass(frozen=True)
class PolicySnapshot:
    version: int
    settings: ModerationSettings
    policy: PolicyConfig
    words: dict[WordListName, list[str]]

    def ensure_commenting_enabled(self) -> None:
        if not self.settings.commenting_enabled:
            raise CommentingDisabled("Commenting is switched off on this site for now.")


POLICY_CHANGED = "policy_changed"
"""`session.info` key: the transaction changed the settings or the word lists."""


class PolicyStore:
    """The settings and word lists in force, compiled once per change. A worker trusts the
    version it read for `freshness` seconds: a change made elsewhere reaches it within that
    time, one made through this store at once (`forget`, after the commit)."""

    def __init__(
        self,
        defaults: ModerationSettings,
        *,
        freshness: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.defaults = defaults
        self.freshness = freshness
        self.clock = clock
        self._cached: PolicySnapshot | None = None
        self._checked_at = -math.inf
        self._lock = threading.Lock()

    def forget(self) -> None:
        self._checked_at = -math.inf

    def current(self, session: Session) -> PolicySnapshot:
        """The snapshot of the settings' current version: at most one small read per
        `freshness` (the version), the settings and word lists only when they changed."""
        now = self.clock()
        cached = self._cached
        if cached is not None and now - self._checked_at < self.freshness:
            return cached
        version = session.exec(
            select(SiteSettings.version).where(SiteSettings.id == 1)
        ).one_or_none()
        if cached is not None and cached.version == (version or 0):
            self._checked_at = now
            return cached
        with self._lock:  # one rebuild per change, however many requests noticed it
            row = session.get(SiteSettings, 1)
            version = row.version if row else 0
            if self._cached is None or self._cached.version != version:
                self._cached = self._build(session, row, version)
            self._checked_at = now
            return self._cached

    def _build(self, session: Session, row: SiteSettings | None, version: int) -> PolicySnapshot:
        settings = _merged(self.defaults, row.values if row else {})
        entries = session.exec(select(WordListEntry).order_by(col(WordListEntry.id))).all()
        words = {name: [e.word for e in entries if e.list_name == name] for name in WORD_LISTS}
        links, history = settings.links, settings.history_hold
        policy = PolicyConfig(
            hold_thresholds=settings.hold_thresholds,
            reject_threshold=settings.auto_reject_threshold,
            new_commenter_comments=settings.new_commenter_premoderation,
            banned_words=WordList(words["banned"]),
            suspect_words=WordList(words["suspect"]),
            links=LinkRule(
                action=links.action,
                allow_domains=tuple(links.allow_domains),
                deny_domains=tuple(links.deny_domains),
                trusted_after=links.trusted_after,
            ),
            history=HistoryRule(**history.model_dump()) if history is not None else None,
        )
        return PolicySnapshot(version, settings, policy, words)

    def update_settings(
        self,
        session: Session,
        *,
        actor_id: int | None,
        changes: dict[str, Any],
        hook_hosts: Sequence[str] = (),
    ) -> ModerationSettings:
        """Validates the merged settings, stores them and audits before and after (the hook's
        secret left out). The row is locked first, so two admins changing different settings
        at once both keep theirs. `hook_hosts`: the private hosts the external hook may use."""
        if changes.get("links"):
            changes = {**changes, "links": _normalised_domains(changes["links"])}
        row = _settings_row(session)
        before = _merged(self.defaults, row.values)
        hook = changes.get("external_moderation")
        if hook and before.external_moderation is None and "secret" not in hook:
            raise ExternalHookRefused("Give the external moderation hook a secret to sign with.")
        try:
            after = _merged(before, changes)
        except ValidationError as invalid:
            raise ConflictingSettings(describe_validation_errors(invalid.errors())) from invalid
        if hook and after.external_moderation is not None:
            _check_hook_url(after.external_moderation.url, hook_hosts)
        _bump(session, row, values=after.model_dump())
        detail: dict[str, Any] = {
            "before": public_settings(before).model_dump(),
            "after": public_settings(after).model_dump(),
        }
        if hook and "secret" in hook:
            detail["external_secret_changed"] = True
        record(
            session,
            action="settings_changed",
            reason="settings_changed",
            actor_id=actor_id,
            detail=detail,
        )
        return after

    def add_words(
        self,
        session: Session,
        *,
        actor_id: int | None,
        list_name: WordListName,
        words: list[str],
    ) -> tuple[list[str], list[str]]:
        """Adds the words not already listed; returns the whole list and the words added, as
        stored (normalised). The settings row is locked first, so two admins adding at once
        cannot together pass the size limit. The snapshot cache is left alone until the change
        is committed."""
        row = _settings_row(session)
        listed = self.current(session).words[list_name]
        existing = set(listed)
        added = []
        for word in words:
            entry = normalise_entry(word)
            if not entry:
                raise InvalidWord(f"{word!r} has no letters or is longer than 64 characters")
            if entry not in existing:
                existing.add(entry)
                added.append(entry)
        if len(existing) > MAX_WORDS_PER_LIST:
            raise InvalidWord(f"a word list holds at most {MAX_WORDS_PER_LIST} entries")
        if added:
            now = utcnow()
            session.execute(
                insert_or_ignore(session, WordListEntry),
                [
                    {"list_name": list_name, "word": w, "created_by": actor_id, "created_at": now}
                    for w in added
                ],
            )
            _bump(session, row)
            action = f"{list_name}_words_added"
            record(
                session, action=action, reason=action, actor_id=actor_id, detail={"words": added}
            )
        return [*listed, *added], added

    def remove_word(
        self, session: Session, *, actor_id: int | None, list_name: WordListName, word: str
    ) -> None:
        entry = normalise_entry(word)
        removed = session.execute(
            delete(WordListEntry).where(
                col(WordListEntry.list_name) == list_name, col(WordListEntry.word) == entry
            )
        )
        if removed.rowcount == 0:  # type: ignore[attr-defined]
            raise WordNotFound(f"{word!r} is not on the {list_name} list.")
        _bump(session, _settings_row(session))
        action = f"{list_name}_word_removed"
        record(session, action=action, reason=action, actor_id=actor_id, detail={"word": entry})


def _check_hook_url(url: str, hook_hosts: Sequence[str]) -> None:
    """The webhooks' rules (no private address unless allowed), and https: comments go there."""
    try:
        check_url(url, hook_hosts)
    except WebhookUrlRefused as refused:
        raise ExternalHookRefused(refused.detail) from refused
    host = (urlsplit(url).hostname or "").lower()
    if not url.startswith("https://") and host not in hook_hosts:
        raise ExternalHookRefused("The external moderation hook's URL must be https://.")


GROUP_DEFAULTS: dict[str, dict[str, Any]] = {"history_hold": HistoryHold().model_dump()}
"""What a group switched off (null) starts from when an update switches it on again."""


def _merged(settings: ModerationSettings, changes: dict[str, Any]) -> ModerationSettings:
    """The settings with the changes applied; thresholds merge per attribute and the groups
    per field, so what a change does not name keeps its value (never "no threshold"); null
    switches a group off."""
    merged = settings.model_dump()
    for name, value in changes.items():
        if name in MERGED_SETTINGS and value is not None:
            current = merged.get(name) or GROUP_DEFAULTS.get(name, {})
            merged[name] = {**current, **value}
        else:
            merged[name] = value
    return ModerationSettings.model_validate(merged)


def _settings_row(session: Session) -> SiteSettings:
    """The one settings row, created on first use and locked for the rest of the transaction,
    so concurrent changes apply one after the other (SQLite writes one at a time anyway)."""
    session.execute(
        insert_or_ignore(session, SiteSettings).values(
            id=1, values={}, version=0, updated_at=utcnow()
        )
    )
    return session.exec(
        select(SiteSettings)
        .where(SiteSettings.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _bump(session: Session, row: SiteSettings, values: dict[str, Any] | None = None) -> None:
    """Moves the version so every worker and replica reloads (this one right after the
    commit: `POLICY_CHANGED`)."""
    session.info[POLICY_CHANGED] = True
    row.version += 1
    row.updated_at = utcnow()
    if values is not None:
        row.values = values
