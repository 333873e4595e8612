"""What every reader yields: one comment as the source knew it, already plain text."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SourceState(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    """Waiting for the source's moderators (Disqus unapproved, WordPress 0, Isso mode 2)."""
    SPAM = "spam"
    REJECTED = "rejected"
    """Rejected by the source's moderators for another reason (a JSON Lines export)."""
    DELETED = "deleted"
    """Deleted or trashed in the source."""


@dataclass(frozen=True)
class SourceComment:
    source_id: str
    """The comment's id in the source, unique there: re-running an import matches on it."""
    thread_key: str
    """The thread's id in the source (Disqus' thread id, WordPress' post id, Isso's thread id)."""
    thread_url: str
    """The page the thread belongs to: the article id is taken from it by the newsroom's
    pattern, or looked up in its mapping file (by URL or by `thread_key`)."""
    parent_source_id: str | None
    author_name: str
    """As the source shows it (trimmed); "" when the source has none."""
    author_key: str
    """Stable for one author within the source (`key_of`): one account is made per key."""
    author_email: str | None
    created_at: datetime
    """Timezone-aware."""
    text: str
    """The plain text a reader saw: markup removed, entities decoded, paragraphs and line
    breaks as newlines."""
    state: SourceState


@dataclass(frozen=True)
class Skipped:
    """An entry that is not a comment (a WordPress pingback or trackback), counted by reason."""

    source_id: str
    reason: str


class MalformedSource(ValueError):
    """The file cannot be read as its format: `where` names the line or element."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


def key_of(*, username: str = "", email: str = "", name: str = "") -> str:
    """An author's key: the source's user name, else the e-mail address (lowercased), else the
    name, each marked, so a guest named "john" is not the registered "john"; "anonymous" for
    an author with none (one account for them all)."""
    if username:
        return f"user:{username}"
    if email:
        return f"email:{email.lower()}"
    if name:
        return f"name:{name}"
    return "anonymous"
