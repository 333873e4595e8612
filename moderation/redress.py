"""What the law asks once a comment or an account is restricted: the statement of reasons to
its author (DSA Art. 17), legal notices and Korea's temporary measure (DSA Art. 16; Information
and Communications Network Act Art. 44-2), and appeals (DSA Art. 20). Rules only: who is told
what, which status a decision leads to, and who may decide an appeal."""

import calendar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from moderation.scoring.scorers import Scores
from moderation.statuses import CommentStatus


class Restriction(StrEnum):
    COMMENT_REJECTED = "comment_rejected"
    COMMENT_REMOVED = "comment_removed"
    """Taken down after it was published: by a moderator, or after a legal notice."""
    COMMENT_BLOCKED = "comment_blocked"
    ACCOUNT_BANNED = "account_banned"
    ACCOUNT_SUSPENDED = "account_suspended"
    ACCOUNT_PREMODERATED = "account_premoderated"


SANCTION_RESTRICTIONS = {
    "ban": Restriction.ACCOUNT_BANNED,
    "suspend": Restriction.ACCOUNT_SUSPENDED,
    "premoderate": Restriction.ACCOUNT_PREMODERATED,
}


class Means(StrEnum):
    """How the restricted content came to attention."""

    MODEL = "model"
    WORD_LIST = "word_list"
    READER_REPORTS = "reader_reports"
    LEGAL_NOTICE = "legal_notice"
    MODERATOR = "moderator"
    SPAM_CHECK = "spam_check"
    """Links, repeats across accounts, the author's history, the site's external check."""


class GroundKind(StrEnum):
    GUIDELINE = "guideline"
    LAW = "law"


LEGAL_NOTICE_REASON = "legal_notice"
TEMPORARY_MEASURE_REASON = "temporary_measure"
MEASURE_EXPIRED_REASON = "temporary_measure_expired"
RESTORED_REASON = "restored"
APPEAL_REVERSED_REASON = "appeal_reversed"
DELETED_BY_MODERATOR = "deleted_by_moderator"
ERASED_REASON = "erased"
"""A comment deleted because its author's account was erased, on the author's request: the
author's move, not a restriction."""
WITHDRAWN_REASON = "withdrawn_by_author"
"""A notice's ground when the author deleted the comment while the measure hid it."""
LEGAL_REASONS = frozenset({LEGAL_NOTICE_REASON, TEMPORARY_MEASURE_REASON, MEASURE_EXPIRED_REASON})

GUIDELINES: dict[str, str] = {
    "offensive": "Community guideline 1: no insults, harassment or abuse of other people.",
    "toxic_auto_rejected": "Community guideline 1: no insults, harassment or abuse of other "
    "people.",
    "hate_speech": "Community guideline 2: no attacks on people for their origin, religion, "
    "sex, sexual orientation, disability or age.",
    "spam": "Community guideline 3: no advertising, repeated posts or links to sell something.",
    "off_topic": "Community guideline 4: comments stay on the article's subject.",
    "banned_word": "Community guideline 5: comments with words on the site's banned list are "
    "not published.",
}
SPAM_GUIDELINE = GUIDELINES["spam"]
GUIDELINES.update(dict.fromkeys(("link", "link_denied", "coordinated", "external"), SPAM_GUIDELINE))
ANY_GUIDELINE = "The site's community guidelines."

SPAM_FINDINGS: dict[str, str] = {
    "link": "it contains a link, which this site does not publish",
    "link_denied": "it links to a site this site does not allow",
    "coordinated": "the same text was posted by several accounts within a short time",
    "history": "many of your recent comments were rejected, so a moderator reviews new ones",
    "external": "the site's spam check flagged it",
    "external_unavailable": "the site's spam check could not look at it in time",
}
"""What each spam check found, in the words a statement of reasons uses."""

APPEAL_MONTHS = 6


def comment_restriction(to_status: CommentStatus, reason: str) -> Restriction | None:
    """Which restriction a comment's move is, if any; an author deleting their own comment, or
    a comment held for review, restricts nothing (a person still has to decide)."""
    if to_status == CommentStatus.BLOCKED:
        return Restriction.COMMENT_BLOCKED
    if to_status == CommentStatus.REJECTED:
        legal = reason in LEGAL_REASONS
        return Restriction.COMMENT_REMOVED if legal else Restriction.COMMENT_REJECTED
    if to_status == CommentStatus.DELETED and reason == DELETED_BY_MODERATOR:
        return Restriction.COMMENT_REMOVED
    return None


@dataclass(frozen=True, kw_only=True)
class CommentCase:
    """What is known of a comment's restriction when it happens."""

    restriction: Restriction
    reason: str
    """The new status reason: a guideline code, or a legal one."""
    by_person: bool
    earlier_reason: str | None
    """Why the comment had its status before (`toxic`, `suspect_word`, ...)."""
    open_reports: int
    scores: Scores | None
    model_id: str | None
    legal_ground: str | None = None
    """The law a notice named, when a notice led to it."""


