"""Comment statuses and which moves between them are allowed, and by whom."""

from enum import StrEnum


class CommentStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    DELETED = "deleted"


class ModeratorAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class RejectReason(StrEnum):
    OFFENSIVE = "offensive"
    SPAM = "spam"
    BANNED_WORD = "banned_word"
    HATE_SPEECH = "hate_speech"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


MODERATOR_TRANSITIONS: dict[ModeratorAction, tuple[frozenset[CommentStatus], CommentStatus]] = {
    # A moderator may take back a rejection, and may take down a comment already published.
    ModeratorAction.APPROVE: (
        frozenset({CommentStatus.HELD, CommentStatus.REJECTED}),
        CommentStatus.PUBLISHED,
    ),
    ModeratorAction.REJECT: (
        frozenset({CommentStatus.HELD, CommentStatus.PUBLISHED}),
        CommentStatus.REJECTED,
    ),
}

DELETABLE = frozenset(
    {
        CommentStatus.PENDING,
        CommentStatus.PUBLISHED,
        CommentStatus.HELD,
        CommentStatus.REJECTED,
    }
)
"""An author may delete a comment in any state but deleted."""
