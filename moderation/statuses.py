"""Comment statuses and which moves between them are allowed, and by whom."""

from enum import StrEnum


class CommentStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    DELETED = "deleted"
    BLOCKED = "blocked"
    """Hidden from readers for a while after a rights-infringement notice (the temporary
    measure); its author and the moderators still see it."""


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
        CommentStatus.BLOCKED,
    }
)
"""An author may delete a comment in any state but deleted."""

EDITABLE = frozenset({CommentStatus.PUBLISHED, CommentStatus.HELD})
"""An author may edit a comment readers see or one waiting for a moderator."""

OWN_VISIBLE = frozenset(
    {CommentStatus.PENDING, CommentStatus.HELD, CommentStatus.REJECTED, CommentStatus.BLOCKED}
)
"""Besides published comments, an author sees their own comments in these states, with why."""


class TransitionRefused(ValueError):
    """A moderator decision that the comment's current status does not allow."""


def moderator_decision(
    action: ModeratorAction,
    status: CommentStatus,
    open_reports: int,
    expected_status: CommentStatus | None,
) -> CommentStatus:
    """The status a decision moves a comment to, or `TransitionRefused`.

    A comment waiting in a queue (held, or published with open reports) can be decided as it is.
    Reversing a decision (approving a rejected comment, taking down a published one nobody
    reported) needs `expected_status`, the status the moderator saw: so of two moderators acting
    on the same queue item at once, the second is refused instead of silently reversing the first.
    """
    if expected_status is not None and expected_status != status:
        raise TransitionRefused(f"The comment is {status} now, not {expected_status}.")
    allowed_from, to_status = MODERATOR_TRANSITIONS[action]
    reported = status == CommentStatus.PUBLISHED and open_reports > 0
    if status not in allowed_from and not (action == ModeratorAction.APPROVE and reported):
        raise TransitionRefused(f"A {status} comment cannot be {action}d.")
    waiting = status == CommentStatus.HELD or reported
    if not waiting and expected_status is None:
        raise TransitionRefused(
            f"The comment is {status}, not waiting for a decision; to change it anyway, "
            f'send "expected_status": "{status}".'
        )
    return to_status