@dataclass(frozen=True)
class Statement:
    """A statement of reasons, before it is stored."""

    restriction: Restriction
    facts: str
    detected_by: Means
    automated_detection: bool
    automated_decision: bool
    ground_kind: GroundKind
    ground: str
    ground_text: str


def detected_by(case: CommentCase) -> Means:
    if case.reason in LEGAL_REASONS:
        return Means.LEGAL_NOTICE
    if not case.by_person:
        if case.reason in SPAM_FINDINGS:
            return Means.SPAM_CHECK
        return Means.WORD_LIST if case.reason == "banned_word" else Means.MODEL
    if case.open_reports > 0:
        return Means.READER_REPORTS
    if case.earlier_reason in ("toxic", "toxic_auto_rejected"):
        return Means.MODEL
    if case.earlier_reason in ("suspect_word", "banned_word"):
        return Means.WORD_LIST
    if case.earlier_reason in SPAM_FINDINGS:
        return Means.SPAM_CHECK
    return Means.MODERATOR


_ACTED = {
    Restriction.COMMENT_REJECTED: "not published",
    Restriction.COMMENT_REMOVED: "removed",
    Restriction.COMMENT_BLOCKED: "hidden from readers for now (a temporary measure)",
}


def comment_statement(case: CommentCase) -> Statement:
    means = detected_by(case)
    found = _finding(means, case)
    decider = "a moderator decided" if case.by_person else "this was decided automatically"
    facts = f"Your comment was {_ACTED[case.restriction]}: {found}; {decider}."
    if case.reason in LEGAL_REASONS:
        ground = (
            f"A legal notice: {case.legal_ground}."
            if case.legal_ground
            else ("A legal notice, which named no law.")
        )
        return Statement(
            case.restriction,
            facts,
            means,
            automated_detection=False,
            automated_decision=not case.by_person,
            ground_kind=GroundKind.LAW,
            ground=case.reason,
            ground_text=ground,
        )
    return Statement(
        case.restriction,
        facts,
        means,
        automated_detection=means in (Means.MODEL, Means.WORD_LIST, Means.SPAM_CHECK),
        automated_decision=not case.by_person,
        ground_kind=GroundKind.GUIDELINE,
        ground=case.reason,
        ground_text=GUIDELINES.get(case.reason, ANY_GUIDELINE),
    )


def _finding(means: Means, case: CommentCase) -> str:
    if means == Means.MODEL:
        scores = case.scores or {}
        if scores:
            attribute, score = max(scores.items(), key=lambda item: item[1])
            return f"the model {case.model_id} scored it {attribute} {score:.2f}"
        return "the toxicity model flagged it"
    if means == Means.WORD_LIST:
        return "it contains a word on the site's list"
    if means == Means.SPAM_CHECK:
        found = SPAM_FINDINGS.get(case.reason) or SPAM_FINDINGS.get(case.earlier_reason or "")
        return found or "the site's spam checks flagged it"
    if means == Means.READER_REPORTS:
        plural = "s" if case.open_reports != 1 else ""
        return f"{case.open_reports} reader{plural} reported it"
    if means == Means.LEGAL_NOTICE:
        if case.reason == MEASURE_EXPIRED_REASON:
            return (
                "a legal notice said it infringes someone's rights, and the temporary measure "
                "ended with no objection from you"
            )
        return "a legal notice about it was received"
    return "a moderator reviewed it"


def sanction_statement(restriction: Restriction, words: str, until: datetime | None) -> Statement:
    """An account sanction; a moderator decides every one, in their own words."""
    ends = f" until {until:%Y-%m-%d %H:%M} UTC" if until is not None else ""
    words = words or "none was given"
    what = {
        Restriction.ACCOUNT_BANNED: "Your account was banned: you can no longer comment",
        Restriction.ACCOUNT_SUSPENDED: f"Your account was suspended{ends}: you cannot comment",
        Restriction.ACCOUNT_PREMODERATED: "Your comments are now reviewed by a moderator "
        "before they are published",
    }[restriction]
    return Statement(
        restriction,
        f"{what}. The moderator's reason: {words}",
        Means.MODERATOR,
        automated_detection=False,
        automated_decision=False,
        ground_kind=GroundKind.GUIDELINE,
        ground="community_guidelines",
        ground_text=ANY_GUIDELINE,
    )


def appealable_until(issued_at: datetime) -> datetime:
    """Six calendar months after the statement (the 31st falls back to the month's last day)."""
    month_index = issued_at.month - 1 + APPEAL_MONTHS
    year, month = issued_at.year + month_index // 12, month_index % 12 + 1
    day = min(issued_at.day, calendar.monthrange(year, month)[1])
    return issued_at.replace(year=year, month=month, day=day)


