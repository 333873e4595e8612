"""Runtime settings and word lists (under /v1/admin): moderators read them, admins change
them."""

from typing import Any

from fastapi import APIRouter, status

from auth.deps import MODERATORS_ONLY, Admin
from service.core.deps import SessionDep, SettingsDep
from service.core.errors import Unprocessable, error_responses
from service.core.schemas import Word
from service.policy.deps import PolicyDep
from service.policy.schemas import (
    SettingsPublic,
    SettingsUpdate,
    WordListAdd,
    WordListAdded,
    WordListName,
    WordListPublic,
)
from service.policy.service import (
    ConflictingSettings,
    ExternalHookRefused,
    InvalidDomain,
    InvalidWord,
    WordNotFound,
    public_settings,
)

admin_router = APIRouter(dependencies=MODERATORS_ONLY)


@admin_router.get("/settings")
def get_settings(session: SessionDep, policy: PolicyDep) -> SettingsPublic:
    return public_settings(policy.current(session).settings)


@admin_router.put(
    "/settings",
    responses=error_responses(
        Unprocessable, ConflictingSettings, ExternalHookRefused, InvalidDomain
    ),
)
def put_settings(
    payload: SettingsUpdate,
    admin: Admin,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
) -> SettingsPublic:
    """Thresholds per attribute, auto-reject, new-commenter pre-moderation, the site-wide
    commenting switch, the nudge, and the spam checks (links, repeats, daily caps, history,
    the new-account cool-down, the external hook); validated, stored, audited, live on every
    replica. Groups merge per field; the hook's secret is never shown back."""
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    updated = policy.update_settings(
        session, actor_id=admin.id, changes=changes, hook_hosts=settings.webhook_allowed_hosts
    )
    return public_settings(updated)


@admin_router.get("/wordlists/{list_name}", responses=error_responses(Unprocessable))
def get_word_list(
    list_name: WordListName, session: SessionDep, policy: PolicyDep
) -> WordListPublic:
    return WordListPublic(words=policy.current(session).words[list_name])


@admin_router.post("/wordlists/{list_name}", responses=error_responses(Unprocessable, InvalidWord))
def add_words(
    list_name: WordListName,
    payload: WordListAdd,
    admin: Admin,
    session: SessionDep,
    policy: PolicyDep,
) -> WordListAdded:
    """Adds words (whole-word, case-insensitive; spacing and look-alike tricks are seen
    through); banned words reject a comment, suspect words hold it."""
    words, added = policy.add_words(
        session, actor_id=admin.id, list_name=list_name, words=payload.words
    )
    return WordListAdded(words=words, added=added)


@admin_router.delete(
    "/wordlists/{list_name}/{word}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(Unprocessable, WordNotFound),
)
def remove_word(
    list_name: WordListName, word: Word, admin: Admin, session: SessionDep, policy: PolicyDep
) -> None:
    policy.remove_word(session, actor_id=admin.id, list_name=list_name, word=word)
