"""What posting, editing and deciding a comment can refuse, each with its own code."""

from collections.abc import Mapping
from typing import Any, ClassVar

from moderation.scoring.scorers import Scores
from moderation.text import TextRuleViolation
from service.core.errors import AppError, Conflict, NotFound, Unprocessable


class CommentNotFound(NotFound):
    """No comment with this id, or none the caller may see."""

    code = "comment_not_found"

    def __init__(self, comment_id: int) -> None:
        super().__init__(f"Comment {comment_id} does not exist.")


class InvalidTransition(Conflict):
    """The comment's status does not allow this, or it changed while you were deciding."""

    code = "invalid_transition"


class ParentUnavailable(Conflict):
    """The comment replied to is not on this article, or cannot be replied to."""

    code = "parent_unavailable"


class EditWindowClosed(Conflict):
    """Comments can be edited only for a while after posting."""

    code = "edit_window_closed"


class ToxicComment(Unprocessable):
    """The nudge: the language may break the guidelines; edit it, or post it with
    `acknowledge_toxicity` to send it to a moderator. `scores` are the model's."""

    code = "toxic_comment"
    fields: ClassVar[Mapping[str, Any]] = {"scores": dict[str, float]}

    def __init__(self, scores: Scores) -> None:
        super().__init__(
            "The language in this comment might violate our community guidelines. Please edit "
            "it, or post it as it is with acknowledge_toxicity to send it to a moderator.",
            scores=scores,
        )


class CommentEmpty(Unprocessable):
    """The comment has no text."""

    code = "comment_empty"


class CommentTooLong(Unprocessable):
    """More than 250 characters as a reader counts them; `length` and `limit` say by how much."""

    code = "comment_too_long"
    fields: ClassVar[Mapping[str, Any]] = {"length": int, "limit": int}


class CommentInvalidCharacters(Unprocessable):
    """Invisible control characters, hidden tags or stacked combining marks."""

    code = "comment_invalid_characters"


TEXT_RULE_ERRORS: tuple[type[Unprocessable], ...] = (
    CommentEmpty,
    CommentTooLong,
    CommentInvalidCharacters,
)


def refused_text(violation: TextRuleViolation) -> AppError:
    """The API error for a broken text rule of `moderation.text`."""
    by_code: dict[str, type[Unprocessable]] = {error.code: error for error in TEXT_RULE_ERRORS}
    return by_code.get(violation.code, Unprocessable)(violation.detail, **violation.extra)