def redress(restriction: Restriction, appeal_until: datetime) -> str:
    """How to seek redress, in the statement's words."""
    if restriction == Restriction.COMMENT_BLOCKED:
        return (
            "If your comment does not infringe anyone's rights, object to the measure: a "
            "moderator then decides. Without an objection the comment is removed when the "
            "measure ends; with one, it stays hidden until a moderator decides."
        )
    return (
        f"You can appeal, free of charge, until {appeal_until:%Y-%m-%d}: a person who did not "
        "take this decision reviews it, and it is reversed if your appeal is well founded. You "
        "may also turn to a certified out-of-court dispute settlement body or to a court."
    )


def may_decide_appeal(original_decider: int | None, reviewer: int) -> bool:
    """An appeal is decided by a person other than the one who decided the restriction (an
    automated decision was nobody's: any moderator may review it)."""
    return original_decider != reviewer


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REVERSED = "reversed"


class NoticeKind(StrEnum):
    ILLEGAL_CONTENT = "illegal_content"
    RIGHTS_INFRINGEMENT = "rights_infringement"


class NoticeStatus(StrEnum):
    RECEIVED = "received"
    DECIDED = "decided"


class NoticeAction(StrEnum):
    REMOVE = "remove"
    RESTORE = "restore"
    NO_ACTION = "no_action"


NOTICEABLE = frozenset({CommentStatus.PUBLISHED, CommentStatus.BLOCKED})
"""A notice is about what readers see, or saw until a temporary measure hid it."""

MIN_NOTICE_EXPLANATION = 20


def blocks_at_once(kind: NoticeKind, status: CommentStatus) -> bool:
    """A rights-infringement notice hides a published comment until a decision (Art. 44-2),
    when `measure_on_notice` lets it start the measure itself."""
    return kind == NoticeKind.RIGHTS_INFRINGEMENT and status == CommentStatus.PUBLISHED


class MeasureNotifiers(StrEnum):
    """Whose rights-infringement notice starts a temporary measure at once
    (`COMMENTMOD_TEMPORARY_MEASURE_NOTIFIERS`); anyone else's waits for a moderator."""

    SIGNED_IN = "signed_in"
    """A notifier signed in to an account in good standing (not banned or suspended)."""
    ANYONE = "anyone"


@dataclass(frozen=True, kw_only=True)
class NoticeFacts:
    """What is known when a notice arrives, read under the comment's lock."""

    kind: NoticeKind
    status: CommentStatus
    """The comment's status."""
    decided_before: bool
    """A notice on this comment was decided already: a person has looked at it (a moderator's
    decision, or the end of a measure whose removal an appeal reversed)."""
    notifier_signed_in: bool
    """Signed in to an account in good standing (not banned or suspended)."""
    author_is_staff: bool
    """The comment's author is a moderator or an admin."""


class MeasureStart(StrEnum):
    """What a notice does to the comment when it arrives."""

    AT_ONCE = "at_once"
    """It hides the comment now: the temporary measure starts."""
    NOT_APPLICABLE = "not_applicable"
    """No measure for this notice (`illegal_content`, or the comment is not published)."""
    REPEAT = "repeat"
    """A notice on the comment was decided before: a moderator decides this one too, so one
    more notice cannot take a restored comment down again, and again."""
    STAFF_AUTHOR = "staff_author"
    """The newsroom's own moderators' and admins' comments are reviewed, not hidden by one
    notice."""
    NOTIFIER_NOT_SIGNED_IN = "notifier_not_signed_in"
    """Only signed-in notifiers start a measure (`MeasureNotifiers.SIGNED_IN`)."""


def measure_on_notice(facts: NoticeFacts, notifiers: MeasureNotifiers) -> MeasureStart:
    """Whether a notice starts a temporary measure at once; when the law's measure would apply
    but one of the site's safeguards holds it back, why (the notice then waits in the notices
    queue and a moderator decides it as any other). A notice on a comment already hidden joins
    its running measure instead, whoever sends it."""
    if not blocks_at_once(facts.kind, facts.status):
        return MeasureStart.NOT_APPLICABLE
    if facts.decided_before:
        return MeasureStart.REPEAT
    if facts.author_is_staff:
        return MeasureStart.STAFF_AUTHOR
    if notifiers == MeasureNotifiers.SIGNED_IN and not facts.notifier_signed_in:
        return MeasureStart.NOTIFIER_NOT_SIGNED_IN
    return MeasureStart.AT_ONCE


def notice_outcome(action: NoticeAction, status: CommentStatus) -> CommentStatus | None:
    """The status a notice's decision moves the comment to; None: it stays as it is."""
    if action == NoticeAction.REMOVE:
        # held too: its author may have edited it into review since the notice
        removable = status in NOTICEABLE or status == CommentStatus.HELD
        return CommentStatus.REJECTED if removable else None
    return CommentStatus.PUBLISHED if status == CommentStatus.BLOCKED else None


class MeasureEnd(StrEnum):
    """What happens when a temporary measure's period ends with no decision."""

    REMOVE = "remove"
    """No objection from the author: the comment is removed."""
    OVERDUE = "overdue"
    """The author objected: a person must decide; the notice is flagged overdue."""


def measure_end(objected: bool) -> MeasureEnd:
    return MeasureEnd.OVERDUE if objected else MeasureEnd.REMOVE
